"""The operators' console: the national dashboard, officers and administrators, signing keys and
the audit search. Every page needs an active administrator (:func:`current_operator`)."""

from __future__ import annotations

import datetime as dt
import secrets

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from tuaton.assurance import CHANNEL_LABELS
from tuaton.audit.queries import BANGKOK
from tuaton.dashboard.service import failure_label
from tuaton.errors import DomainError, InvalidInput, PortalSignInRequired
from tuaton.identity.models import Identity
from tuaton.officers.models import OfficerRole
from tuaton.officers.service import OfficerView
from tuaton.portal.charts import horizontal_bars, stacked_bars
from tuaton.portal.sessions import PortalUser
from tuaton.portal.web import bilingual, current_operator, current_user, lang_of, portal_page
from tuaton.registry import citizen_id
from tuaton.web_support import services

router = APIRouter(prefix="/console", tags=["operators' console"], include_in_schema=False)
Operator = tuple[PortalUser, OfficerView]


@router.get("")
def dashboard(request: Request) -> Response:
    try:
        user = current_user(request)
    except PortalSignInRequired:
        return RedirectResponse(f"/console/signin?lang={lang_of(request)}", status_code=303)
    operator = services(request).officers.operator(pid=user.pid, officer_id=user.officer_id)
    figures = services(request).dashboard.figures()
    th = lang_of(request) == "th"
    pick = 1 if th else 0
    days = [d[8:10] + "/" + d[5:7] for d in figures.days]
    css = ["series-a", "series-b", "series-c", "series-d"]
    charts = {
        "registrations": stacked_bars("chart-registrations", "การลงทะเบียนต่อวัน แยกตามช่องทาง" if th else
                                      "Registrations per day, by channel", days,
                                      [(CHANNEL_LABELS.get(c, (c, c))[pick], v, css[i % 4])
                                       for i, (c, v) in enumerate(figures.registrations.items())]),
        "signins": stacked_bars("chart-signins", "การเข้าสู่ระบบต่อวัน" if th else "Sign-ins per day", days, [
            ("สำเร็จ" if th else "Approved", figures.signins_approved, "series-a"),
            ("ไม่สำเร็จ" if th else "Refused or failed", figures.signins_failed, "series-b")]),
        "faces": stacked_bars("chart-faces", "การตรวจใบหน้าต่อวัน" if th else "Face checks per day", days, [
            ("ผ่าน" if th else "Passed", figures.face_checks_passed, "series-a"),
            ("ไม่ผ่าน" if th else "Failed", figures.face_checks_failed, "series-b")]),
        "provinces": horizontal_bars("chart-provinces", "ตัวตนดิจิทัลตามจังหวัด (10 อันดับแรก)" if th else
                                     "Digital identities by province (top 10)",
                                     [(p[0] if th else p[1], n) for p in figures.provinces for n in [p[2]]]),
        "failures": horizontal_bars("chart-failures", "สาเหตุที่ไม่สำเร็จ (30 วัน)" if th else
                                    "Failure reasons (30 days)",
                                    [(failure_label(k)[pick], n) for k, n in figures.failure_reasons]),
    }
    return portal_page(request, "console_dashboard.html", user, context={
        "operator": operator, "figures": figures, "charts": charts})


# -- officers and administrators -----------------------------------------------------------------
def _officers_page(request: Request, operator: Operator, *, status: int = 200, error: DomainError | None = None,
                   created: dict | None = None) -> Response:
    return portal_page(request, "console_officers.html", operator[0], status_code=status, context={
        "operator": operator[1], "officers": services(request).officers.all(), "created": created,
        "error": bilingual(error) if error else None})


@router.get("/officers")
def officers(request: Request, operator: Operator = Depends(current_operator)) -> Response:
    return _officers_page(request, operator)


@router.post("/officers")
def create_officer(request: Request, username: str = Form(max_length=64), display_name: str = Form(max_length=200),
                   office_code: str = Form(max_length=16), role: str = Form(max_length=20),
                   pid: str = Form("", max_length=20), csrf: str = Form("", max_length=100),
                   operator: Operator = Depends(current_operator)) -> Response:
    user, admin = operator
    user.check_csrf(csrf)
    password = secrets.token_urlsafe(12)
    try:
        if role in (OfficerRole.ADMINISTRATOR, OfficerRole.PROGRAMME_OFFICE) and not pid.strip():
            raise InvalidInput("Administrators and the programme office sign in with Tuaton: give their "
                               "citizen ID.", "ผู้ดูแลระบบและสำนักงาน ก.พ.ร. เข้าสู่ระบบด้วยแอปตัวตน "
                               "กรุณาระบุเลขประจำตัวประชาชน", field="pid")
        services(request).officers.create(username.strip().lower(), display_name, office_code.strip().upper(), role,
                                          password, pid=pid.strip() or None,
                                          created_by={"by_officer_id": admin.id, "by_officer": admin.username})
    except DomainError as exc:
        return _officers_page(request, operator, status=exc.status, error=exc)
    created = {"username": username.strip().lower(), "password": password if role == OfficerRole.REGISTRAR else None}
    return _officers_page(request, operator, status=201, created=created)


@router.post("/officers/{officer_id}/deactivate")
def deactivate_officer(request: Request, officer_id: str, csrf: str = Form("", max_length=100),
                       operator: Operator = Depends(current_operator)) -> Response:
    user, admin = operator
    user.check_csrf(csrf)
    try:
        services(request).officers.deactivate(officer_id, admin)
    except DomainError as exc:
        return _officers_page(request, operator, status=exc.status, error=exc)
    return RedirectResponse(f"/console/officers?lang={lang_of(request)}", status_code=303)


# -- signing keys --------------------------------------------------------------------------------
@router.get("/keys")
def keys(request: Request, operator: Operator = Depends(current_operator), rotated: str = "") -> Response:
    svc = services(request)
    return portal_page(request, "console_keys.html", operator[0], context={
        "operator": operator[1], "keys": svc.keys.status(), "overlap_hours": svc.settings.key_overlap // 3600,
        "rotated": rotated == "1"})


@router.post("/keys/rotate")
def rotate_keys(request: Request, csrf: str = Form("", max_length=100),
                operator: Operator = Depends(current_operator)) -> Response:
    user, admin = operator
    user.check_csrf(csrf)
    services(request).keys.rotate(officer_id=admin.id, officer=admin.username)
    return RedirectResponse(f"/console/keys?rotated=1&lang={lang_of(request)}", status_code=303)


# -- audit search --------------------------------------------------------------------------------
def _day(value: str, field: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=BANGKOK)
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a date like 2026-11-23.", f"{field} ต้องเป็นวันที่ เช่น 2026-11-23",
                           field=field) from exc


@router.get("/audit")
def audit(request: Request, pid: str = "", client_id: str = "", officer: str = "", kind: str = "",
          since: str = "", until: str = "", operator: Operator = Depends(current_operator)) -> Response:
    svc = services(request)
    searched = any((pid, client_id, officer, kind, since, until))
    events, error, identity_id = [], None, None
    try:
        if pid:
            if not citizen_id.is_valid(pid):
                raise InvalidInput("The citizen ID is not valid (13 digits, check digit).",
                                   "เลขประจำตัวประชาชนไม่ถูกต้อง", field="pid")
            with svc.database.reading() as session:
                identity_id = session.execute(select(Identity.id).where(
                    Identity.pid == citizen_id.normalize(pid))).scalar_one_or_none() or "-"
        start, end = _day(since, "since"), _day(until, "until")
        if searched:
            events = svc.dashboard.audit_search(identity_id=identity_id, client_id=client_id.strip() or None,
                                                officer=officer.strip() or None, kind=kind.strip() or None,
                                                since=start, until=end + dt.timedelta(days=1) if end else None,
                                                searched_by={"officer_id": operator[1].id,
                                                             "officer": operator[1].username})
    except DomainError as exc:
        error = bilingual(exc)
    return portal_page(request, "console_audit.html", operator[0], status_code=422 if error else 200, context={
        "operator": operator[1], "events": events, "searched": searched, "error": error,
        "query": {"pid": pid, "client_id": client_id, "officer": officer, "kind": kind, "since": since,
                  "until": until}})
