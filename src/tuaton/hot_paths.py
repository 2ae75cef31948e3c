"""The endpoints every sign-in crosses, dispatched before FastAPI's router.

A sign-in is six requests (authorize, the app's read and decision, the browser's status, token,
userinfo) and a refresh one; FastAPI's routing, dependency solving and exception middleware cost
about as much CPU per request as Tuaton's own work on the cheapest of them (BENCHMARKS.md). This
ASGI middleware matches those few paths itself and calls **the same route functions** FastAPI
registers (and documents in OpenAPI); any error goes to **the application's own exception
handlers**, so the answers are identical whichever way a request came in.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

Endpoint = Callable[..., Awaitable[Response]]


@dataclass(frozen=True)
class HotRoute:
    """``template`` as FastAPI writes it ("/signin/{signin_id}/status"); the endpoint is called
    with the request and the path parameters, in order, as positional arguments."""

    methods: tuple[str, ...]
    template: str
    endpoint: Endpoint


async def json_body(request: Request, model: type[BaseModel]) -> Any:
    """The request's JSON body as ``model``; invalid input is FastAPI's own 422 error."""
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


class HotPaths:
    def __init__(self, app, routes: Iterable[HotRoute], exception_handlers: Callable[[], dict]) -> None:
        self.app = app
        self._exact: dict[tuple[str, str], tuple[HotRoute, SimpleNamespace]] = {}
        self._patterns: dict[tuple[str, int], list[tuple[list[str | None], HotRoute, SimpleNamespace]]] = {}
        self._handlers = exception_handlers
        for route in routes:
            label = SimpleNamespace(path=route.template)    # what the request log and metrics read
            parts = route.template.split("/")
            for method in route.methods:
                if "{" not in route.template:
                    self._exact[(method, route.template)] = (route, label)
                else:
                    shape = [None if p.startswith("{") else p for p in parts]
                    self._patterns.setdefault((method, len(parts)), []).append((shape, route, label))

    def _match(self, method: str, path: str) -> tuple[HotRoute, SimpleNamespace, list[str]] | None:
        hit = self._exact.get((method, path))
        if hit is not None:
            return hit[0], hit[1], []
        parts = path.split("/")
        for shape, route, label in self._patterns.get((method, len(parts)), ()):
            params = []
            for want, got in zip(shape, parts, strict=True):
                if want is None:
                    if not got:
                        break
                    params.append(got)
                elif want != got:
                    break
            else:
                return route, label, params
        return None

    async def __call__(self, scope, receive, send) -> None:
        hit = self._match(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if hit is None:
            await self.app(scope, receive, send)
            return
        route, label, params = hit
        scope["route"] = label
        request = Request(scope, receive)
        try:
            response = await route.endpoint(request, *params)
        except Exception as exc:  # noqa: BLE001 - answered by the application's handler for it
            response = await self._answer(request, exc)
        await response(scope, receive, send)

    async def _answer(self, request: Request, exc: Exception) -> Response:
        handlers = self._handlers()
        for cls in type(exc).__mro__:
            handler = handlers.get(cls)
            if handler is not None:
                answer = handler(request, exc)
                return await answer if inspect.isawaitable(answer) else answer
        raise exc
