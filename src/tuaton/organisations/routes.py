"""Organisations in the agency portal (``/agency/organisations``), the invitation and e-mail
verification links, the public criteria page and sample letter, the staff enrolment drive's link,
and the letters operators read while reviewing. Thin: parse, call :class:`Organisations`."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from tuaton.agencies.routes import agency_user
from tuaton.errors import DomainError, InvalidInput
from tuaton.officers.service import OfficerView
from tuaton.organisations.service import CAMPAIGN_COOKIE, LETTER_STATUS_WORDS, MAX_LETTER, ROLE_WORDS
from tuaton.portal.sessions import PortalUser
from tuaton.portal.web import bilingual, current_operator, lang_of, portal_page
from tuaton.web_support import NO_STORE, page, qr_svg, services

router = APIRouter(tags=["agency portal"], include_in_schema=False)


def _name(user: PortalUser) -> str:
    return user.name_th or user.name_en


# -- the agency portal: organisations -------------------------------------------------------------
@router.get("/agency/organisations")
def organisations(request: Request, user: PortalUser = Depends(agency_user)) -> Response:
    return _list_page(request, user)


def _list_page(request: Request, user: PortalUser, *, status: int = 200, error: DomainError | None = None,
               typed: dict | None = None) -> Response:
    return portal_page(request, "organisations.html", user, status_code=status, context={
        "mine": services(request).organisations.mine(user.identity_id), "role_words": ROLE_WORDS,
        "error": bilingual(error) if error else None, "typed": typed or {}})


@router.post("/agency/organisations")
def register(request: Request, kind: str = Form(max_length=12), code: str = Form(max_length=32),
             name_th: str = Form("", max_length=300), name_en: str = Form("", max_length=300),
             csrf: str = Form("", max_length=100), user: PortalUser = Depends(agency_user)) -> Response:
    user.check_csrf(csrf)
    try:
        org = services(request).organisations.register(user.identity_id, _name(user), kind=kind, code=code,
                                                       name_th=name_th, name_en=name_en)
    except DomainError as exc:
        return _list_page(request, user, status=exc.status, error=exc,
                          typed={"kind": kind, "code": code, "name_th": name_th, "name_en": name_en})
    return RedirectResponse(f"/agency/organisations/{org.code}?lang={lang_of(request)}", status_code=303)


def _org_page(request: Request, user: PortalUser, code: str, *, status: int = 200,
              error: DomainError | None = None, notice: dict | None = None) -> Response:
    svc = services(request).organisations
    org, role = svc.get(code, user.identity_id)
    join_url = f"{services(request).settings.issuer}/join/{org.campaign_code}"
    return portal_page(request, "organisation.html", user, status_code=status, context={
        "org": org, "role": role, "role_words": ROLE_WORDS, "members": svc.members(code),
        "letters": svc.letters(code), "letter_words": LETTER_STATUS_WORDS, "authority": svc.authority(code),
        "officials": svc.officials(code) if role == "owner" else [], "join_url": join_url,
        "join_qr": qr_svg(join_url, scale=4), "enrolled": svc.campaign_enrolments(code),
        "max_letter_mb": MAX_LETTER // (1024 * 1024), "error": bilingual(error) if error else None,
        "field": (error.extra.get("field") if error else None), "notice": notice})


@router.get("/agency/organisations/{code}")
def organisation(request: Request, code: str, done: str = "", user: PortalUser = Depends(agency_user)) -> Response:
    notices = {"email": {"th": "ส่งลิงก์ยืนยันไปที่อีเมลกลางแล้ว กรุณาเปิดลิงก์ภายใน 24 ชั่วโมง",
                         "en": "A verification link was sent to the central e-mail; open it within 24 hours."},
               "letter": {"th": "อัปโหลดหนังสือแล้ว ผู้ดูแลระบบจะพิจารณาพร้อมคำขอของท่าน",
                          "en": "Letter uploaded; an operator reviews it with your application."},
               "invited": {"th": "ส่งคำเชิญทางอีเมลแล้ว", "en": "Invitation e-mailed."},
               "members": {"th": "ปรับปรุงสมาชิกแล้ว", "en": "Members updated."},
               "officials": {"th": "ปรับปรุงรายชื่อเจ้าหน้าที่แล้ว", "en": "Officials updated."}}
    return _org_page(request, user, code, notice=notices.get(done))


async def _act(request: Request, user: PortalUser, code: str, csrf: str, done: str, work) -> Response:
    user.check_csrf(csrf)
    try:
        await run_in_threadpool(work)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _org_page(request, user, code, status=exc.status, error=exc)
    return RedirectResponse(f"/agency/organisations/{code}?done={done}&lang={lang_of(request)}", status_code=303)


@router.post("/agency/organisations/{code}/email")
async def set_email(request: Request, code: str, central_email: str = Form(max_length=254),
                    csrf: str = Form("", max_length=100), user: PortalUser = Depends(agency_user)) -> Response:
    svc = services(request).organisations
    return await _act(request, user, code, csrf, "email",
                      lambda: svc.set_central_email(code, user.identity_id, central_email))


@router.post("/agency/organisations/{code}/letters")
async def upload_letter(request: Request, code: str, letter: UploadFile = File(...),
                        letter_number: str = Form(max_length=64), letter_date: str = Form(max_length=10),
                        issuing_division: str = Form(max_length=200), csrf: str = Form("", max_length=100),
                        user: PortalUser = Depends(agency_user)) -> Response:
    data = await letter.read(MAX_LETTER + 1)
    svc = services(request).organisations
    return await _act(request, user, code, csrf, "letter", lambda: svc.upload_letter(
        code, user.identity_id, _name(user), file_name=letter.filename or "letter.pdf", data=data,
        letter_number=letter_number, letter_date=letter_date, issuing_division=issuing_division))


@router.get("/agency/organisations/{code}/letters/{letter_id}.pdf")
def member_letter(request: Request, code: str, letter_id: str, user: PortalUser = Depends(agency_user)) -> Response:
    svc = services(request).organisations
    svc.get(code, user.identity_id)
    return _pdf(*svc.letter_pdf(code, letter_id))


def _pdf(file_name: str, content: bytes) -> Response:
    """An uploaded PDF, shown inline but sandboxed (no scripts, no same-origin), its name as RFC 6266
    gives a non-ASCII (Thai) one."""
    ascii_name = file_name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return Response(content, media_type="application/pdf", headers={
        **NO_STORE, "Content-Disposition": f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}",
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"})


@router.post("/agency/organisations/{code}/members")
async def invite(request: Request, code: str, email: str = Form(max_length=254), role: str = Form(max_length=12),
                 csrf: str = Form("", max_length=100), user: PortalUser = Depends(agency_user)) -> Response:
    svc = services(request).organisations
    return await _act(request, user, code, csrf, "invited", lambda: svc.invite(code, user.identity_id, email, role))


@router.post("/agency/organisations/{code}/members/{member_id}/remove")
async def remove_member(request: Request, code: str, member_id: int, csrf: str = Form("", max_length=100),
                        user: PortalUser = Depends(agency_user)) -> Response:
    svc = services(request).organisations
    return await _act(request, user, code, csrf, "members", lambda: svc.remove(code, user.identity_id, member_id))


@router.post("/agency/organisations/{code}/members/{member_id}/owner")
async def hand_over(request: Request, code: str, member_id: int, csrf: str = Form("", max_length=100),
                    user: PortalUser = Depends(agency_user)) -> Response:
    svc = services(request).organisations
    return await _act(request, user, code, csrf, "members", lambda: svc.hand_over(code, user.identity_id, member_id))


@router.post("/agency/organisations/{code}/officials")
async def add_official(request: Request, code: str, pid: str = Form(max_length=20),
                       position: str = Form(max_length=200), unit: str = Form(max_length=200),
                       csrf: str = Form("", max_length=100),
                       user: PortalUser = Depends(agency_user)) -> Response:
    svc = services(request).organisations
    return await _act(request, user, code, csrf, "officials",
                      lambda: svc.add_official(code, user.identity_id, pid, position, unit))


@router.post("/agency/organisations/{code}/officials/import")
async def import_officials(request: Request, code: str, file: UploadFile = File(...),
                           csrf: str = Form("", max_length=100), user: PortalUser = Depends(agency_user)) -> Response:
    data = await file.read(2 * 1024 * 1024 + 1)
    if len(data) > 2 * 1024 * 1024:
        raise InvalidInput("The CSV file is over 2 MB.", "ไฟล์ CSV มีขนาดเกิน 2 MB", field="file")
    svc = services(request).organisations
    return await _act(request, user, code, csrf, "officials",
                      lambda: svc.import_officials(code, user.identity_id, data))


@router.post("/agency/organisations/{code}/officials/{official_id}/remove")
async def remove_official(request: Request, code: str, official_id: int, csrf: str = Form("", max_length=100),
                          user: PortalUser = Depends(agency_user)) -> Response:
    svc = services(request)

    def work() -> None:
        pid = svc.organisations.remove_official(code, user.identity_id, official_id)
        svc.grants.revoke_official(pid, svc.agencies.production_clients_of(code))

    return await _act(request, user, code, csrf, "officials", work)


# -- invitations ------------------------------------------------------------------------------------
@router.get("/agency/invitations/{token}")
def invitation(request: Request, token: str, user: PortalUser = Depends(agency_user)) -> Response:
    return portal_page(request, "organisation_invitation.html", user, context={"token": token})


@router.post("/agency/invitations/{token}")
def accept_invitation(request: Request, token: str, csrf: str = Form("", max_length=100),
                      user: PortalUser = Depends(agency_user)) -> Response:
    user.check_csrf(csrf)
    org = services(request).organisations.accept(token, user.identity_id, _name(user))
    return RedirectResponse(f"/agency/organisations/{org.code}?lang={lang_of(request)}", status_code=303)


# -- the central e-mail's verification link (no sign-in: the link proves the mailbox) ----------------
@router.get("/organisations/verify/{token}")
def verify_form(request: Request, token: str) -> Response:
    pending = services(request).organisations.verification(token)
    response = page(request, "organisation_verify.html", lang_of(request), status_code=200 if pending else 404,
                    context={"pending": pending, "token": token, "verified": None})
    response.headers.update(NO_STORE)
    return response


@router.post("/organisations/verify/{token}")
def verify(request: Request, token: str) -> Response:
    """A POST, so that mail scanners that open links do not verify anything by themselves."""
    org = services(request).organisations.verify_email(token)
    response = page(request, "organisation_verify.html", lang_of(request), context={
        "pending": None, "token": token, "verified": org})
    response.headers.update(NO_STORE)
    return response


# -- public pages: the criteria, the sample letter, the staff enrolment drive --------------------------
@router.get("/criteria")
def criteria(request: Request) -> Response:
    return page(request, "criteria.html", lang_of(request))


@router.get("/criteria/sample-letter.pdf")
def sample_letter(request: Request) -> Response:
    from tuaton.organisations.letters import sample_letter_pdf
    return Response(sample_letter_pdf(services(request).settings.issuer), media_type="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="tuaton-permission-letter-sample.pdf"',
        "Cache-Control": "public, max-age=3600"})


@router.get("/join/{campaign_code}")
def join(request: Request, campaign_code: str) -> Response:
    """The staff enrolment drive: remember the drive in a cookie, then the app enrols as usual."""
    org = services(request).organisations.by_campaign(campaign_code[:32])
    response = page(request, "join.html", lang_of(request), status_code=200 if org else 404, context={"org": org})
    if org is not None:
        response.set_cookie(CAMPAIGN_COOKIE, org.campaign_code, max_age=7 * 24 * 3600, httponly=True,
                            samesite="lax", secure=services(request).settings.issuer.startswith("https://"))
    return response


# -- operators: the letters they review ---------------------------------------------------------------
@router.get("/console/organisations/{code}/letters/{letter_id}.pdf")
def operator_letter(request: Request, code: str, letter_id: str,
                    operator: tuple[PortalUser, OfficerView] = Depends(current_operator)) -> Response:
    return _pdf(*services(request).organisations.letter_pdf(code, letter_id))
