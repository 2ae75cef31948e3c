"""The citizen's self-service pages (/me) and the public lost-phone form (/lost-phone)."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from tuaton.errors import CsrfFailed, DomainError, InvalidInput, NotFound, PortalSignInRequired
from tuaton.oidc.claims import CLAIM_LABELS
from tuaton.portal.sessions import PortalUser
from tuaton.portal.web import bilingual, current_user, lang_of, portal_page
from tuaton.web_support import NO_STORE, services

router = APIRouter(tags=["citizen self-service"], include_in_schema=False)
LOST_PHONE_CSRF_COOKIE = "tuaton_lost_phone_csrf"


def citizen_user(request: Request) -> PortalUser:
    user = current_user(request)
    if user.identity_id is None:
        raise PortalSignInRequired("These pages are for citizens signed in with the Tuaton app.",
                                   "หน้านี้สำหรับประชาชนที่เข้าสู่ระบบด้วยแอปตัวตน")
    return user


def _notice(done: str) -> dict | None:
    return {"consent": {"th": "เพิกถอนความยินยอมแล้ว หน่วยงานนี้ไม่สามารถใช้การเข้าสู่ระบบเดิมได้อีก",
                        "en": "Consent withdrawn: this agency's sign-ins and tokens no longer work."},
            "device": {"th": "ล็อกอุปกรณ์แล้ว กรุณาลงทะเบียนใหม่บนโทรศัพท์เครื่องใหม่",
                       "en": "The device is locked. Enrol again on your new phone."}}.get(done)


@router.get("/me")
def overview(request: Request, done: str = "", user: PortalUser = Depends(citizen_user)) -> Response:
    svc = services(request)
    return portal_page(request, "me_overview.html", user, context={
        "me": svc.citizens.overview(user.identity_id), "notice": _notice(done),
        "official_roles": svc.organisations.official_roles(user.pid) if user.pid else [],
        "memberships": svc.organisations.mine(user.identity_id)})


@router.get("/me/history")
def history(request: Request, user: PortalUser = Depends(citizen_user)) -> Response:
    return portal_page(request, "me_history.html", user, context={
        "signins": services(request).citizens.history(user.identity_id), "labels": CLAIM_LABELS})


@router.get("/me/consents")
def consents(request: Request, done: str = "", user: PortalUser = Depends(citizen_user)) -> Response:
    return portal_page(request, "me_consents.html", user, context={
        "consents": services(request).citizens.consents(user.identity_id), "labels": CLAIM_LABELS,
        "notice": _notice(done)})


@router.get("/me/consents/{client_id}/withdraw")
def confirm_withdrawal(request: Request, client_id: str, user: PortalUser = Depends(citizen_user)) -> Response:
    """Withdrawing is not undone by a click: the citizen sees what it does, then confirms."""
    consent = next((c for c in services(request).citizens.consents(user.identity_id) if c.client_id == client_id),
                   None)
    if consent is None:
        raise NotFound("You have no consent in force for this agency.", "ไม่พบความยินยอมที่มีผลกับหน่วยงานนี้")
    return portal_page(request, "me_consent_withdraw.html", user, context={"consent": consent,
                                                                         "labels": CLAIM_LABELS})


@router.post("/me/consents/{client_id}/revoke")
def revoke_consent(request: Request, client_id: str, csrf: str = Form("", max_length=100),
                   user: PortalUser = Depends(citizen_user)) -> Response:
    user.check_csrf(csrf)
    services(request).citizens.revoke_consent(user.identity_id, client_id[:64])
    return RedirectResponse(f"/me/consents?done=consent&lang={lang_of(request)}", status_code=303)


@router.post("/me/devices/{device_id}/lock")
def lock_device(request: Request, device_id: str, csrf: str = Form("", max_length=100),
                user: PortalUser = Depends(citizen_user)) -> Response:
    user.check_csrf(csrf)
    services(request).citizens.lock_device(user.identity_id, device_id[:36])
    return RedirectResponse(f"/me?done=device&lang={lang_of(request)}", status_code=303)


@router.get("/me/data.json")
def my_data(request: Request, user: PortalUser = Depends(citizen_user)) -> Response:
    svc = services(request)
    data = svc.citizens.export(user.identity_id)
    day = dt.date.today().isoformat()
    return Response(json.dumps(data, ensure_ascii=False, indent=2), media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="tuaton-my-data-{day}.json"', **NO_STORE})


# -- the lost phone: no sign-in possible, so the card proves who is asking --------------------------
def _lost_phone_page(request: Request, *, status: int = 200, error: DomainError | None = None,
                     locked: int | None = None, typed: dict | None = None) -> Response:
    csrf = request.cookies.get(LOST_PHONE_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = portal_page(request, "lost_phone.html", None, status_code=status, context={
        "csrf": csrf, "error": bilingual(error) if error else None, "locked": locked, "typed": typed or {}})
    response.set_cookie(LOST_PHONE_CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                        secure=services(request).settings.issuer.startswith("https://"), path="/lost-phone",
                        max_age=3600)
    return response


@router.get("/lost-phone")
def lost_phone_form(request: Request) -> Response:
    return _lost_phone_page(request)


@router.post("/lost-phone")
async def lost_phone(request: Request, pid: str = Form(max_length=20), laser_code: str = Form(max_length=20),
                     birth_date: str = Form(max_length=10), csrf: str = Form("", max_length=100)) -> Response:
    typed = {"pid": pid, "laser_code": laser_code, "birth_date": birth_date}
    expected = request.cookies.get(LOST_PHONE_CSRF_COOKIE)
    if not expected or not hmac.compare_digest(expected, csrf):
        return _lost_phone_page(request, status=403, error=CsrfFailed(), typed=typed)
    try:
        try:
            born = dt.date.fromisoformat(birth_date)
        except ValueError as exc:
            raise InvalidInput("The birth date must be a date (YYYY-MM-DD, Christian era).",
                               "วันเกิดไม่ถูกต้อง (ปี ค.ศ.-เดือน-วัน)", field="birth_date") from exc
        locked = await run_in_threadpool(services(request).citizens.lock_lost_phone, pid, laser_code, born)
    except DomainError as exc:
        return _lost_phone_page(request, status=exc.status, error=exc, typed=typed)
    return _lost_phone_page(request, locked=locked)
