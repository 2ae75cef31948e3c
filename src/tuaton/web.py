"""The application factory, and the one place that turns errors into responses.

- OAuth/OIDC errors: JSON ``{"error", "error_description"}`` (RFC 6749 §5.2), or a redirect to the
  client with ``error``, ``state`` and ``iss`` (§4.1.2.1, RFC 9207), or ``WWW-Authenticate`` for
  bearer tokens (RFC 6750 §3).
- Domain errors on the API: RFC 9457 problem JSON with the message in English and Thai.
- Anything a person reads in a browser: a bilingual page.
"""

from __future__ import annotations

import asyncio
import logging
import re
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from tuaton import __version__
from tuaton.errors import DomainError, NotFound, PortalSignInRequired, RequestTooLarge
from tuaton.hot_paths import HotPaths
from tuaton.i18n import pick_lang
from tuaton.identity.passcode_verifier import PasscodeKeyUnavailable
from tuaton.observability import RequestLog, configure_logging, route_template
from tuaton.oidc.documents import PublishedDocuments
from tuaton.oidc.dpop import ALGORITHMS as DPOP_ALGORITHMS
from tuaton.oidc.errors import (
    InvalidClient,
    InvalidDpopProof,
    InvalidRedirect,
    InvalidToken,
    OAuthError,
    TooManyBackchannelRequests,
    UseDpopNonce,
)
from tuaton.oidc.grants import authorization_response
from tuaton.proofing.card_ocr import MAX_IMAGE_BYTES
from tuaton.services import Services, build_services
from tuaton.settings import Settings
from tuaton.web_support import NO_STORE, page, problem, with_retry_after

log = logging.getLogger("tuaton")

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


#: The largest request body, by path (bytes): enrolment photos are up to 8 MB each (proofing/
#: card_ocr.MAX_IMAGE_BYTES; a selfie step sends two), an organisation's permission letter 5 MB, the
#: programme office's catalogue file 20 MB, an officials' CSV 2 MB; everything else fits in 1 MiB (a
#: logo is at most 512 KB). Refused on Content-Length before anything is read, and while the body
#: streams. An upload a little over its own limit still reaches its route, which says why in its page.
_MULTIPART_ROOM = 64 * 1024
BODY_LIMITS = (
    (re.compile(r"/api/app/v1/enrolments/[^/]+/selfie"), 2 * MAX_IMAGE_BYTES + _MULTIPART_ROOM),
    (re.compile(r"/api/app/v1/enrolments/[^/]+/card-(front|back)"), MAX_IMAGE_BYTES + _MULTIPART_ROOM),
    (re.compile(r"/agency/organisations/[^/]+/letters"), 6 * 1024 * 1024),
    (re.compile(r"/agency/organisations/[^/]+/officials/import"), 3 * 1024 * 1024),
    (re.compile(r"/programme/import"), 21 * 1024 * 1024),
)
DEFAULT_BODY_LIMIT = 1024 * 1024


def body_limit(path: str) -> int:
    for pattern, limit in BODY_LIMITS:
        if pattern.fullmatch(path):
            return limit
    return DEFAULT_BODY_LIMIT


class BodyLimit:
    """Refuses a request body over ``body_limit(path)`` with 413 problem JSON: at once when
    ``Content-Length`` says so, else as soon as the streamed body passes it (the application's
    own answer, if it tries one, is dropped for the 413)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit():
                    await _send_problem(send, problem(400, "invalid-content-length", "Content-Length is not a number",
                                                      "Send the body's length in bytes as Content-Length."))
                    return
                if int(value) > limit:
                    await _send_problem(send, _too_large(limit))
                    return
        received, exceeded, started = 0, False, False

        async def limited_receive():
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise RequestTooLarge()
            return message

        async def guarded_send(message) -> None:
            nonlocal started
            if exceeded:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await _send_problem(send, _too_large(limit))


def _too_large(limit: int) -> JSONResponse:
    size = f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit:,} bytes"
    return problem(RequestTooLarge.status, RequestTooLarge.slug, RequestTooLarge.title_en,
                   f"This endpoint takes at most {size}; send a smaller body.",
                   f"{RequestTooLarge.title_th} (ไม่เกิน {size})", limit=limit)


async def _send_problem(send, response: JSONResponse) -> None:
    await send({"type": "http.response.start", "status": response.status_code,
                "headers": [*response.raw_headers, (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": response.body})


HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (plain ASGI: no extra task per request), and
    HSTS when the issuer is https (a browser then never tries plain http for it)."""

    def __init__(self, app, *, https: bool = False) -> None:
        self.app = app
        headers = {**SECURITY_HEADERS, **({"Strict-Transport-Security": HSTS} if https else {})}
        self._headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in self._headers if k not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: The portals' pages: their errors are pages whatever the Accept header says.
PORTAL_PREFIXES = ("/me", "/agency", "/agencies", "/console", "/portal", "/lost-phone", "/programme")


def _is_portal(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PORTAL_PREFIXES)


#: Seconds a client is told to wait when a dependency is down (503).
UNAVAILABLE_RETRY_AFTER = 5


def _where(request: Request) -> dict[str, str]:
    """What an error line says of the request: the route template and method, never the path
    (it carries sign-in IDs, citizen IDs on sandbox routes, office binding codes)."""
    return {"route": route_template(request.scope), "method": request.method}


def _allowed_methods(request: Request) -> list[str]:
    path = request.url.path
    return sorted({method for route in request.app.router.routes if isinstance(route, APIRoute)
                   and route.path_regex.match(path) for method in route.methods})


def _wants_page(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/app", "/api/sandbox", "/signin/")) or "token" in path or "introspect" in path \
            or path.endswith(".json"):
        return False
    return "text/html" in request.headers.get("accept", "") or _is_portal(path) or path.startswith(
        ("/oauth2/authorize", "/api/v2/oauth2/auth"))


def _oauth_error(request: Request, exc: OAuthError) -> Response:
    if exc.redirect_uri:
        return RedirectResponse(authorization_response(
            exc.redirect_uri, exc.state, request.app.state.services.settings.issuer, error=exc.error,
            error_description=exc.description), status_code=303)
    headers = dict(NO_STORE)
    description = exc.description.replace('"', "'")
    if isinstance(exc, InvalidToken):
        scheme = f'DPoP algs="{" ".join(DPOP_ALGORITHMS)}",' if exc.dpop else "Bearer"
        headers["WWW-Authenticate"] = f'{scheme} error="invalid_token", error_description="{description}"'
    if isinstance(exc, InvalidDpopProof) and exc.at_resource:
        headers["WWW-Authenticate"] = (f'DPoP algs="{" ".join(DPOP_ALGORITHMS)}", error="{exc.error}", '
                                       f'error_description="{description}"')
    if isinstance(exc, UseDpopNonce):
        headers["DPoP-Nonce"] = exc.nonce
    if isinstance(exc, TooManyBackchannelRequests):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, InvalidClient) and exc.basic_attempted:
        headers["WWW-Authenticate"] = 'Basic realm="tuaton"'
    return JSONResponse({"error": exc.error, "error_description": exc.description},
                        status_code=exc.status, headers=headers)


def _error_page(request: Request, status: int, message_th: str, message_en: str) -> Response:
    lang = pick_lang(request.query_params.get("lang"), request.query_params.get("ui_locales"),
                     request.headers.get("accept-language"))
    return page(request, "error.html", lang, status_code=status,
                context={"message": {"th": message_th, "en": message_en}})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OAuthError)
    async def oauth_error(request: Request, exc: OAuthError) -> Response:
        return _oauth_error(request, exc)

    @app.exception_handler(InvalidRedirect)
    async def invalid_redirect(request: Request, exc: InvalidRedirect) -> Response:
        return _error_page(request, 400, exc.message_th, exc.message_en)

    @app.exception_handler(PortalSignInRequired)
    async def sign_in_required(request: Request, exc: PortalSignInRequired) -> Response:
        path = request.url.path
        if request.method == "GET" and _is_portal(path) and path != "/portal/callback":
            target = path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/portal/signin?" + urlencode({"next": target}), status_code=303)
        return await domain_error(request, exc)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if _wants_page(request):
            response = _error_page(request, exc.status, exc.detail_th, exc.detail_en)
        else:
            response = problem(exc.status, exc.slug, exc.title_en, exc.detail_en, exc.detail_th, **exc.extra)
        return with_retry_after(response, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]} for e in exc.errors()]
        fields = ", ".join(e["field"] for e in errors) or "body"
        return problem(422, "invalid-input", "Some of the data sent is not valid",
                       f"Check these fields: {fields}.", f"กรุณาตรวจสอบข้อมูล: {fields}", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_page(request):
            response = _error_page(request, exc.status_code, "ไม่พบหน้าที่ต้องการ" if exc.status_code == 404
                                   else "คำขอไม่ถูกต้อง", str(exc.detail))
        else:
            response = problem(exc.status_code, "http", str(exc.detail), str(exc.detail))
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:      # RFC 9110 §15.5.6: every method the resource has, over all its routes
            response.headers["Allow"] = ", ".join(_allowed_methods(request))
        return response

    @app.exception_handler(PasscodeKeyUnavailable)
    async def passcode_key_unavailable(request: Request, exc: PasscodeKeyUnavailable) -> Response:
        log.error("passcode key backend unavailable: %s", type(exc).__name__, extra=_where(request))
        if _wants_page(request):
            return _error_page(request, 503, "ระบบตรวจสอบรหัสผ่านไม่พร้อมใช้งานชั่วคราว กรุณาลองใหม่ภายหลัง",
                               "Passcodes cannot be checked just now; please try again later.")
        return problem(503, "passcode-key-unavailable", "Service unavailable",
                       "Passcodes cannot be checked just now (the passcode key's backend is unavailable); "
                       "try again later.", "ระบบตรวจสอบรหัสผ่านไม่พร้อมใช้งานชั่วคราว กรุณาลองใหม่ภายหลัง")

    def unavailable(request: Request, slug: str, what_en: str, what_th: str) -> Response:
        if _wants_page(request):
            response = _error_page(request, 503, f"{what_th} ไม่พร้อมใช้งานชั่วคราว กรุณาลองใหม่ภายหลัง",
                                   f"{what_en} is unavailable just now; please try again shortly.")
        else:
            response = problem(503, slug, "Service unavailable", f"{what_en} is unavailable just now; nothing was "
                               "changed. Retry with backoff.", f"{what_th} ไม่พร้อมใช้งานชั่วคราว ไม่มีการเปลี่ยนแปลงข้อมูล")
        response.headers["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
        return response

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def database_unavailable(request: Request, exc: Exception) -> Response:
        # The pool has dropped the broken connections (SQLAlchemy invalidates them on a
        # disconnect); the next request connects afresh. No pre-ping: it cost a round trip per use.
        log.error("database unavailable: %s", type(exc).__name__, extra=_where(request))
        return unavailable(request, "database-unavailable", "The database", "ฐานข้อมูล")

    @app.exception_handler(RedisError)
    async def store_unavailable(request: Request, exc: Exception) -> Response:
        log.error("ephemeral store unavailable: %s", type(exc).__name__, extra=_where(request))
        return unavailable(request, "store-unavailable", "The session store", "ระบบจัดเก็บสถานะการเข้าสู่ระบบ")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        if isinstance(exc, PendingRollbackError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
            # A connection the database dropped, met through another error class than the two above
            # (a statement cut off mid-way, a session whose connection went away): still a 503.
            return await database_unavailable(request, exc)
        log.error("unhandled error", exc_info=exc, extra=_where(request))
        if _wants_page(request):
            return _error_page(request, 500, "ระบบขัดข้อง กรุณาลองใหม่อีกครั้ง",
                               "Something broke on our side; please try again.")
        return problem(500, "server-error", "Internal error", "Something broke on our side; try again.")


async def _seal_audit_trail(services: Services) -> None:
    """This process's turn at the audit sequencer, every ``audit_seal_seconds`` (one process seals
    at a time; the others find the lock taken and wait for the next tick)."""
    interval = services.settings.audit_seal_seconds
    if interval <= 0:
        return
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(services.audit.seal)
        except Exception:  # noqa: BLE001 - a failed turn is logged and retried at the next tick
            log.exception("sealing the audit trail failed; retrying")


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    from tuaton import health
    from tuaton.agencies.review_routes import router as review_router
    from tuaton.agencies.routes import router as agencies_router
    from tuaton.appclient.routes import router as pwa_router
    from tuaton.card.routes import router as card_router
    from tuaton.citizen.app_routes import router as citizen_app_router
    from tuaton.citizen.routes import router as citizen_router
    from tuaton.dashboard.routes import router as console_router
    from tuaton.identity.routes import router as identity_router
    from tuaton.officers.routes import router as officers_router
    from tuaton.oidc.routes import HOT_ROUTES as oidc_hot_routes
    from tuaton.oidc.routes import router as oidc_router
    from tuaton.organisations.routes import router as organisations_router
    from tuaton.portal.routes import router as portal_router
    from tuaton.programme.agency_routes import router as agency_services_router
    from tuaton.programme.routes import router as programme_router
    from tuaton.proofing.office_routes import router as office_router
    from tuaton.proofing.routes import router as proofing_router
    from tuaton.registry.routes import router as registry_router
    from tuaton.signin.routes import HOT_ROUTES as signin_hot_routes
    from tuaton.signin.routes import router as signin_router

    settings = settings or (services.settings if services else Settings())
    owned = services is None

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        sequencer = asyncio.create_task(_seal_audit_trail(app.state.services))
        yield
        sequencer.cancel()
        if owned:
            app.state.services.close()

    # No /docs or /redoc: FastAPI's pages load Swagger UI from a CDN, which the CSP (rightly) blocks
    # and a national service should not depend on. /openapi.json is served for any OpenAPI viewer.
    app = FastAPI(title="Tuaton", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="National digital identity: QR sign-in with OpenID Connect.")
    app.state.services = services or build_services(settings)

    app.add_middleware(HotPaths, routes=[*oidc_hot_routes, *signin_hot_routes],
                       exception_handlers=lambda: app.exception_handlers)
    app.add_middleware(BodyLimit)
    app.add_middleware(PublishedDocuments, services=lambda: app.state.services)
    app.add_middleware(SecurityHeaders, https=app.state.services.settings.issuer.startswith("https://"))
    app.add_middleware(RequestLog)
    install_error_handlers(app)
    # The agency's catalogue and organisation pages (/agency/services, /agency/organisations) before
    # the applications' /agency/{application_id}.
    for router in (oidc_router, signin_router, identity_router, proofing_router, officers_router, office_router,
                   registry_router, portal_router, agency_services_router, organisations_router, agencies_router,
                   review_router, console_router, citizen_router, citizen_app_router, card_router, pwa_router,
                   programme_router, health.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        """Browsers ask for it on every site whatever the page links: the same icon, as SVG."""
        return Response((Path(__file__).parent / "static" / "favicon.svg").read_bytes(), media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/fonts/{name}.woff", include_in_schema=False)
    def font(name: str) -> Response:
        """The pages' Thai typeface, served from Debian's fonts-thai-tlwg-web (phones do not have it);
        where the package is missing the stylesheet falls back to the system's Thai font."""
        path = WEB_FONTS.get(name)
        if path is None or not path.is_file():
            raise NotFound("No such font.", "ไม่พบแบบอักษรนี้")
        return FileResponse(path, media_type="font/woff", headers={"Cache-Control": "public, max-age=604800"})
    app.openapi = lambda: _openapi_with_errors(app)
    return app


#: The web fonts the stylesheet names, from Debian's fonts-thai-tlwg-web (make system).
WEB_FONTS = {name: Path("/usr/share/fonts/woff/tlwg") / file
             for name, file in (("loma", "Loma.woff"), ("loma-bold", "Loma-Bold.woff"))}


#: RFC 9457 problem details, as every Tuaton error outside the OAuth endpoints is answered.
PROBLEM_SCHEMA = {"type": "object", "required": ["type", "title", "status"], "properties": {
    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
    "detail": {"type": "string"}, "detail_th": {"type": "string"}}}
#: RFC 6749 §5.2 / OIDC error responses, as the OAuth endpoints answer.
OAUTH_ERROR_SCHEMA = {"type": "object", "required": ["error"], "properties": {
    "error": {"type": "string"}, "error_description": {"type": "string"}}}
_ERRORS = {
    "4XX": {"description": "Refused: problem JSON (RFC 9457), or an OAuth error at the OAuth endpoints, or a "
                           "Thai and English page for a browser",
            "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA},
                        "application/json": {"schema": OAUTH_ERROR_SCHEMA},
                        "text/html": {"schema": {"type": "string"}}}},
    "5XX": {"description": "A dependency is down (503, with Retry-After) or Tuaton failed (500)",
            "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA},
                        "text/html": {"schema": {"type": "string"}}}},
}


def _openapi_with_errors(app: FastAPI) -> dict:
    """FastAPI's document, with the errors every operation can answer declared (ranges 4XX and
    5XX, RFC 9457 problem JSON) in place of FastAPI's own 422 shape, which Tuaton never sends."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                responses.update(_ERRORS)
        schema.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
        schema.get("components", {}).get("schemas", {}).pop("ValidationError", None)
        app.openapi_schema = schema
    return app.openapi_schema


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and worker processes: settings from the environment."""
    configure_logging()
    return create_app(Settings())
