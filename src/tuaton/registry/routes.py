"""Sandbox routes: synthetic personas and their card data, for agencies' tests without a phone.

Served only while ``TUATON_SANDBOX`` is true; a deployment on the real registry turns them off.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from tuaton.errors import NotFound
from tuaton.registry.models import Citizen, IdCard
from tuaton.registry.sampling import persona, sample_personas
from tuaton.web_support import require_sandbox, services

router = APIRouter(prefix="/api/sandbox/v1", tags=["sandbox"], dependencies=[Depends(require_sandbox)])


@router.get("/personas")
def list_personas(request: Request, count: int = Query(10, ge=1, le=1000)) -> JSONResponse:
    return JSONResponse({"personas": sample_personas(services(request).database, count)})


@router.get("/personas/{pid}")
def read_persona(request: Request, pid: str) -> JSONResponse:
    """A synthetic citizen's card data, as the app would read it from the card (sandbox only)."""
    with services(request).database.reading() as session:
        row = session.execute(select(Citizen, IdCard).join(IdCard, IdCard.pid == Citizen.pid)
                              .where(Citizen.pid == pid).order_by(IdCard.issued_on.desc()).limit(1)).first()
    if row is None:
        raise NotFound("No synthetic citizen with this ID.", "ไม่พบบุคคลทดสอบที่มีเลขประจำตัวนี้")
    return JSONResponse(persona(*row))


#: How far the simulated citizen turns. Two limits pull apart: a smaller turn sometimes measures
#: under liveness.MIN_TURN (about 1 in 100 at ±0.45, 1 in 300 at ±0.55), a larger one warps the
#: face so far that it no longer matches its own selfie: at ±0.55 the astronaut turning right
#: measured a median distance of 0.601 against the 0.6 threshold (half refused), at ±0.45 at most
#: 0.575 in 12 (and 12 of 12 turns passed). The apps retake once, as a person would.
TURNS = {"none": 0.0, "left": -0.45, "right": 0.45}


@router.get("/personas/{pid}/card-photo", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def card_photo(request: Request, pid: str, side: Literal["front", "back"] = "front",
               shot: int = Query(0, ge=0, le=1_000_000)) -> Response:
    """The persona's ID card as the simulated phone photographs it (tilted, lit, a little noisy)."""
    from tuaton.biometrics.synthetic import registry_photo
    from tuaton.registry.card_render import Photograph, photograph, render_back, render_front

    registry = services(request).registry
    citizen, card = registry.citizen(pid), registry.current_card(pid)
    if citizen is None or card is None:
        raise NotFound("No synthetic citizen with this ID.", "ไม่พบบุคคลทดสอบที่มีเลขประจำตัวนี้")
    image = render_front(citizen, card, registry_photo(pid)) if side == "front" else render_back(citizen, card)
    angle = ((shot * 7919) % 13) - 6.0
    return Response(photograph(image, Photograph(angle=angle, noise=3.0, blur=0.4), (pid, side, shot)),
                    media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.get("/personas/{pid}/selfie", response_class=Response, responses={200: {"content": {"image/jpeg": {}}}})
def selfie_photo(request: Request, pid: str, attempt: int = Query(0, ge=0, le=1_000_000),
                 turn: Literal["none", "left", "right"] = "none") -> Response:
    """A selfie of the persona (a fresh variant per ``attempt``), facing the camera or turning."""
    from tuaton.biometrics.synthetic import selfie

    if services(request).registry.citizen(pid) is None:
        raise NotFound("No synthetic citizen with this ID.", "ไม่พบบุคคลทดสอบที่มีเลขประจำตัวนี้")
    return Response(selfie(pid, attempt, yaw=TURNS[turn]), media_type="image/jpeg",
                    headers={"Cache-Control": "no-store"})
