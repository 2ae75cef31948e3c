"""The citizen's history, consents and passcode for the app (device-signed requests, JSON).

The same data as the /me pages, for the phone that holds the device key: the app shows who used
the identity, withdraws a consent and changes the passcode without a separate portal sign-in.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tuaton.errors import BadSignature, RatingRefused
from tuaton.oidc.claims import CLAIM_LABELS
from tuaton.web_support import NO_STORE, services

router = APIRouter(prefix="/api/app/v1/me", tags=["app"])


class SignedBody(BaseModel):
    device_id: str = Field(min_length=1, max_length=64)
    signed_request: str = Field(min_length=1, max_length=4096,
                                description="Compact JWS by the device key over {purpose, nonce, iat} "
                                            "(purpose 'history'; 'withdraw-consent' with client_id)")


def _labels(claims) -> list[dict]:
    return [{"claim": c, "label_en": CLAIM_LABELS.get(c, (c, c))[0], "label_th": CLAIM_LABELS.get(c, (c, c))[1]}
            for c in claims]


@router.post("/history")
def history(request: Request, body: SignedBody) -> JSONResponse:
    """Sign-ins (agency, when, which data) and the consents still in force."""
    svc = services(request)
    device, _ = svc.identities.authenticate_request(body.device_id, body.signed_request, "history", svc.store)
    signins = svc.citizens.history(device.identity_id, limit=50)
    consents = svc.citizens.consents(device.identity_id)
    return JSONResponse({
        "signins": [{"at": s.at.isoformat(), "client_id": s.client_id, "agency_th": s.agency_th,
                     "agency_en": s.agency_en, "claims": _labels(s.claims), "revoked": s.revoked} for s in signins],
        "consents": [{"client_id": c.client_id, "agency_th": c.agency_th, "agency_en": c.agency_en,
                      "claims": _labels(c.claims), "granted_at": c.granted_at.isoformat()} for c in consents],
    }, headers=NO_STORE)


@router.post("/consents/{client_id}/withdraw")
async def withdraw(request: Request, client_id: str, body: SignedBody) -> JSONResponse:
    svc = services(request)

    def handle() -> int:
        device, payload = svc.identities.authenticate_request(body.device_id, body.signed_request,
                                                              "withdraw-consent", svc.store)
        if payload.get("client_id") != client_id:
            raise BadSignature("The signed request names another agency.", "ลายมือชื่อระบุหน่วยงานอื่น")
        return svc.citizens.revoke_consent(device.identity_id, client_id)

    return JSONResponse({"revoked_grants": await run_in_threadpool(handle)}, headers=NO_STORE)


class PasscodeChange(BaseModel):
    device_id: str = Field(min_length=1, max_length=64)
    signed_request: str = Field(min_length=1, max_length=4096,
                                description="Compact JWS by the device key over {purpose: 'change-passcode', "
                                            "nonce, iat}")
    current_passcode: str = Field(max_length=64)
    new_passcode: str = Field(max_length=64)
    new_passcode_confirmation: str = Field(max_length=64)


@router.post("/passcode")
async def change_passcode(request: Request, body: PasscodeChange) -> JSONResponse:
    """A new passcode, given the current one: the policy applies as at enrolment; a wrong current
    passcode counts towards the lock."""
    svc = services(request)

    def handle() -> None:
        device, _ = svc.identities.authenticate_request(body.device_id, body.signed_request, "change-passcode",
                                                        svc.store)
        svc.identities.change_passcode(device, body.current_passcode, body.new_passcode,
                                       body.new_passcode_confirmation)

    await run_in_threadpool(handle)
    return JSONResponse({"changed": True}, headers=NO_STORE)


class RatingBody(BaseModel):
    device_id: str = Field(min_length=1, max_length=64)
    signed_request: str = Field(min_length=1, max_length=4096,
                                description="Compact JWS by the device key over {purpose: 'rate', signin, nonce, "
                                            "iat}: the QR sign-in this phone approved")
    service: int | None = Field(default=None, ge=1, le=5, description="The e-Service, 1 (poor) to 5 (very good)")
    tuaton: int | None = Field(default=None, ge=1, le=5, description="Signing in with Tuaton, 1 to 5")
    comment: str = Field(default="", max_length=500, description="Optional; kept without the citizen's identity")


@router.post("/ratings", status_code=201)
async def rate_signin(request: Request, body: RatingBody) -> JSONResponse:
    """After a sign-in, the citizen may rate the e-Service and Tuaton: optional, once per sign-in,
    for seven days. Only the phone that approved the sign-in can rate it."""
    svc = services(request)

    def handle() -> None:
        device, payload = svc.identities.authenticate_request(body.device_id, body.signed_request, "rate",
                                                              svc.store)
        signin_id = payload.get("signin")
        approved = svc.signins.approved_grant(signin_id, device.identity_id) if isinstance(signin_id, str) else None
        if approved is None:
            raise RatingRefused("This phone's citizen did not approve that sign-in, so cannot rate it.",
                                "ท่านไม่ได้อนุมัติการเข้าสู่ระบบนี้ จึงให้คะแนนไม่ได้")
        grant_id, client_id, at = approved
        svc.programme.rate(grant_id=grant_id, client_id=client_id, signed_in_at=at, service_score=body.service,
                           tuaton_score=body.tuaton, comment=body.comment)

    await run_in_threadpool(handle)
    return JSONResponse({"rated": True}, status_code=201, headers=NO_STORE)
