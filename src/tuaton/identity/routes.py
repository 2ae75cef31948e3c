"""The sandbox's quick enrolment: card data checked with the registry, no photos, IAL 1.2.

For load tests and agencies' quick sandboxes (``tuaton app enroll --simulate PID --quick``). The
real self-enrolment, with card photos, face match and liveness, is ``proofing/routes.py``.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tuaton.errors import InvalidInput, TooManyAttempts
from tuaton.identity.service import SimulatedEnrolment
from tuaton.organisations.service import CAMPAIGN_COOKIE
from tuaton.registry import citizen_id
from tuaton.web_support import NO_STORE, require_sandbox, services

router = APIRouter(prefix="/api/app/v1", tags=["app"])


class SimulatedEnrolmentBody(BaseModel):
    accept_terms: bool = Field(description="The citizen accepted the terms of service")
    pid: str = Field(min_length=13, max_length=17)
    given_name_th: str = Field(min_length=1, max_length=100)
    family_name_th: str = Field(min_length=1, max_length=100)
    birth_date: dt.date
    laser_code: str = Field(min_length=12, max_length=16)
    public_jwk: dict
    key_proof: str = Field(min_length=1, max_length=4096,
                           description="Compact JWS by the new device key over {purpose: 'enrol', pid, iat}")
    passcode: str = Field(max_length=64)
    passcode_confirmation: str = Field(max_length=64)


@router.post("/enrolments/simulated", status_code=201, dependencies=[Depends(require_sandbox)])
def enrol_simulated(request: Request, body: SimulatedEnrolmentBody) -> JSONResponse:
    svc = services(request)
    if not body.accept_terms:
        raise InvalidInput("The terms of service must be accepted to enrol.",
                           "ต้องยอมรับข้อกำหนดการใช้บริการก่อนลงทะเบียน", field="accept_terms")
    try:
        # The budget is the citizen's, whatever way the number was typed (1-2345-… or with spaces).
        pid = citizen_id.normalize(body.pid)
    except citizen_id.InvalidCitizenId as exc:
        raise InvalidInput(f"pid is not a citizen ID: {exc}.", "เลขประจำตัวประชาชนไม่ถูกต้อง", field="pid") from exc
    if svc.store.incr(f"enrol-attempts:{pid}", 3600) > 10:
        raise TooManyAttempts()
    enrolled = svc.identities.enrol_simulated(SimulatedEnrolment(
        pid=pid, given_name_th=body.given_name_th, family_name_th=body.family_name_th,
        birth_date=body.birth_date, laser_code=body.laser_code, public_jwk=body.public_jwk,
        key_proof=body.key_proof, passcode=body.passcode, passcode_confirmation=body.passcode_confirmation))
    svc.organisations.count_enrolment(request.cookies.get(CAMPAIGN_COOKIE, ""))
    return JSONResponse({"identity_id": enrolled.identity_id, "device_id": enrolled.device_id,
                         "ial": enrolled.ial, "channel": enrolled.channel}, status_code=201, headers=NO_STORE)
