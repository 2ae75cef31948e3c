"""The registrar office's station pages (``/office``) and the app's call that scans its QR code.

Pages are server-rendered and bilingual; every form carries the officer session's CSRF token, and
every step acts only on a visit the signed-in officer opened (another officer's visit is 404).
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tuaton.biometrics.fingerprints import encode_template, impression, synthetic_template
from tuaton.errors import DomainError, InvalidInput, OfficerNotSignedIn, SandboxOnly
from tuaton.i18n import buddhist_date
from tuaton.officers.routes import check_csrf, current_officer, lang_of
from tuaton.officers.service import OfficerSession
from tuaton.proofing.card_reader import SimulatedCardReader
from tuaton.proofing.office_enrolment import NO_FINGERPRINT_REASONS, VisitView
from tuaton.proofing.routes import enrolment_body
from tuaton.registry import citizen_id
from tuaton.web_support import NO_STORE, page, qr_svg, services

router = APIRouter(tags=["registrar office"])
MAX_TEMPLATE_BYTES = 4096


def _simulated_reader(request: Request) -> SimulatedCardReader | None:
    reader = services(request).office.reader
    return reader if isinstance(reader, SimulatedCardReader) else None


def _error(exc: DomainError | None) -> dict[str, str] | None:
    return {"th": exc.detail_th, "en": exc.detail_en} if exc else None


def _signed_in(request: Request) -> OfficerSession | None:
    try:
        return current_officer(request)
    except OfficerNotSignedIn:
        return None


def _to_signin(request: Request) -> Response:
    return RedirectResponse(f"/office/signin?lang={lang_of(request)}", status_code=303)


def _station(request: Request, officer: OfficerSession, *, status: int = 200,
             error: DomainError | None = None) -> Response:
    svc = services(request)
    simulated = _simulated_reader(request)
    inserted = svc.store.get(f"sim-reader:{officer.officer_id}") if simulated else None
    response = page(request, "office_station.html", lang_of(request), status_code=status, context={
        "officer": officer, "simulated": simulated is not None and svc.settings.sandbox,
        "inserted": inserted["pid"] if inserted else None, "visits": svc.office.recent(officer),
        "error": _error(error)})
    response.headers.update(NO_STORE)
    return response


def _visit_page(request: Request, officer: OfficerSession, visit: VisitView, *, status: int = 200,
                error: DomainError | None = None, code: str | None = None) -> Response:
    svc = services(request)
    lang = lang_of(request)
    birth = dt.date.fromisoformat(visit.chip["birth_date"])
    expires = visit.chip.get("expires_on")
    context = {
        "officer": officer, "visit": visit, "error": _error(error), "reasons": NO_FINGERPRINT_REASONS,
        "simulated": _simulated_reader(request) is not None and svc.settings.sandbox,
        "has_photo": svc.store.get(f"visit-photo:{visit.id}") is not None,
        "birth_date": buddhist_date(birth) if lang == "th" else birth.isoformat(),
        "expires": (buddhist_date(dt.date.fromisoformat(expires)) if lang == "th" else expires) if expires else None,
        # Enrolling again moves the digital ID to the new phone: the officer says so before going on.
        "active_since": svc.identities.active_device_since(visit.pid) if visit.state != "completed" else None,
    }
    if code:
        payload = f"{svc.settings.issuer}/e/{code}"
        left = int((visit.binding_expires_at - dt.datetime.now(dt.UTC)).total_seconds()) if visit.binding_expires_at \
            else 0
        context.update(payload=payload, seconds_left=max(0, left),
                       qr_svg=qr_svg(payload))
    response = page(request, "office_visit.html", lang, status_code=status, context=context)
    response.headers.update(NO_STORE)
    return response


# -- pages ---------------------------------------------------------------------------------------
@router.get("/office", include_in_schema=False)
def station(request: Request) -> Response:
    officer = _signed_in(request)
    return _station(request, officer) if officer else _to_signin(request)


@router.post("/office/reader", include_in_schema=False)
def insert_simulated_card(request: Request, pid: str = Form(max_length=17), csrf: str = Form("")) -> Response:
    """Sandbox: put a synthetic citizen's card in this station's simulated reader."""
    officer = current_officer(request)
    check_csrf(officer, csrf)
    reader = _simulated_reader(request)
    if reader is None or not services(request).settings.sandbox:
        raise SandboxOnly()
    try:
        reader.insert(officer.officer_id, citizen_id.normalize(pid))
    except ValueError as exc:
        return _station(request, officer, status=422, error=InvalidInput(
            f"{exc}.", "เลขประจำตัวประชาชนไม่ถูกต้อง", field="pid"))
    return RedirectResponse(f"/office?lang={lang_of(request)}", status_code=303)


@router.post("/office/visits", include_in_schema=False)
def start_visit(request: Request, csrf: str = Form("")) -> Response:
    officer = current_officer(request)
    check_csrf(officer, csrf)
    try:
        visit = services(request).office.start(officer)
    except DomainError as exc:
        return _station(request, officer, status=exc.status, error=exc)
    return RedirectResponse(f"/office/visits/{visit.id}?lang={lang_of(request)}", status_code=303)


@router.get("/office/visits/{visit_id}", include_in_schema=False)
def visit_page(request: Request, visit_id: str) -> Response:
    officer = _signed_in(request)
    if officer is None:
        return _to_signin(request)
    return _visit_page(request, officer, services(request).office.get(officer, visit_id))


@router.get("/office/visits/{visit_id}/photo", include_in_schema=False)
def chip_photo(request: Request, visit_id: str) -> Response:
    photo = services(request).office.chip_photo(current_officer(request), visit_id)
    if photo is None:
        return Response(status_code=404, headers=NO_STORE)
    return Response(photo, media_type="image/jpeg", headers=NO_STORE)


@router.get("/office/visits/{visit_id}/status", include_in_schema=False)
def visit_status(request: Request, visit_id: str) -> JSONResponse:
    visit = services(request).office.get(current_officer(request), visit_id)
    return JSONResponse({"state": visit.state, "enrolment_state": visit.enrolment_state, "ial": visit.ial},
                        headers=NO_STORE)


def _step(request: Request, visit_id: str, csrf: str, action) -> Response:
    """Run one station step; a refusal re-renders the visit with the reason."""
    officer = current_officer(request)
    check_csrf(officer, csrf)
    office = services(request).office
    try:
        visit = action(officer)
    except DomainError as exc:
        return _visit_page(request, officer, office.get(officer, visit_id), status=exc.status, error=exc)
    if isinstance(visit, tuple):
        return _visit_page(request, officer, visit[0], code=visit[1])
    return RedirectResponse(f"/office/visits/{visit.id}?lang={lang_of(request)}", status_code=303)


@router.post("/office/visits/{visit_id}/fingerprint", include_in_schema=False)
async def fingerprint(request: Request, visit_id: str, csrf: str = Form(""), finger: str = Form("right_index"),
                      simulate: str = Form(""), template: UploadFile | None = File(None)) -> Response:
    svc = services(request)
    if simulate:
        if not svc.settings.sandbox or _simulated_reader(request) is None:
            raise SandboxOnly()
        # The sandbox's scanner: an impression of the citizen's finger, or of someone else's.
        visit = svc.office.get(current_officer(request), visit_id)
        whose = visit.pid if simulate == "own" else f"another-person-than-{visit.pid}"
        raw = encode_template(impression(synthetic_template(whose, finger), (whose, finger, simulate)))
    elif template is not None:
        raw = await template.read(MAX_TEMPLATE_BYTES + 1)
    else:
        raw = b""
    return await run_in_threadpool(
        _step, request, visit_id, csrf, lambda officer: svc.office.scan_fingerprint(officer, visit_id, finger, raw))


@router.post("/office/visits/{visit_id}/confirm-face", include_in_schema=False)
def confirm_face(request: Request, visit_id: str, csrf: str = Form(""), reason: str = Form("")) -> Response:
    return _step(request, visit_id, csrf, lambda officer: services(request).office.confirm_face(officer, visit_id,
                                                                                                 reason))


@router.post("/office/visits/{visit_id}/qr", include_in_schema=False)
def show_qr(request: Request, visit_id: str, csrf: str = Form("")) -> Response:
    return _step(request, visit_id, csrf, lambda officer: services(request).office.binding_code(officer, visit_id))


@router.post("/office/visits/{visit_id}/cancel", include_in_schema=False)
def cancel(request: Request, visit_id: str, csrf: str = Form("")) -> Response:
    return _step(request, visit_id, csrf, lambda officer: services(request).office.cancel(officer, visit_id))


@router.get("/e/{code}", include_in_schema=False)
def open_in_app(request: Request, code: str) -> Response:
    """Where the station's QR points: a phone without the app lands here and is offered the app."""
    payload = f"{services(request).settings.issuer}/e/{code}"
    return page(request, "open_in_app.html", lang_of(request), context={
        "client": None, "app_link": "tuaton://office-enrol?payload=" + payload, "payload": payload})


# -- the app -------------------------------------------------------------------------------------
class OfficeBindBody(BaseModel):
    code: str = Field(min_length=8, max_length=64, description="The code from the station's QR (the last part "
                                                                "of its URL)")
    pid: str = Field(min_length=13, max_length=17, description="The 13-digit citizen ID the citizen typed")
    accept_terms: bool
    public_jwk: dict
    key_proof: str = Field(min_length=1, max_length=4096)


@router.post("/api/app/v1/office-enrolments", status_code=201, tags=["enrolment"])
def bind_app(request: Request, body: OfficeBindBody) -> JSONResponse:
    """The app scanned the station's QR code: bind its key to the visit. Passcode and consent then
    go through ``/api/app/v1/enrolments/{id}/passcode`` and ``/consent`` with the returned token."""
    try:
        pid = citizen_id.normalize(body.pid)
    except ValueError as exc:
        raise InvalidInput(f"{exc}.", "เลขประจำตัวประชาชนไม่ถูกต้อง", field="pid") from exc
    enrolment, token = services(request).office.bind(body.code, pid, body.public_jwk, body.key_proof,
                                                     accept_terms=body.accept_terms)
    return enrolment_body(enrolment, 201, token=token)

