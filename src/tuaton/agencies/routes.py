"""The agency portal: apply, keep drafts, sandbox and production credentials, keys, logo, usage and
the integration guide. Thin: parse the form, call :class:`~tuaton.agencies.service.Agencies`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from tuaton.agencies.application import MAX_CONTACTS, REQUESTABLE_CLAIMS, ApplicationForm, Contact, problems
from tuaton.agencies.service import SANDBOX_PLACEHOLDER_REDIRECT, ApplicationView, monogram_logo
from tuaton.errors import ApplicationIncomplete, DomainError, PortalSignInRequired
from tuaton.oidc.claims import CLAIM_LABELS
from tuaton.oidc.clients import PRODUCTION, SANDBOX
from tuaton.portal.charts import horizontal_bars, stacked_bars
from tuaton.portal.sessions import PortalUser
from tuaton.portal.web import current_user, lang_of, portal_page
from tuaton.web_support import NO_STORE, services

if TYPE_CHECKING:
    from tuaton.services import Services

router = APIRouter(tags=["agency portal"], include_in_schema=False)
MAX_FORM_FIELDS = 200


def agency_user(request: Request) -> PortalUser:
    user = current_user(request)
    if user.identity_id is None:       # the bootstrap administrator has no Tuaton identity
        raise PortalSignInRequired("Agencies apply as a person signed in with the Tuaton app.",
                                   "หน่วยงานต้องเข้าสู่ระบบด้วยแอปตัวตน")
    return user


def parse_application(form: FormData) -> ApplicationForm:
    def text(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    claims = {c: text(f"why_{c}") for c in form.getlist("claim") if isinstance(c, str)}
    contacts = tuple(Contact(text(f"contact_name_{i}"), text(f"contact_email_{i}"), text(f"contact_phone_{i}"))
                     for i in range(MAX_CONTACTS) if text(f"contact_name_{i}") or text(f"contact_email_{i}"))
    uris = tuple(u.strip() for u in text("redirect_uris").splitlines() if u.strip())
    return ApplicationForm(
        org_type=text("org_type"), org_name_th=text("org_name_th"), org_name_en=text("org_name_en"),
        org_identifier=text("org_identifier").upper(), contact_email=text("contact_email"),
        service_name_th=text("service_name_th"), service_name_en=text("service_name_en"),
        purpose_th=text("purpose_th"), purpose_en=text("purpose_en"), requested_claims=claims,
        redirect_uris=uris, technical_contacts=contacts)


async def _form(request: Request) -> FormData:
    return await request.form(max_files=1, max_fields=MAX_FORM_FIELDS)


def _claims_table() -> list[tuple[str, str, str]]:
    return [(c, CLAIM_LABELS[c][1], CLAIM_LABELS[c][0]) for c in REQUESTABLE_CLAIMS]


def _application_page(request: Request, user: PortalUser, view: ApplicationView | None, form: ApplicationForm,
                      *, status: int = 200, found: dict | None = None, notice: dict | None = None,
                      secret: dict | None = None, backchannel: dict | None = None) -> Response:
    svc = services(request)
    client = svc.clients.get(view.production_client_id) if view and view.production_client_id else None
    sandbox = svc.clients.get(view.sandbox_client_id) if view and view.sandbox_client_id else None
    history = svc.agencies.history(view.id, user.identity_id) if view else []
    todo = problems(form, complete=True) if view and view.status in ("draft", "rejected") and not found else {}
    return portal_page(request, "agency_application.html", user, status_code=status, context={
        "view": view, "form": form, "claims": _claims_table(), "problems": found or {}, "todo": todo,
        "notice": notice, "secret": secret, "production": client, "sandbox": sandbox, "history": history,
        "backchannel_typed": backchannel or {},
        "contacts": list(form.technical_contacts) + [Contact("", "")] * (MAX_CONTACTS - len(form.technical_contacts)),
        "placeholder_redirect": SANDBOX_PLACEHOLDER_REDIRECT, "issuer": svc.settings.issuer})


@router.get("/agency")
def agency_home(request: Request, user: PortalUser = Depends(agency_user)) -> Response:
    return portal_page(request, "agency_home.html", user, context={
        "applications": services(request).agencies.mine(user.identity_id)})


@router.get("/agency/new")
def new_application(request: Request, user: PortalUser = Depends(agency_user)) -> Response:
    return _application_page(request, user, None, ApplicationForm())


@router.post("/agency/new")
async def create_application(request: Request, user: PortalUser = Depends(agency_user)) -> Response:
    data = await _form(request)
    user.check_csrf(data.get("csrf"))
    form = parse_application(data)
    try:
        view, secret = services(request).agencies.create_draft(user.identity_id, form)
    except ApplicationIncomplete as exc:
        return _application_page(request, user, None, form, status=422, found=exc.extra["problems"])
    return _application_page(request, user, view, view.form, status=201, secret={
        "environment": SANDBOX, "client_id": view.sandbox_client_id, "client_secret": secret},
        notice={"th": "บันทึกร่างคำขอแล้ว ข้อมูลรับรองระบบทดสอบ (sandbox) ใช้ได้ทันที",
                "en": "Draft saved. Your sandbox credentials work now."})


@router.get("/agency/{application_id}")
def show_application(request: Request, application_id: str, saved: str = "",
                     user: PortalUser = Depends(agency_user)) -> Response:
    view = services(request).agencies.get(application_id, user.identity_id)
    notice = {"th": "บันทึกแล้ว", "en": "Saved."} if saved == "1" else (
        {"th": "ส่งคำขอเพื่อพิจารณาแล้ว", "en": "Submitted for review."} if saved == "submitted" else None)
    return _application_page(request, user, view, view.form, notice=notice)


@router.post("/agency/{application_id}")
async def save_application(request: Request, application_id: str,
                           user: PortalUser = Depends(agency_user)) -> Response:
    svc = services(request)
    data = await _form(request)
    user.check_csrf(data.get("csrf"))
    view = svc.agencies.get(application_id, user.identity_id)
    form = parse_application(data)
    submit = data.get("action") == "submit"
    try:
        view = svc.agencies.save(application_id, user.identity_id, form, submit=submit)
    except ApplicationIncomplete as exc:       # nothing is lost: the page comes back as typed
        return _application_page(request, user, view, form, status=422, found=exc.extra["problems"])
    flag = "submitted" if view.status == "submitted" and (submit or view.production_client_id) else "1"
    return RedirectResponse(f"/agency/{application_id}?saved={flag}&lang={lang_of(request)}", status_code=303)


@router.post("/agency/{application_id}/logo")
async def upload_logo(request: Request, application_id: str, logo: UploadFile = File(...),
                      csrf: str = Form("", max_length=100), user: PortalUser = Depends(agency_user)) -> Response:
    svc = services(request)
    user.check_csrf(csrf)
    view = svc.agencies.get(application_id, user.identity_id)
    data = await logo.read(512 * 1024 + 1)
    try:
        svc.agencies.set_logo(application_id, user.identity_id, data)
    except DomainError as exc:
        return _application_page(request, user, view, view.form, status=exc.status,
                                 found={"logo": (exc.detail_en, exc.detail_th)})
    return RedirectResponse(f"/agency/{application_id}?saved=1&lang={lang_of(request)}", status_code=303)


@router.post("/agency/{application_id}/secret")
def new_secret(request: Request, application_id: str, environment: str = Form(..., max_length=12),
               csrf: str = Form("", max_length=100), user: PortalUser = Depends(agency_user)) -> Response:
    svc = services(request)
    user.check_csrf(csrf)
    environment = PRODUCTION if environment == PRODUCTION else SANDBOX
    secret = svc.agencies.new_secret(application_id, user.identity_id, environment)
    view = svc.agencies.get(application_id, user.identity_id)
    client_id = view.production_client_id if environment == PRODUCTION else view.sandbox_client_id
    response = _application_page(request, user, view, view.form, secret={
        "environment": environment, "client_id": client_id, "client_secret": secret})
    response.headers.update(NO_STORE)
    return response


def _change_setting(request: Request, user: PortalUser, csrf: str, application_id: str, field: str,
                    change: Callable[[Services], None], *, anchor: str = "", **typed: Any) -> Response:
    """A credentials setting changed from the application page: back to the page with the error
    next to ``field`` (and what was typed, ``typed``), or to the page saved."""
    svc = services(request)
    user.check_csrf(csrf)
    view = svc.agencies.get(application_id, user.identity_id)
    try:
        change(svc)
    except DomainError as exc:
        return _application_page(request, user, view, view.form, status=exc.status,
                                 found={field: (exc.detail_en, exc.detail_th)}, **typed)
    return RedirectResponse(f"/agency/{application_id}?saved=1&lang={lang_of(request)}{anchor}", status_code=303)


@router.post("/agency/{application_id}/keys")
def set_keys(request: Request, application_id: str, jwks: str = Form("", max_length=20_000),
             jwks_uri: str = Form("", max_length=500), csrf: str = Form("", max_length=100),
             user: PortalUser = Depends(agency_user)) -> Response:
    return _change_setting(request, user, csrf, application_id, "jwks",
                           lambda svc: svc.agencies.set_keys(application_id, user.identity_id, jwks, jwks_uri))


@router.post("/agency/{application_id}/fapi")
def set_fapi(request: Request, application_id: str, environment: str = Form(..., max_length=12),
             require_par: str = Form("", max_length=4), require_dpop: str = Form("", max_length=4),
             csrf: str = Form("", max_length=100), user: PortalUser = Depends(agency_user)) -> Response:
    environment = PRODUCTION if environment == PRODUCTION else SANDBOX
    return _change_setting(request, user, csrf, application_id, "fapi", lambda svc: svc.agencies.set_fapi(
        application_id, user.identity_id, environment, require_par=require_par == "on",
        require_dpop=require_dpop == "on"), anchor=f"#fapi-{environment}")


@router.post("/agency/{application_id}/backchannel")
def set_backchannel(request: Request, application_id: str, environment: str = Form(..., max_length=12),
                    mode: str = Form("off", max_length=8), endpoint: str = Form("", max_length=600),
                    csrf: str = Form("", max_length=100), user: PortalUser = Depends(agency_user)) -> Response:
    environment = PRODUCTION if environment == PRODUCTION else SANDBOX
    return _change_setting(  # what was typed is shown again with the error: nothing lost
        request, user, csrf, application_id, f"backchannel_{environment}",
        lambda svc: svc.agencies.set_backchannel(application_id, user.identity_id, environment,
                                                 None if mode == "off" else mode, endpoint),
        anchor="#backchannel", backchannel={"environment": environment, "mode": mode, "endpoint": endpoint})


@router.get("/agency/{application_id}/usage")
def usage(request: Request, application_id: str, user: PortalUser = Depends(agency_user)) -> Response:
    svc = services(request)
    view = svc.agencies.get(application_id, user.identity_id)
    figures = svc.agencies.usage(application_id, user.identity_id)
    th = lang_of(request) == "th"
    days = [d[8:10] + "/" + d[5:7] for d in figures.days]
    chart = stacked_bars("usage-signins", "การเข้าสู่ระบบต่อวัน" if th else "Sign-ins per day", days, [
        ("สำเร็จ" if th else "Approved", figures.approved, "series-a"),
        ("ไม่สำเร็จ" if th else "Refused or failed", figures.refused, "series-b")])
    claims = horizontal_bars("usage-claims", "ข้อมูลที่ได้รับ (ครั้ง)" if th else "Data disclosed (times)", [
        (CLAIM_LABELS[c][1 if th else 0], n) for c, n in figures.claims.items()])
    return portal_page(request, "agency_usage.html", user, context={
        "view": view, "figures": figures, "chart": chart, "claims_chart": claims})


@router.get("/agency/{application_id}/integration")
def integration(request: Request, application_id: str, user: PortalUser = Depends(agency_user)) -> Response:
    svc = services(request)
    view = svc.agencies.get(application_id, user.identity_id)
    return portal_page(request, "agency_integration.html", user, context={
        "view": view, "issuer": svc.settings.issuer,
        "client_id": view.production_client_id or view.sandbox_client_id,
        "redirect_uri": (view.form.redirect_uris or (SANDBOX_PLACEHOLDER_REDIRECT,))[0],
        "scope": " ".join(["openid", *sorted(view.granted_claims or view.form.requested_claims)])})


@router.get("/agencies/logo/{client_id}.png")
def logo(request: Request, client_id: str) -> Response:
    svc = services(request)
    data = svc.agencies.logo(client_id[:64])
    if data is None:
        client = svc.clients.get(client_id[:64])
        if client is None:
            return Response(status_code=404)
        data = monogram_logo(client.name_th or client.name_en)
    return Response(data, media_type="image/png", headers={"Cache-Control": "public, max-age=3600"})
