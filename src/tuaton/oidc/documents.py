"""The provider's public documents — discovery and the JWKS, on Tuaton's and ThaiD's paths —
answered straight from bytes made once, before the application's router.

These are the most requested and least changing answers an OpenID Provider gives (every relying
party's library fetches them, often per sign-in); routing them through FastAPI cost 2–3× the
reference provider's CPU per GET. Each body is serialised once with its ETag (the discovery
document per issuer, the JWKS whenever the signing keys are re-read), so a GET is a dictionary
lookup, and ``If-None-Match`` gets a 304. A JWKS older than the key cache falls through to the
route, which re-reads the keys off the event loop.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import lru_cache
from types import SimpleNamespace

from tuaton.oidc.discovery import PATHS, THAID_PATHS, provider_metadata

DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATHS = (PATHS["jwks_uri"], THAID_PATHS["jwks_uri"])
CACHE_CONTROL = b"public, max-age=300"


@lru_cache(maxsize=8)
def discovery_document(issuer: str) -> tuple[bytes, str]:
    body = json.dumps(provider_metadata(issuer), separators=(",", ":"), ensure_ascii=False).encode()
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"'


class PublishedDocuments:
    """ASGI middleware answering GET/HEAD of discovery and the JWKS from prepared bytes."""

    def __init__(self, app, services: Callable[[], object]) -> None:
        self.app = app
        self._services = services
        self._routes = {path: SimpleNamespace(path=path) for path in (DISCOVERY_PATH, *JWKS_PATHS)}

    def _document(self, path: str) -> tuple[bytes, str] | None:
        svc = self._services()
        if path == DISCOVERY_PATH:
            return discovery_document(svc.settings.issuer)
        view = svc.keys.cached_view()
        return (view.jwks_body, view.jwks_etag) if view is not None and view.jwks_body else None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or scope["path"] not in self._routes:
            await self.app(scope, receive, send)
            return
        document = self._document(scope["path"])
        if document is None:
            await self.app(scope, receive, send)
            return
        body, etag = document
        scope["route"] = self._routes[scope["path"]]   # for the request log and metrics
        match = any(name == b"if-none-match" and etag.encode() in value for name, value in scope["headers"])
        headers = [(b"content-type", b"application/json"), (b"cache-control", CACHE_CONTROL),
                   (b"etag", etag.encode())]
        if match:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
