"""Sandbox routes: synthetic personas and their card data, for agencies' tests without a phone.

Served only while ``TUATON_SANDBOX`` is true; a deployment on the real registry turns them off.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from tuaton.errors import NotFound, SandboxOnly
from tuaton.registry.models import Citizen, IdCard
from tuaton.registry.sampling import persona, sample_personas
from tuaton.web_support import services

router = APIRouter(prefix="/api/sandbox/v1", tags=["sandbox"])


def _require_sandbox(request: Request) -> None:
    if not services(request).settings.sandbox:
        raise SandboxOnly()


@router.get("/personas")
def list_personas(request: Request, count: int = Query(10, ge=1, le=1000)) -> JSONResponse:
    _require_sandbox(request)
    return JSONResponse({"personas": sample_personas(services(request).database, count)})


@router.get("/personas/{pid}")
def read_persona(request: Request, pid: str) -> JSONResponse:
    """A synthetic citizen's card data, as the app would read it from the card (sandbox only)."""
    _require_sandbox(request)
    with services(request).database.reading() as session:
        row = session.execute(select(Citizen, IdCard).join(IdCard, IdCard.pid == Citizen.pid)
                              .where(Citizen.pid == pid).order_by(IdCard.issued_on.desc()).limit(1)).first()
    if row is None:
        raise NotFound("No synthetic citizen with this ID.", "ไม่พบบุคคลทดสอบที่มีเลขประจำตัวนี้")
    return JSONResponse(persona(*row))
