"""Fingerprint templates and the matcher a registrar office's station uses.

A template is a list of minutiae (ridge endings and bifurcations: position in pixels at 500 dpi,
direction in degrees). Scanners and real matchers speak ISO/IEC 19794-2; Tuaton's own wire format
is a small binary record (``TTFP``, version, count, then 7 bytes a minutia) that
:func:`parse_template` checks strictly, since it arrives from a station.

:class:`MinutiaeMatcher` is a plain alignment matcher: every pair of minutiae proposes a rotation
and a translation, and the score is the share of minutiae that land on a partner (within
``DISTANCE_PX`` and ``ANGLE_DEG``) under the best one. It is good enough for synthetic templates
and for tests; a deployment plugs a certified matcher behind :class:`FingerprintMatcher`.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

MAGIC, VERSION = b"TTFP", 1
MIN_MINUTIAE, MAX_MINUTIAE = 12, 120
WIDTH, HEIGHT = 400, 500           # a 500 dpi flat index-finger impression
ENDING, BIFURCATION = 1, 2
_HEADER = struct.Struct(">4sBB")
_MINUTIA = struct.Struct(">HHHB")


class TemplateError(ValueError):
    """The bytes are not a usable template; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Minutia:
    x: int
    y: int
    angle: int      # degrees, 0–359
    kind: int       # ENDING or BIFURCATION


def encode_template(minutiae: Sequence[Minutia]) -> bytes:
    if not MIN_MINUTIAE <= len(minutiae) <= MAX_MINUTIAE:
        raise TemplateError(f"a template holds {MIN_MINUTIAE}–{MAX_MINUTIAE} minutiae, not {len(minutiae)}")
    return _HEADER.pack(MAGIC, VERSION, len(minutiae)) + b"".join(
        _MINUTIA.pack(m.x, m.y, m.angle % 360, m.kind) for m in minutiae)


def parse_template(raw: bytes) -> tuple[Minutia, ...]:
    if len(raw) < _HEADER.size:
        raise TemplateError("the template is shorter than its header")
    magic, version, count = _HEADER.unpack_from(raw)
    if magic != MAGIC:
        raise TemplateError("not a Tuaton fingerprint template (it must start with 'TTFP')")
    if version != VERSION:
        raise TemplateError(f"template version {version} is not supported (only {VERSION})")
    if len(raw) != _HEADER.size + count * _MINUTIA.size:
        raise TemplateError(f"the template says {count} minutiae but holds {len(raw) - _HEADER.size} bytes")
    if count < MIN_MINUTIAE:
        raise TemplateError(f"only {count} minutiae: the impression is too poor to match; scan again")
    if count > MAX_MINUTIAE:
        raise TemplateError(f"{count} minutiae is more than a finger has ({MAX_MINUTIAE} at most)")
    minutiae = []
    for i in range(count):
        x, y, angle, kind = _MINUTIA.unpack_from(raw, _HEADER.size + i * _MINUTIA.size)
        if x >= WIDTH or y >= HEIGHT or angle >= 360 or kind not in (ENDING, BIFURCATION):
            raise TemplateError(f"minutia {i} is out of range ({x}, {y}, {angle}°, kind {kind})")
        minutiae.append(Minutia(x, y, angle, kind))
    return tuple(minutiae)


class FingerprintMatcher(Protocol):
    threshold: float

    def score(self, probe: Sequence[Minutia], reference: Sequence[Minutia]) -> float:
        """Similarity in [0, 1]; at or above ``threshold`` the fingers are the same."""
        ...


class MinutiaeMatcher:
    DISTANCE_PX = 12.0
    ANGLE_DEG = 20.0

    def __init__(self, threshold: float = 0.4) -> None:
        self.threshold = threshold

    def score(self, probe: Sequence[Minutia], reference: Sequence[Minutia]) -> float:
        if not probe or not reference:
            return 0.0
        p = np.array([(m.x, m.y, m.angle, m.kind) for m in probe], dtype=float)
        r = np.array([(m.x, m.y, m.angle, m.kind) for m in reference], dtype=float)
        # Anchors: pairs of the same kind; each fixes a rotation and a translation.
        pi, ri = np.nonzero(p[:, 3][:, None] == r[:, 3][None, :])
        theta = np.radians(r[ri, 2] - p[pi, 2])
        cos, sin = np.cos(theta), np.sin(theta)
        # Rotate every probe minutia about the anchor, then move the anchor onto its partner.
        dx, dy = p[None, :, 0] - p[pi, 0][:, None], p[None, :, 1] - p[pi, 1][:, None]
        x = r[ri, 0][:, None] + cos[:, None] * dx - sin[:, None] * dy
        y = r[ri, 1][:, None] + sin[:, None] * dx + cos[:, None] * dy
        angle = (p[None, :, 2] + np.degrees(theta)[:, None]) % 360
        near = np.hypot(x[:, :, None] - r[None, None, :, 0], y[:, :, None] - r[None, None, :, 1]) \
            <= self.DISTANCE_PX
        turn = np.abs((angle[:, :, None] - r[None, None, :, 2] + 180) % 360 - 180) <= self.ANGLE_DEG
        paired = near & turn
        matched = np.minimum(paired.any(axis=2).sum(axis=1), paired.any(axis=1).sum(axis=1))
        return float(matched.max() / ((len(probe) + len(reference)) / 2))


# -- synthetic fingers for the sandbox and tests -------------------------------------------------
def _rng(*parts: object) -> np.random.Generator:
    seed = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(seed[:8], "big"))


def synthetic_template(pid: str, finger: str = "right_index") -> tuple[Minutia, ...]:
    """The template the synthetic registry holds for a citizen's finger: 40–55 minutiae,
    at least 14 px apart, as a real index finger gives."""
    rng = _rng("finger", pid, finger)
    count = int(rng.integers(40, 56))
    points: list[Minutia] = []
    while len(points) < count:
        x, y = int(rng.integers(30, WIDTH - 30)), int(rng.integers(30, HEIGHT - 30))
        if all((x - m.x) ** 2 + (y - m.y) ** 2 >= 14 ** 2 for m in points):
            points.append(Minutia(x, y, int(rng.integers(0, 360)), int(rng.choice([ENDING, BIFURCATION]))))
    return tuple(points)


def impression(reference: Sequence[Minutia], seed: object) -> tuple[Minutia, ...]:
    """What a scanner reads when the finger is placed again: turned up to 15°, moved up to 25 px,
    each minutia off by a few pixels and degrees, a fifth of them missed, a few spurious ones."""
    rng = _rng("impression", seed)
    theta = np.radians(rng.uniform(-15, 15))
    shift = rng.uniform(-25, 25, size=2)
    centre = np.array([WIDTH / 2, HEIGHT / 2])
    out: list[Minutia] = []
    for m in reference:
        if rng.random() < 0.2:
            continue
        v = np.array([m.x, m.y]) - centre
        x, y = centre + [v[0] * np.cos(theta) - v[1] * np.sin(theta), v[0] * np.sin(theta) + v[1] * np.cos(theta)]
        x, y = np.array([x, y]) + shift + rng.normal(0, 2.0, size=2)
        angle = (m.angle + np.degrees(theta) + rng.normal(0, 5)) % 360
        if 0 <= x < WIDTH and 0 <= y < HEIGHT:
            out.append(Minutia(int(x), int(y), int(angle), m.kind))
    for _ in range(int(len(reference) * 0.1)):
        out.append(Minutia(int(rng.integers(0, WIDTH)), int(rng.integers(0, HEIGHT)), int(rng.integers(0, 360)),
                           int(rng.choice([ENDING, BIFURCATION]))))
    return tuple(out)
