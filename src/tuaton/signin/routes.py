"""Sign-in over HTTP: the QR page ``/authorize`` hands over, the same-device landing page, the
browser's live status, the app's API."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from tuaton.hot_paths import HotRoute, json_body
from tuaton.i18n import pick_lang
from tuaton.metrics import SIGNIN_DECISIONS
from tuaton.oidc.authorization import AuthorizationRequest
from tuaton.oidc.claims import CLAIM_LABELS, claims_for_scopes
from tuaton.oidc.clients import RegisteredClient
from tuaton.oidc.grants import authorization_response
from tuaton.services import Services
from tuaton.web_support import NO_STORE, ORJSONResponse, blocking, page, qr_svg, services

router = APIRouter()
TERMINAL = {"approved", "denied", "expired"}
SSE_POLL_SECONDS = 0.5
SSE_MAX_SECONDS = 600


def _payload(svc: Services, signin_id: str) -> str:
    """What the QR code carries: a URL, so a phone's camera without the app lands on ``/s/{id}``."""
    return f"{svc.settings.issuer}/s/{signin_id}"


async def show_qr_signin(request: Request,
                         validated: Callable[[], tuple[AuthorizationRequest, RegisteredClient]]) -> Response:
    """Start the QR sign-in for the request ``/authorize`` validated (``validated()`` raises the
    protocol's errors) and show its page: the QR code, the agency, the claims, the live status.
    Validation, the start and the QR code run in one blocking call."""
    svc = services(request)

    user_agent = request.headers.get("user-agent")

    def start():
        auth_request, client = validated()
        started = svc.signins.start(auth_request, user_agent)
        return auth_request, client, started, qr_svg(_payload(svc, started.id))

    auth_request, client, started, svg = await blocking(request, start)
    lang = pick_lang(request.query_params.get("lang"), *auth_request.ui_locales,
                     request.headers.get("accept-language"))
    issuer = svc.settings.issuer
    payload = _payload(svc, started.id)
    claims = [(c, *CLAIM_LABELS[c]) for c in claims_for_scopes(set(auth_request.scopes))]
    response = page(request, "signin.html", lang, status_code=200, context={
        "client": client, "claims": claims, "payload": payload,
        "status_url": f"{issuer}/signin/{started.id}/status", "qr_svg": svg, "reference": started.reference,
        "number": started.number,
        "expires_at": started.expires_at, "seconds_left": max(0, started.expires_at - int(time.time())),
        "restart_url": str(request.url), "app_link": f"tuaton://signin?{urlencode({'payload': payload})}",
        # Back to the e-Service without signing in: the agency hears access_denied, as from a refusal.
        "back_url": authorization_response(auth_request.redirect_uri, auth_request.state, issuer,
                                           error="access_denied",
                                           error_description="The person went back without signing in."),
    })
    response.set_cookie(f"tuaton_signin_{started.id}", started.browser_secret, httponly=True,
                        samesite="lax", secure=issuer.startswith("https://"), path=f"/signin/{started.id}",
                        max_age=svc.settings.signin_ttl + 300)
    response.headers.update(NO_STORE)
    return response


@router.get("/s/{signin_id}", tags=["signin"], include_in_schema=False)
def same_device(request: Request, signin_id: str) -> Response:
    """Where the QR payload points: a phone without the app lands here and is offered the app."""
    svc = services(request)
    auth_request = svc.signins.request_of(signin_id)
    client = svc.signins.client_for(auth_request)
    lang = pick_lang(request.query_params.get("lang"), *auth_request.ui_locales,
                     request.headers.get("accept-language"))
    payload = _payload(svc, signin_id)
    return page(request, "open_in_app.html", lang, context={
        "client": client, "app_link": "tuaton://signin?payload=" + payload, "payload": payload})


@router.get("/signin/{signin_id}/status", tags=["signin"])
async def signin_status(request: Request, signin_id: str) -> Response:
    """``{"status": ..., "redirect_to": ...}`` for the browser that started the sign-in; with
    ``Accept: text/event-stream``, the same objects as server-sent events until the end."""
    svc = services(request)
    secret = request.cookies.get(f"tuaton_signin_{signin_id}")
    first = await blocking(request, svc.signins.status, signin_id, secret)
    if "text/event-stream" not in request.headers.get("accept", ""):
        return ORJSONResponse(first, headers=NO_STORE)

    async def events():
        last, current, started, beat = None, first, time.monotonic(), time.monotonic()
        while True:
            if current != last:
                yield f"event: status\ndata: {json.dumps(current)}\n\n"
                last = current
            if current["status"] in TERMINAL or time.monotonic() - started > SSE_MAX_SECONDS:
                return
            if await request.is_disconnected():
                return
            if time.monotonic() - beat > 15:
                yield ": keep-alive\n\n"
                beat = time.monotonic()
            await asyncio.sleep(SSE_POLL_SECONDS)
            current = await blocking(request, svc.signins.status, signin_id, secret)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={**NO_STORE, "X-Accel-Buffering": "no"})


# -- the app's API ---------------------------------------------------------------------------
class AppDecision(BaseModel):
    """The app's answer: signed by the device key, with the passcode to approve."""

    device_id: str = Field(min_length=1, max_length=64)
    decision: str = Field(description="approve or deny")
    signed_request: str = Field(min_length=1, max_length=4096,
                                description="Compact JWS (ES256) by the device key over "
                                            "{purpose: 'signin', signin, challenge, decision, device, nonce, iat}")
    passcode: str | None = Field(default=None, max_length=64, description="Required to approve")


class DecisionBody(AppDecision):
    """The app's answer to a QR sign-in."""

    number: str | None = Field(default=None, pattern=r"^[0-9]{2}$",
                               description="Required to approve a QR sign-in: the number the citizen picked "
                                           "from number_choices, as their sign-in page shows it")


@router.get("/api/app/v1/signins/{signin_id}", tags=["app"])
async def read_signin(request: Request, signin_id: str) -> JSONResponse:
    return ORJSONResponse(await blocking(request, services(request).signins.for_app, signin_id), headers=NO_STORE)


@router.post("/api/app/v1/signins/{signin_id}/decision", tags=["app"])
async def decide_signin(request: Request, signin_id: str, body: DecisionBody) -> JSONResponse:
    try:
        result = await blocking(request, services(request).signins.decide, signin_id, device_id=body.device_id,
                                signed_request=body.signed_request, decision=body.decision, passcode=body.passcode,
                                number=body.number)
    except Exception as exc:
        SIGNIN_DECISIONS.labels(outcome=getattr(exc, "slug", "error")).inc()
        raise
    SIGNIN_DECISIONS.labels(outcome=result["status"]).inc()
    return ORJSONResponse(result, headers=NO_STORE)


async def _decide_signin(request: Request, signin_id: str) -> JSONResponse:
    return await decide_signin(request, signin_id, await json_body(request, DecisionBody))


#: Dispatched before FastAPI's router (hot_paths.py): every QR sign-in crosses them.
HOT_ROUTES = [HotRoute(("GET",), "/signin/{signin_id}/status", signin_status),
              HotRoute(("GET",), "/api/app/v1/signins/{signin_id}", read_signin),
              HotRoute(("POST",), "/api/app/v1/signins/{signin_id}/decision", _decide_signin)]


# -- backchannel sign-in (CIBA): the app's side ----------------------------------------------
class InboxBody(BaseModel):
    device_id: str = Field(min_length=1, max_length=64)
    signed_request: str = Field(min_length=1, max_length=4096,
                                description="Compact JWS by the device key over {purpose: 'inbox', nonce, iat}")


class BackchannelDecisionBody(AppDecision):
    signed_request: str = Field(min_length=1, max_length=4096,
                                description="Compact JWS (ES256) by the device key over "
                                            "{purpose: 'backchannel', request, decision, device, nonce, iat}")


@router.post("/api/app/v1/backchannel-requests", tags=["app"])
def backchannel_inbox(request: Request, body: InboxBody) -> JSONResponse:
    """Agencies' requests waiting for this citizen (meeting check-in, call centres)."""
    pending = services(request).backchannel.inbox(body.device_id, body.signed_request)
    return ORJSONResponse({"requests": pending}, headers=NO_STORE)


@router.post("/api/app/v1/backchannel-requests/{auth_req_id}/decision", tags=["app"])
def backchannel_decision(request: Request, auth_req_id: str, body: BackchannelDecisionBody) -> JSONResponse:
    result = services(request).backchannel.decide(auth_req_id, device_id=body.device_id,
                                                  signed_request=body.signed_request, decision=body.decision,
                                                  passcode=body.passcode)
    return ORJSONResponse(result, headers=NO_STORE)
