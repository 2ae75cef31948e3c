"""Health checks and metrics for operators.

- ``/healthz``: liveness — the process answers (no dependency is checked, so a database outage
  does not make an orchestrator kill every process at once).
- ``/readyz``: readiness — the database and the ephemeral store answer; 503 while either is down,
  so a load balancer stops sending requests to this process.
- ``/metrics``: Prometheus text format (per process; scrape every process).
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from tuaton import __version__
from tuaton.web_support import client_address, problem, services

#: Callers answered /metrics when no token is set: a scraper or sidecar on the same machine.
LOOPBACK = frozenset({"127.0.0.1", "::1"})

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok", "version": __version__}, headers={"Cache-Control": "no-store"})


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    svc = services(request)
    checks = {}
    try:
        with svc.database.reading() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - reported, not raised
        checks["database"] = "unreachable"
    checks["ephemeral_store"] = "ok" if svc.store.ping() else "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", **checks}, status_code=200 if ready else 503,
                        headers={"Cache-Control": "no-store"})


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus text, for the scraper only: with ``TUATON_METRICS_TOKEN`` set, the request must
    carry it as a Bearer token; without one, only loopback callers (a scraper or sidecar on the same
    machine) are answered. Counts by route are not for the public internet."""
    token = services(request).settings.metrics_token
    if token:
        sent = request.headers.get("authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            refused = problem(401, "metrics-token-required", "Metrics token required",
                              "Send the metrics token (TUATON_METRICS_TOKEN) as a Bearer token.")
            refused.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return refused
    elif client_address(request) not in LOOPBACK:
        return problem(403, "metrics-not-public", "Metrics are not public",
                       "Metrics are answered to loopback callers only; set TUATON_METRICS_TOKEN to scrape from "
                       "elsewhere.")
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
