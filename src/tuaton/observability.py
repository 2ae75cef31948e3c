"""Request logs and request metrics, without personal data.

One JSON line per request on the ``tuaton.access`` logger: the route *template* (``/agency/{application_id}``,
never the concrete path or query string, which can carry authorization codes, citizen IDs or tokens),
method, status, duration and a request id (also sent back as ``X-Request-Id``). The same timing feeds the
Prometheus histogram ``tuaton_http_request_duration_seconds`` by route template and method.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import traceback

from prometheus_client import Histogram

REQUEST_SECONDS = Histogram("tuaton_http_request_duration_seconds", "Time to answer a request, by route",
                            ["route", "method", "status"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
access_log = logging.getLogger("tuaton.access")


class JsonLines(logging.Formatter):
    """Log records as JSON lines: time, level, logger, message and whatever ``extra`` the caller gave."""

    FIELDS = ("route", "method", "status", "ms", "request_id")

    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": round(record.created, 3), "level": record.levelname.lower(), "logger": record.name,
                "msg": record.getMessage()}
        line.update({f: getattr(record, f) for f in self.FIELDS if hasattr(record, f)})
        if record.exc_info and record.exc_info[0]:
            # The exception's class and where it went, never its message (a database error's
            # message carries the statement's parameters: tokens, citizen IDs).
            line["error"] = record.exc_info[0].__name__
            line["traceback"] = [f"{frame.filename.rsplit('/site-packages/', 1)[-1]}:{frame.lineno} {frame.name}"
                                 for frame in traceback.extract_tb(record.exc_info[2])]
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for Tuaton's loggers (``tuaton serve`` calls it)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("tuaton")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


def route_template(scope) -> str:
    """The matched route's template (``/signin/{signin_id}/status``), never the concrete path."""
    return getattr(scope.get("route"), "path", None) or ("/static" if scope["path"].startswith(
        "/static/") else "(unmatched)")


#: For ``uvicorn.run(log_config=...)``: uvicorn's own lines (start-up, and the tracebacks of
#: errors that reach it) as the same JSON lines, one per event.
UVICORN_LOG_CONFIG = {
    "version": 1, "disable_existing_loggers": False,
    "formatters": {"json": {"()": "tuaton.observability.JsonLines"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "loggers": {"uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                "uvicorn.error": {"level": "INFO"},
                "uvicorn.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False}},
}


class RequestLog:
    """ASGI middleware: times each HTTP request, logs it and counts it."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500
        request_id = secrets.token_hex(8)

        async def send_and_note(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            REQUEST_SECONDS.labels(route, scope["method"], f"{status // 100}xx").observe(seconds)
            access_log.info("request", extra={"route": route, "method": scope["method"], "status": status,
                                              "ms": round(seconds * 1000, 1), "request_id": request_id})
