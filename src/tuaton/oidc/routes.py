"""The OpenID Provider's HTTP endpoints: parse, authenticate the caller, call the protocol logic.

Every endpoint is served at Tuaton's own path and at ThaiD's, so an agency moving from ThaiD
changes only the host name.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError

from tuaton.hot_paths import HotRoute
from tuaton.i18n import pick_lang
from tuaton.oidc.authorization import validate_authorization_request
from tuaton.oidc.ciba import parse_backchannel_request
from tuaton.oidc.client_auth import authenticate_client
from tuaton.oidc.clients import RegisteredClient
from tuaton.oidc.discovery import BACKCHANNEL_PATH, PATHS, THAID_PATHS
from tuaton.oidc.documents import discovery_document
from tuaton.oidc.dpop import verify_proof
from tuaton.oidc.errors import (
    InvalidClient,
    InvalidDpopProof,
    InvalidRedirect,
    InvalidRequest,
    InvalidToken,
)
from tuaton.oidc.grant_types import token_response
from tuaton.oidc.par import push, validate_pushed
from tuaton.services import Services
from tuaton.signin.routes import show_qr_signin
from tuaton.web_support import NO_STORE, ORJSONResponse, blocking, page, services

router = APIRouter()


def _both(name: str) -> list[str]:
    """Tuaton's path, and ThaiD's where ThaiD has the endpoint."""
    return [PATHS[name], *([THAID_PATHS[name]] if name in THAID_PATHS else [])]


def _route(methods: list[str], name: str, **kwargs):
    """Register ``endpoint`` at Tuaton's path and ThaiD's (only Tuaton's in the OpenAPI document),
    one route per method so that each operation has its own operationId."""
    def register(endpoint):
        for path in _both(name):
            for method in methods:
                router.add_api_route(path, endpoint, methods=[method], include_in_schema=path == PATHS[name],
                                     name=f"{endpoint.__name__}_{method.lower()}" if len(methods) > 1 else None,
                                     **kwargs)
        return endpoint
    return register


@router.get("/.well-known/openid-configuration", tags=["oidc"])
async def discovery(request: Request) -> Response:
    # served by oidc/documents.PublishedDocuments before routing; this route documents it in OpenAPI
    body, etag = discovery_document(services(request).settings.issuer)
    return Response(body, media_type="application/json", headers={"Cache-Control": "public, max-age=300",
                                                                  "ETag": etag})


@_route(["GET"], "jwks_uri", tags=["oidc"])
async def jwks(request: Request) -> JSONResponse:
    keys = services(request).keys
    view = keys.cached_view() or await blocking(request, keys.view)  # the database only when stale
    return Response(view.jwks_body, media_type="application/json",
                    headers={"Cache-Control": "public, max-age=300", "ETag": view.jwks_etag})


# -- authorization ---------------------------------------------------------------------------
async def authorize(request: Request) -> Response:
    """Validate the agency's request (protocol, here); the QR sign-in it starts and its page belong
    to ``signin/``."""
    svc = services(request)
    params = list(request.query_params.multi_items())
    if request.method == "POST":
        params = [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
    if any(name == "request_uri" for name, _ in params):
        return await show_qr_signin(request, lambda: validate_pushed(params, svc.clients.get, svc.store))
    return await show_qr_signin(request, lambda: validate_authorization_request(params, svc.clients.get))


_route(["GET", "POST"], "authorization_endpoint", tags=["oidc"], response_class=HTMLResponse)(authorize)


# -- token -----------------------------------------------------------------------------------
async def _form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise InvalidRequest("Send the parameters as application/x-www-form-urlencoded (RFC 6749 §4.1.3).")
    items = (await request.form()).multi_items()
    form: dict[str, str] = {}
    for name, value in items:
        if name in form:
            raise InvalidRequest(f"Parameter {name} was sent more than once.")
        form[name] = value if isinstance(value, str) else ""
    return form


def _audiences(svc: Services, name: str) -> set[str]:
    issuer = svc.settings.issuer
    own = BACKCHANNEL_PATH if name == "backchannel_authentication_endpoint" else PATHS[name]
    return {issuer, issuer + own, issuer + THAID_PATHS.get(name, own), issuer + PATHS["token_endpoint"]}


def _client(request: Request, svc: Services, form: dict[str, str], endpoint: str) -> RegisteredClient:
    return authenticate_client(form, request.headers.get("authorization"), svc.clients.get,
                               audiences=_audiences(svc, endpoint), store=svc.store, keys=svc.client_keys)


@_route(["POST"], "pushed_authorization_request_endpoint", tags=["oidc"], status_code=201)
async def pushed_authorization_request(request: Request) -> JSONResponse:
    """RFC 9126: the agency's server pushes the authorization request; the browser then carries
    only ``client_id`` and the ``request_uri`` answered here."""
    svc = services(request)
    form = await _form(request)

    def handle() -> dict:
        client = _client(request, svc, form, "pushed_authorization_request_endpoint")
        return push(form, client, svc.store, svc.settings.par_ttl, _dpop_key(request, svc), keys=svc.client_keys,
                    issuer=svc.settings.issuer)

    return _with_dpop_nonce(ORJSONResponse(await blocking(request, handle), status_code=201, headers=NO_STORE),
                            svc, request)


@router.post(BACKCHANNEL_PATH, tags=["oidc"])
async def backchannel_authentication(request: Request) -> JSONResponse:
    """OpenID CIBA: an agency's server asks to authenticate the citizen named by ``login_hint``."""
    svc = services(request)
    form = await _form(request)

    def handle() -> dict:
        client = _client(request, svc, form, "backchannel_authentication_endpoint")
        return svc.backchannel.start(client, parse_backchannel_request(form, client))

    return ORJSONResponse(await blocking(request, handle), headers=NO_STORE)


def _dpop_key(request: Request, svc: Services, *, access_token: str | None = None) -> str | None:
    """The thumbprint of the key of the request's DPoP proof, verified (RFC 9449 §4.3), or None
    without one. At userinfo a proof answers 401 with a DPoP challenge rather than 400."""
    proofs = request.headers.getlist("dpop")
    if not proofs:
        return None
    url = svc.settings.issuer + request.url.path
    try:
        return verify_proof(proofs, method=request.method, url=url, store=svc.store, nonces=svc.dpop_nonces,
                            access_token=access_token)
    except InvalidDpopProof as error:
        if access_token is not None:
            error.at_resource = True
        raise


def _with_dpop_nonce(response: Response, svc: Services, request: Request) -> Response:
    """A DPoP client is sent the nonce for its next proof with every answer (RFC 9449 §8.2)."""
    if "dpop" in request.headers:
        response.headers["DPoP-Nonce"] = svc.dpop_nonces.current()
    return response


@_route(["POST"], "token_endpoint", tags=["oidc"])
async def token(request: Request) -> JSONResponse:
    svc = services(request)
    form = await _form(request)

    def handle() -> dict:
        client = _client(request, svc, form, "token_endpoint")
        return token_response(svc, client, form, _dpop_key(request, svc))

    return _with_dpop_nonce(ORJSONResponse(await blocking(request, handle), headers=NO_STORE), svc, request)


# -- userinfo --------------------------------------------------------------------------------
async def userinfo(request: Request) -> JSONResponse:
    svc = services(request)
    header = request.headers.get("authorization", "")
    scheme = header[:7].lower()
    access_token = header[7:].strip() if scheme == "bearer " else None
    if scheme[:5] == "dpop ":                       # RFC 9449 §7.1: a DPoP-bound token with its proof
        access_token = header[5:].strip()
        if not access_token:
            raise InvalidToken("Send the access token as 'Authorization: DPoP <token>'.", dpop=True)
        if "dpop" not in request.headers:
            raise InvalidDpopProof("A DPoP-bound token needs a DPoP proof header.", at_resource=True)
        jkt = _dpop_key(request, svc, access_token=access_token)
        claims = await blocking(request, svc.grants.userinfo, access_token, jkt)
        return _with_dpop_nonce(ORJSONResponse(claims, headers=NO_STORE), svc, request)
    if request.method == "POST" and access_token is None and request.headers.get(
            "content-type", "").startswith("application/x-www-form-urlencoded"):
        access_token = (await request.form()).get("access_token")
    if not access_token:
        raise InvalidToken("Send the access token as 'Authorization: Bearer <token>'.")
    claims = await blocking(request, svc.grants.userinfo, access_token)
    return ORJSONResponse(claims, headers=NO_STORE)


_route(["GET", "POST"], "userinfo_endpoint", tags=["oidc"])(userinfo)


@_route(["POST"], "introspection_endpoint", tags=["oidc"])
async def introspect(request: Request) -> JSONResponse:
    svc = services(request)
    form = await _form(request)

    def handle() -> dict:
        client = _client(request, svc, form, "introspection_endpoint")
        if client.is_public:
            raise InvalidClient("Public clients may not use introspection.")
        if not form.get("token"):
            raise InvalidRequest("token is required.")
        return svc.grants.introspect(client, form["token"], form.get("token_type_hint"))

    return ORJSONResponse(await blocking(request, handle), headers=NO_STORE)


@_route(["POST"], "revocation_endpoint", tags=["oidc"])
async def revoke(request: Request) -> Response:
    svc = services(request)
    form = await _form(request)

    def handle() -> None:
        client = _client(request, svc, form, "revocation_endpoint")
        if not form.get("token"):
            raise InvalidRequest("token is required.")
        svc.grants.revoke(client, form["token"], form.get("token_type_hint"))

    await blocking(request, handle)
    return Response(status_code=200, headers=NO_STORE)


# -- RP-initiated logout ---------------------------------------------------------------------
async def logout(request: Request) -> Response:
    """OpenID Connect RP-Initiated Logout 1.0. Tuaton keeps no browser session, so logging out
    ends the sign-in the ID token names (``sid``): its refresh tokens stop working."""
    svc = services(request)
    params = dict(request.query_params)
    if request.method == "POST":
        params.update({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
    lang = pick_lang(params.get("ui_locales"), request.headers.get("accept-language"))

    def handle() -> str | None:
        claims = {}
        if params.get("id_token_hint"):
            try:
                decoded = jwt.decode(params["id_token_hint"], svc.keys.view().published,
                                     algorithms=["ES256", "RS256"])
            except (JoseError, ValueError) as exc:
                raise InvalidRedirect("id_token_hint is not an ID token issued by Tuaton.",
                                      "id_token_hint ไม่ใช่ ID token ที่ออกโดยระบบนี้") from exc
            claims = decoded.claims
            if claims.get("iss") != svc.settings.issuer:
                raise InvalidRedirect("id_token_hint was issued by another provider.",
                                      "id_token_hint ออกโดยผู้ให้บริการอื่น")
        client_id = params.get("client_id") or claims.get("aud")
        if params.get("client_id") and claims and claims.get("aud") != params["client_id"]:
            raise InvalidRedirect("client_id does not match the ID token's audience.",
                                  "client_id ไม่ตรงกับ ID token")
        target = params.get("post_logout_redirect_uri")
        if target:
            client = svc.clients.get(client_id) if isinstance(client_id, str) else None
            if client is None or target not in client.post_logout_redirect_uris:
                raise InvalidRedirect("post_logout_redirect_uri is not registered for this e-Service.",
                                      "post_logout_redirect_uri ไม่ได้ลงทะเบียนไว้สำหรับบริการนี้")
            if params.get("state"):
                target += ("&" if "?" in target else "?") + urlencode({"state": params["state"]})
        if claims.get("sid"):
            svc.grants.revoke_grant(claims["sid"], "RP-initiated logout")
        return target

    target = await blocking(request, handle)
    if target:
        return RedirectResponse(target, status_code=303)
    return page(request, "message.html", lang, context={"title_key": "signed_out"})


_route(["GET", "POST"], "end_session_endpoint", tags=["oidc"], response_class=HTMLResponse)(logout)


#: Dispatched before FastAPI's router (hot_paths.py): every sign-in and token call crosses them.
HOT_ROUTES = ([HotRoute(("GET", "POST"), p, authorize) for p in _both("authorization_endpoint")]
              + [HotRoute(("POST",), p, token) for p in _both("token_endpoint")]
              + [HotRoute(("GET", "POST"), p, userinfo) for p in _both("userinfo_endpoint")])
