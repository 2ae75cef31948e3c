"""Charts for the portals, drawn on the server as SVG: no JavaScript, nothing to vendor, fine under
the strict Content-Security-Policy, and each chart carries its numbers as a table for screen readers
(and for anyone who wants the figures rather than the picture).

This module only computes the geometry; ``templates/_charts.html`` draws it (autoescaped)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 220, 44, 26, 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    tooltip: str


@dataclass(frozen=True)
class StackedBars:
    id: str
    title: str
    labels: Sequence[str]
    series: Sequence[tuple[str, Sequence[int], str]]
    bars: list[Bar]
    grid: list[tuple[float, str]]             # (y, value label)
    ticks: list[tuple[float, str]]            # (x, label)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = PAD_LEFT

    kind = "stacked"


@dataclass(frozen=True)
class HorizontalBars:
    id: str
    title: str
    items: list[tuple[str, int, float]]       # (label, value, percent of the longest)

    kind = "horizontal"


def nice_max(value: int) -> int:
    """The axis' top: the smallest 1, 2 or 5 × 10ⁿ at or above ``value`` (at least 5)."""
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    return next(step * magnitude for step in (1, 2, 5, 10) if value <= step * magnitude)


def stacked_bars(chart_id: str, title: str, labels: Sequence[str],
                 series: Sequence[tuple[str, Sequence[int], str]]) -> StackedBars:
    """Bars per label (e.g. per day), stacked by series ``(name, values, css class)``."""
    totals = [sum(values[i] for _, values, _ in series) for i in range(len(labels))]
    top = nice_max(max(totals, default=0))
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = plot_w / max(len(labels), 1)
    bars, ticks = [], []
    for i, label in enumerate(labels):
        x, base = PAD_LEFT + i * slot + slot * 0.15, PAD_TOP + plot_h
        for name, values, css in series:
            height = plot_h * values[i] / top
            if height > 0:
                base -= height
                bars.append(Bar(round(x, 1), round(base, 1), round(slot * 0.7, 1), round(height, 1), css,
                                f"{label} · {name}: {values[i]:,}"))
        last = len(labels) - 1
        if i in (0, last) or (len(labels) > 10 and i % 7 == 0 and last - i >= 4):
            ticks.append((round(x + slot * 0.35, 1), label))
    grid = [(round(PAD_TOP + plot_h * (1 - f), 1), f"{top * f:,g}") for f in (0, 0.5, 1)]
    return StackedBars(chart_id, title, labels, series, bars, grid, ticks)


def horizontal_bars(chart_id: str, title: str, items: Sequence[tuple[str, int]]) -> HorizontalBars:
    """One bar per item (a province, a claim, a failure reason), with its number."""
    top = max((v for _, v in items), default=0) or 1
    return HorizontalBars(chart_id, title, [(label, value, round(max(100 * value / top, 0.5), 1))
                                            for label, value in items])
