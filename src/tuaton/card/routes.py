"""The digital ID card over HTTP: issuing to the app, what verifiers fetch, and a verifier page."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tuaton.card.credential import LABELS, SHOWINGS, VCT_PATH
from tuaton.card.service import STATUS_LIST_PATH
from tuaton.errors import NotFound, PresentationRejected
from tuaton.oidc.discovery import PATHS
from tuaton.web_support import NO_STORE, lang_of, page, services

router = APIRouter()
SERVICE_WORKER = Path(__file__).parent.parent / "static" / "app" / "sw.js"


class CardRequestBody(BaseModel):
    device_id: str = Field(min_length=1, max_length=64)
    signed_request: str = Field(min_length=1, max_length=4096,
                                description="Compact JWS (ES256) by the device key over {purpose: 'card', nonce, iat}")
    passcode: str = Field(max_length=64)


@router.post("/api/app/v1/card", tags=["app"])
async def issue_card(request: Request, body: CardRequestBody) -> JSONResponse:
    """The citizen's digital ID card (SD-JWT VC) bound to this device's key."""
    svc = services(request)
    issued = await run_in_threadpool(svc.cards.issue, body.device_id, body.signed_request, body.passcode)
    return JSONResponse(issued, headers=NO_STORE)


@router.get("/.well-known/jwt-vc-issuer", tags=["card"])
def vc_issuer_metadata(request: Request) -> JSONResponse:
    """SD-JWT VC issuer metadata: where a verifier finds the keys that sign cards."""
    issuer = services(request).settings.issuer
    return JSONResponse({"issuer": issuer, "jwks_uri": issuer + PATHS["jwks_uri"],
                         "status_lists_uri": issuer + STATUS_LIST_PATH},
                        headers={"Cache-Control": "public, max-age=300"})


@router.get(VCT_PATH, tags=["card"])
def card_type_metadata(request: Request) -> JSONResponse:
    """SD-JWT VC type metadata for ``vct``: names and claims, in Thai and English."""
    issuer = services(request).settings.issuer
    claims = sorted({c for names in SHOWINGS.values() for c in names} | {"age_over_18", "age_over_20"})
    return JSONResponse({
        "vct": issuer + VCT_PATH,
        "name": "Thai national ID card (digital)",
        "display": [{"lang": "th", "name": "บัตรประจำตัวประชาชน (ดิจิทัล)"},
                    {"lang": "en", "name": "Thai national ID card (digital)"}],
        "claims": [{"path": [c], "sd": "always"} for c in claims],
        "presentations": {s.value: {"claims": list(names), "label_en": LABELS[s][0], "label_th": LABELS[s][1]}
                          for s, names in SHOWINGS.items()},
    }, headers={"Cache-Control": "public, max-age=3600"})


@router.get(STATUS_LIST_PATH, tags=["card"])
async def status_lists(request: Request) -> JSONResponse:
    """Every status list, so an offline verifier can fetch them all while it is online."""
    cards = services(request).cards
    numbers = await run_in_threadpool(cards.list_numbers)
    return JSONResponse({"status_lists": [cards.list_uri(n) for n in numbers]},
                        headers={"Cache-Control": "public, max-age=60"})


@router.get(STATUS_LIST_PATH + "/{list_no}", tags=["card"], response_class=Response, responses={
    200: {"description": "The list as a signed JWT", "content": {"application/statuslist+jwt": {
        "schema": {"type": "string"}}}}})
async def status_list(request: Request, list_no: int) -> Response:
    """One Token Status List as a signed JWT (``application/statuslist+jwt``)."""
    svc = services(request)
    if list_no < 0 or list_no not in await run_in_threadpool(svc.cards.list_numbers):
        raise NotFound("There is no such status list.", "ไม่พบรายการสถานะนี้")
    token = await run_in_threadpool(svc.cards.status_list_token, list_no)
    return Response(token, media_type="application/statuslist+jwt",
                    headers={"Cache-Control": f"public, max-age={svc.settings.status_list_ttl}"})


class VerificationBody(BaseModel):
    presentation: str = Field(min_length=1, max_length=16_000, description="The QR code's content")
    nonce: str | None = Field(default=None, max_length=200, description="The verifier's own challenge, if any")
    audience: str | None = Field(default=None, max_length=500)


@router.post("/api/card/v1/verifications", tags=["card"])
async def verify_card(request: Request, body: VerificationBody) -> JSONResponse:
    """Verify a presentation with this installation's own keys and status lists (no network)."""
    svc = services(request)
    verified = await run_in_threadpool(lambda: svc.cards.verify(body.presentation, audience=body.audience,
                                                                nonce=body.nonce))
    return JSONResponse({"valid": True, "issuer": verified.issuer, "claims": verified.claims, "ial": verified.ial,
                         "issued_at": verified.issued_at, "expires_at": verified.expires_at,
                         "presented_at": verified.presented_at, "status_checked_at": verified.status_checked_at},
                        headers=NO_STORE)


@router.get("/verify", tags=["card"], include_in_schema=False)
def verifier_page(request: Request) -> Response:
    """A verifier's page: scan the citizen's card QR with the camera, or paste it; the checks run
    in the browser with the issuer's keys and status lists cached there (works offline)."""
    reasons = {reason: list(texts) for reason, texts in PresentationRejected.REASONS.items()}
    return page(request, "verify.html", lang_of(request),
                context={"issuer": services(request).settings.issuer, "reasons": reasons})


@router.get("/verify/sw.js", include_in_schema=False)
def verifier_service_worker() -> Response:
    """The verifier page's service worker (the same worker as the app's, scoped to /verify)."""
    return FileResponse(SERVICE_WORKER, media_type="text/javascript",
                        headers={"Service-Worker-Allowed": "/verify", "Cache-Control": "no-cache"})
