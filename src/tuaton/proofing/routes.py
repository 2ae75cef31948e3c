"""The app's enrolment API: one call per step of seed 002's self-enrolment.

The app holds the bearer token that ``POST /enrolments`` returned; photos travel as multipart
uploads. Every refusal is problem JSON with ``reason`` (see ``ProofingRefused.REASONS``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from fastapi import APIRouter, File, Header, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tuaton.errors import EnrolmentNotFound, InvalidInput, ProofingRefused
from tuaton.organisations.service import CAMPAIGN_COOKIE
from tuaton.proofing.card_ocr import MAX_IMAGE_BYTES
from tuaton.proofing.self_enrolment import ConfirmedCard, EnrolmentView
from tuaton.registry import citizen_id
from tuaton.registry.card_status import normalize_laser_code
from tuaton.web_support import NO_STORE, services

router = APIRouter(prefix="/api/app/v1/enrolments", tags=["enrolment"])


class StartBody(BaseModel):
    accept_terms: bool = Field(description="The citizen accepted the terms of service (step 1)")
    public_jwk: dict = Field(description="The new device key's public P-256 JWK")
    key_proof: str = Field(min_length=1, max_length=4096,
                           description="Compact JWS by the device key over {purpose: 'enrol', iat}")


class CardDataBody(BaseModel):
    pid: str = Field(min_length=13, max_length=17)
    given_name_th: str = Field(min_length=1, max_length=100)
    family_name_th: str = Field(min_length=1, max_length=100)
    birth_date: dt.date
    laser_code: str = Field(min_length=12, max_length=16)


class PasscodeBody(BaseModel):
    passcode: str = Field(max_length=64)
    passcode_confirmation: str = Field(max_length=64)


class ConsentBody(BaseModel):
    accept: bool
    passcode: str = Field(max_length=64)


def _token(authorization: str | None) -> str:
    if not authorization or not authorization.startswith("Bearer "):
        raise EnrolmentNotFound("Send the enrolment's token as 'Authorization: Bearer <token>'.")
    return authorization[len("Bearer "):].strip()


def enrolment_body(enrolment: EnrolmentView, status: int = 200, **extra: object) -> JSONResponse:
    body = asdict(enrolment)
    body["expires_at"] = enrolment.expires_at.isoformat()
    return JSONResponse({**body, **extra}, status_code=status, headers=NO_STORE)


async def _photo(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise ProofingRefused("not_an_image", "The photo is larger than 8 MB.")
    return data


@router.post("", status_code=201)
def start(request: Request, body: StartBody) -> JSONResponse:
    enrolment, token = services(request).enrolments.start(body.public_jwk, body.key_proof,
                                                          accept_terms=body.accept_terms)
    return enrolment_body(enrolment, 201, token=token)


@router.get("/{enrolment_id}")
def state(request: Request, enrolment_id: str, authorization: str | None = Header(None)) -> JSONResponse:
    return enrolment_body(services(request).enrolments.get(enrolment_id, _token(authorization)))


@router.post("/{enrolment_id}/card-front")
async def card_front(request: Request, enrolment_id: str, photo: UploadFile = File(...),
                     authorization: str | None = Header(None)) -> JSONResponse:
    step = services(request).enrolments.card_front
    return enrolment_body(await run_in_threadpool(step, enrolment_id, _token(authorization), await _photo(photo)))


@router.post("/{enrolment_id}/card-back")
async def card_back(request: Request, enrolment_id: str, photo: UploadFile = File(...),
                    authorization: str | None = Header(None)) -> JSONResponse:
    step = services(request).enrolments.card_back
    return enrolment_body(await run_in_threadpool(step, enrolment_id, _token(authorization), await _photo(photo)))


@router.post("/{enrolment_id}/card-data")
def card_data(request: Request, enrolment_id: str, body: CardDataBody,
              authorization: str | None = Header(None)) -> JSONResponse:
    try:
        pid, laser_code = citizen_id.normalize(body.pid), normalize_laser_code(body.laser_code)
    except ValueError as exc:
        raise InvalidInput(f"{exc}.", "เลขประจำตัวประชาชนหรือเลขหลังบัตรไม่ถูกต้อง", field="pid/laser_code") from exc
    card = ConfirmedCard(pid, body.given_name_th, body.family_name_th, body.birth_date, laser_code)
    svc = services(request)
    enrolment = svc.enrolments.confirm_card(enrolment_id, _token(authorization), card)
    # The card matched: if this citizen has the app on another phone, enrolling here moves it (the
    # app says so before the selfie).
    since = svc.identities.active_device_since(pid)
    return enrolment_body(enrolment, active_device_since=since.isoformat() if since else None)


@router.post("/{enrolment_id}/selfie")
async def selfie(request: Request, enrolment_id: str, photo: UploadFile = File(...),
                 turned: UploadFile = File(..., description="The selfie taken while turning as challenged"),
                 authorization: str | None = Header(None)) -> JSONResponse:
    step = services(request).enrolments.selfie   # face work blocks for a second: never on the event loop
    return enrolment_body(await run_in_threadpool(step, enrolment_id, _token(authorization), await _photo(photo),
                                         await _photo(turned)))


@router.post("/{enrolment_id}/passcode")
def passcode(request: Request, enrolment_id: str, body: PasscodeBody,
             authorization: str | None = Header(None)) -> JSONResponse:
    return enrolment_body(services(request).enrolments.set_passcode(enrolment_id, _token(authorization), body.passcode,
                                                           body.passcode_confirmation))


@router.post("/{enrolment_id}/consent", status_code=201)
def consent(request: Request, enrolment_id: str, body: ConsentBody,
            authorization: str | None = Header(None)) -> JSONResponse:
    enrolled = services(request).enrolments.consent(enrolment_id, _token(authorization), accept=body.accept,
                                                    passcode=body.passcode)
    # Through an agency's staff enrolment drive (its /join link set the cookie): counted, never named.
    services(request).organisations.count_enrolment(request.cookies.get(CAMPAIGN_COOKIE, ""))
    return JSONResponse({"identity_id": enrolled.identity_id, "device_id": enrolled.device_id,
                         "ial": enrolled.ial, "channel": enrolled.channel}, status_code=201, headers=NO_STORE)

