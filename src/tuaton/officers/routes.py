"""The officer's sign-in and sign-out at a station, and what every station page needs: the
signed-in officer and a check of the form's CSRF token."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from tuaton.errors import CsrfFailed, DomainError, OfficerNotSignedIn, PortalSignInRequired, StationPasswordsOff
from tuaton.officers.service import OfficerSession
from tuaton.web_support import NO_STORE, client_address, lang_of, page, services, with_retry_after

router = APIRouter(prefix="/office", tags=["registrar office"], include_in_schema=False)
SESSION_COOKIE = "tuaton_officer"
SIGNIN_CSRF_COOKIE = "tuaton_officer_csrf"



def current_officer(request: Request) -> OfficerSession:
    return services(request).officers.session(request.cookies.get(SESSION_COOKIE))


def check_csrf(officer: OfficerSession, token: str | None) -> None:
    if not token or not hmac.compare_digest(token, officer.csrf):
        raise CsrfFailed()


def _secure(request: Request) -> bool:
    return services(request).settings.issuer.startswith("https://")


def _signin_page(request: Request, status: int = 200, error: DomainError | None = None,
                 username: str | None = None) -> Response:
    csrf = request.cookies.get(SIGNIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = page(request, "office_signin.html", lang_of(request), status_code=status, context={
        "csrf": csrf, "username": username, "break_glass": services(request).settings.office_break_glass,
        "error": {"th": error.detail_th, "en": error.detail_en} if error else None})
    response.set_cookie(SIGNIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=_secure(request),
                        path="/office", max_age=3600)
    response.headers.update(NO_STORE)
    return response


@router.get("/signin")
def signin_form(request: Request) -> Response:
    return _signin_page(request)


@router.post("/signin")
def signin(request: Request, username: str = Form(max_length=64), password: str = Form(max_length=200),
           csrf: str = Form("", max_length=100)) -> Response:
    """The break-glass password sign-in (``TUATON_OFFICE_BREAK_GLASS``); refused otherwise."""
    expected = request.cookies.get(SIGNIN_CSRF_COOKIE)
    if not expected or not hmac.compare_digest(expected, csrf):
        return _signin_page(request, 403, CsrfFailed(), username)
    if not services(request).settings.office_break_glass:
        return _signin_page(request, 403, StationPasswordsOff(), username)
    try:
        token, _ = services(request).officers.sign_in(username.strip(), password, source=client_address(request))
    except DomainError as exc:
        return with_retry_after(_signin_page(request, exc.status, exc, username), exc)
    return _station_opened(request, token)


def _station_opened(request: Request, token: str) -> Response:
    response = RedirectResponse(f"/office?lang={lang_of(request)}", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
                        path="/office", max_age=services(request).settings.officer_session_ttl)
    response.delete_cookie(SIGNIN_CSRF_COOKIE, path="/office")
    return response


@router.get("/tuaton")
def signin_with_tuaton(request: Request) -> Response:
    """Back from the Tuaton sign-in (the portal's QR flow, next=/office/tuaton): the officer whose
    citizen ID that is gets a station session."""
    from tuaton.portal.web import current_user

    try:
        user = current_user(request)
    except PortalSignInRequired:
        return RedirectResponse("/portal/signin?" + urlencode({"next": "/office/tuaton"}), status_code=303)
    try:
        token, _ = services(request).officers.station_sign_in(user.pid)
    except DomainError as exc:
        return _signin_page(request, exc.status, exc)
    return _station_opened(request, token)


@router.post("/signout")
def signout(request: Request, csrf: str = Form("", max_length=100)) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    try:
        officer = current_officer(request)
    except OfficerNotSignedIn:
        pass                                   # already signed out: just clear the cookie
    else:
        check_csrf(officer, csrf)
        services(request).officers.sign_out(token or "")
    response = RedirectResponse(f"/office/signin?lang={lang_of(request)}", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/office")
    return response
