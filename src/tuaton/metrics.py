"""Prometheus metrics (operators' convention). Per-process counters; scrape every process."""

from prometheus_client import Counter

SIGNIN_DECISIONS = Counter("tuaton_signin_decisions_total", "Decisions on QR sign-ins, by outcome",
                           ["outcome"])
