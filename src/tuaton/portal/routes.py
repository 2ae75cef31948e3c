"""Signing in to the portals: with Tuaton itself (QR sign-in through the OpenID Provider), or —
for the bootstrap administrator only — with a password on the console's sign-in page."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from tuaton.errors import CsrfFailed, DomainError, PortalSignInRequired
from tuaton.oidc import pkce
from tuaton.oidc.errors import OAuthError
from tuaton.portal.sessions import PORTAL_CLIENT_ID, PORTAL_SCOPES, PortalUser
from tuaton.portal.web import LOGIN_COOKIE, SESSION_COOKIE, bilingual, lang_of, portal_page, secure_cookies
from tuaton.services import Services
from tuaton.web_support import NO_STORE, client_address, page, services, with_retry_after

router = APIRouter(tags=["portals"], include_in_schema=False)
CONSOLE_CSRF_COOKIE = "tuaton_console_csrf"


def _callback_uri(svc: Services) -> str:
    return svc.settings.issuer + "/portal/callback"


def portal_client(svc: Services):
    return svc.clients.ensure_first_party(
        PORTAL_CLIENT_ID, name_en="Tuaton portals (agencies, citizens, operators)",
        name_th="เว็บไซต์บริการตัวตน (หน่วยงาน ประชาชน ผู้ดูแลระบบ)", redirect_uri=_callback_uri(svc),
        scopes=PORTAL_SCOPES)


@router.get("/")
def home(request: Request) -> Response:
    try:
        user = services(request).portal_sessions.get(request.cookies.get(SESSION_COOKIE))
    except PortalSignInRequired:
        user = None
    return portal_page(request, "home.html", user)


#: The pages anyone may read, one template each in Thai and English, linked from every page's footer:
#: the terms of use (the app's first enrolment step links there too), the privacy notice, help, and
#: the accessibility statement.
READING_PAGES = {"/terms": "terms.html", "/privacy": "privacy.html", "/help": "help.html",
                 "/accessibility": "accessibility.html"}


def _reading_page(template: str):
    def show(request: Request) -> Response:
        return page(request, template, lang_of(request))
    return show


for _path, _template in READING_PAGES.items():
    router.add_api_route(_path, _reading_page(_template), methods=["GET"], response_class=Response)


@router.get("/portal/signin")
def signin(request: Request, next: str | None = None) -> Response:  # noqa: A002 - the query's name
    svc = services(request)
    client = svc.clients.get(PORTAL_CLIENT_ID)
    if client is None or client.redirect_uris != (_callback_uri(svc),):
        portal_client(svc)
    pending, browser_secret = svc.portal_sessions.begin_login(next)
    query = urlencode({
        "client_id": PORTAL_CLIENT_ID, "redirect_uri": _callback_uri(svc), "response_type": "code",
        "scope": " ".join(PORTAL_SCOPES), "state": pending.state, "nonce": pending.nonce,
        "code_challenge": pkce.s256(pending.code_verifier), "code_challenge_method": "S256",
        "ui_locales": lang_of(request)})
    response = RedirectResponse(f"/oauth2/authorize?{query}", status_code=303)
    response.set_cookie(LOGIN_COOKIE, browser_secret, httponly=True, samesite="lax",
                        secure=secure_cookies(request), path="/portal/callback", max_age=600)
    response.headers.update(NO_STORE)
    return response


@router.get("/portal/callback")
def callback(request: Request, state: str = "", code: str = "", error: str = "", iss: str = "") -> Response:
    svc = services(request)
    pending = svc.portal_sessions.finish_login(state, request.cookies.get(LOGIN_COOKIE))
    if iss != svc.settings.issuer:
        raise PortalSignInRequired("The sign-in answer did not come from this Tuaton (iss).",
                                   "ผลการเข้าสู่ระบบไม่ได้มาจากระบบตัวตนนี้")
    if error or not code:
        return portal_page(request, "portal_signin_ended.html", None, status_code=401,
                           context={"next": pending.next_path, "error": error or "no_code"})
    try:
        tokens = svc.grants.exchange_code(portal_client(svc), code, _callback_uri(svc), pending.code_verifier)
    except OAuthError as exc:
        raise PortalSignInRequired(f"The sign-in could not be completed ({exc.description}); sign in again.",
                                   "เข้าสู่ระบบไม่สำเร็จ กรุณาลองใหม่") from exc
    signed_in = svc.grants.access_token(tokens["access_token"])
    citizen = svc.registry.citizen(signed_in.pid)
    name_th = f"{citizen.given_name_th} {citizen.family_name_th}" if citizen else signed_in.pid
    name_en = f"{citizen.given_name_en} {citizen.family_name_en}" if citizen else signed_in.pid
    token = svc.portal_sessions.create(PortalUser(name_th=name_th, name_en=name_en, csrf=secrets.token_urlsafe(24),
                                                  identity_id=signed_in.identity_id, pid=signed_in.pid))
    response = RedirectResponse(pending.next_path, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure_cookies(request),
                        path="/", max_age=svc.settings.portal_session_ttl)
    response.delete_cookie(LOGIN_COOKIE, path="/portal/callback")
    return response


@router.post("/portal/signout")
def signout(request: Request, csrf: str = Form("", max_length=100)) -> Response:
    svc = services(request)
    token = request.cookies.get(SESSION_COOKIE)
    try:
        user = svc.portal_sessions.get(token)
    except PortalSignInRequired:
        pass                                  # already signed out: just clear the cookie
    else:
        user.check_csrf(csrf)
        svc.portal_sessions.end(token)
    response = RedirectResponse(f"/?lang={lang_of(request)}", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- the bootstrap administrator's password sign-in ------------------------------------------------
def _console_signin_page(request: Request, status: int = 200, error: DomainError | None = None,
                         username: str | None = None) -> Response:
    csrf = request.cookies.get(CONSOLE_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = portal_page(request, "console_signin.html", None, status_code=status, context={
        "csrf": csrf, "username": username, "error": bilingual(error) if error else None})
    response.set_cookie(CONSOLE_CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                        secure=secure_cookies(request), path="/console", max_age=3600)
    return response


@router.get("/console/signin")
def console_signin_form(request: Request) -> Response:
    return _console_signin_page(request)


@router.post("/console/signin")
async def console_signin(request: Request, username: str = Form(max_length=64),
                         password: str = Form(max_length=200), csrf: str = Form("", max_length=100)) -> Response:
    svc = services(request)
    expected = request.cookies.get(CONSOLE_CSRF_COOKIE)
    if not expected or not hmac.compare_digest(expected, csrf):
        return _console_signin_page(request, 403, CsrfFailed(), username)
    try:
        officer = await run_in_threadpool(svc.officers.bootstrap_sign_in, username.strip(), password,
                                          source=client_address(request))
    except DomainError as exc:
        return with_retry_after(_console_signin_page(request, exc.status, exc, username), exc)
    token = svc.portal_sessions.create(PortalUser(name_th=officer.display_name, name_en=officer.display_name,
                                                  csrf=secrets.token_urlsafe(24), officer_id=officer.id))
    response = RedirectResponse(f"/console?lang={lang_of(request)}", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure_cookies(request),
                        path="/", max_age=svc.settings.portal_session_ttl)
    response.delete_cookie(CONSOLE_CSRF_COOKIE, path="/console")
    return response
