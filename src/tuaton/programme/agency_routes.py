"""An agency's own services in the programme catalogue, in the agency portal (``/agency/services``).

Who may edit an agency's services: the owner or a developer of the organisation registered under the
agency's catalogue code, once its authority is proven (a verified central e-mail and a permission
letter: organisations/service.py). They bind a service only to one of the organisation's production
clients; the programme office edits any service. Every change is audited
(``programme.service_changed``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from tuaton.agencies.routes import agency_user
from tuaton.errors import DomainError, InvalidInput, NotFound
from tuaton.portal.sessions import PortalUser
from tuaton.portal.web import bilingual, lang_of, portal_page
from tuaton.programme.catalogue import VOCABULARIES, CatalogueRowError, code_of, words
from tuaton.programme.service import LINK_STATES, Filters
from tuaton.web_support import services

router = APIRouter(tags=["agency portal"], include_in_schema=False)
EDITABLE = ("is_eservice", "level", "system_name", "platform", "platform_status", "development_mode",
            "budget_source", "reason", "client_id", "minutes_before", "minutes_after")


def _authority(request: Request, user: PortalUser) -> tuple[list, dict[str, str]]:
    """The catalogue organisations this person speaks for (owner or developer, authority proven), and
    those organisations' production clients {client_id: e-Service name}."""
    svc = services(request)
    codes = {org.code for org, role in svc.organisations.mine(user.identity_id)
             if role in ("owner", "developer") and svc.organisations.authority(org.code).proven}
    organisations = [o for o in svc.programme.organisations() if o.code in codes]
    clients = {a.production_client_id: a.title_in(lang_of(request)) for a in svc.agencies.mine(user.identity_id)
               if a.production_client_id and a.form.org_identifier in codes}
    return organisations, clients


@router.get("/agency/services")
def my_services(request: Request, user: PortalUser = Depends(agency_user)) -> Response:
    organisations, clients = _authority(request, user)
    programme = services(request).programme
    listing = {o.code: programme.services(Filters(agency=o.code)) for o in organisations}
    return portal_page(request, "agency_services.html", user, context={
        "organisations": organisations, "listing": listing, "clients": clients, "words": words,
        "link_states": LINK_STATES})


def _editable(request: Request, user: PortalUser, service_code: str):
    organisations, clients = _authority(request, user)
    for organisation in organisations:
        for view in services(request).programme.services(Filters(agency=organisation.code)):
            if view.record.service_code == service_code:
                return view, clients
    raise NotFound("There is no such service among your agency's.", "ไม่พบกระบวนงานนี้ในหน่วยงานของท่าน")


def _edit_page(request: Request, user: PortalUser, view, clients, *, status: int = 200, error=None) -> Response:
    return portal_page(request, "agency_service_edit.html", user, status_code=status, context={
        "view": view, "clients": clients, "words": words, "vocabularies": VOCABULARIES, "link_states": LINK_STATES,
        "error": bilingual(error) if error else None, "field": getattr(error, "extra", {}).get("field")})


@router.get("/agency/services/{service_code}")
def edit_service(request: Request, service_code: str, user: PortalUser = Depends(agency_user)) -> Response:
    view, clients = _editable(request, user, service_code)
    return _edit_page(request, user, view, clients)


@router.post("/agency/services/{service_code}")
async def save_service(request: Request, service_code: str, user: PortalUser = Depends(agency_user)) -> Response:
    form = await request.form(max_files=0, max_fields=40)
    user.check_csrf(form.get("csrf"))
    view, clients = _editable(request, user, service_code)
    text = {name: str(form.get(name, "")).strip() for name in EDITABLE}
    try:
        changes: dict = {"is_eservice": text["is_eservice"] == "yes", "system_name": text["system_name"][:200]}
        for name in ("level", "platform", "platform_status", "development_mode", "budget_source", "reason"):
            changes[name] = code_of(name, text[name], name)
        for name in ("minutes_before", "minutes_after"):
            if text[name] and not (text[name].isascii() and text[name].isdigit() and len(text[name]) <= 7):
                raise InvalidInput("Minutes are a whole number.", "จำนวนนาทีต้องเป็นจำนวนเต็ม", field=name)
            changes[name] = int(text[name]) if text[name] else None
        client_id = text["client_id"] or None
        if client_id is not None and client_id not in clients:
            raise InvalidInput("Bind a service only to one of your own production clients.",
                               "ผูกกระบวนงานได้เฉพาะกับ client ใช้งานจริงของหน่วยงานท่านเท่านั้น", field="client_id")
        changes["client_id"] = client_id
        services(request).programme.update_service(service_code, changes, by=f"agency:{user.identity_id}",
                                                   only_organisation=view.organisation.code)
    except CatalogueRowError as exc:
        return _edit_page(request, user, view, clients, status=422,
                          error=InvalidInput(exc.en, exc.th, field=exc.column))
    except DomainError as exc:
        return _edit_page(request, user, view, clients, status=exc.status, error=exc)
    return RedirectResponse(f"/agency/services?lang={lang_of(request)}&saved={service_code}", status_code=303)
