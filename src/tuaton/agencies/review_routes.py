"""The operators' review queue: approve or reject agencies' applications, claim by claim."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from tuaton.agencies.application import REQUESTABLE_CLAIMS
from tuaton.errors import DomainError
from tuaton.officers.service import OfficerView
from tuaton.oidc.claims import CLAIM_LABELS
from tuaton.portal.sessions import PortalUser
from tuaton.portal.web import bilingual, current_operator, lang_of, portal_page
from tuaton.web_support import services

router = APIRouter(prefix="/console/reviews", tags=["operators' console"], include_in_schema=False)


@router.get("")
def queue(request: Request, decided: str = "", mailed: str = "",
          operator: tuple[PortalUser, OfficerView] = Depends(current_operator)) -> Response:
    svc = services(request)
    notice = _decided_notice(svc, decided[:64])
    if notice is not None:
        notice = {"th": notice["th"] + (" แจ้งผลทางอีเมลแล้ว" if mailed == "1" else
                                        " (ส่งอีเมลแจ้งผลไม่ได้ หน่วยงานเห็นผลในพอร์ทัล)"),
                  "en": notice["en"] + (" The outcome was e-mailed." if mailed == "1" else
                                        " (The outcome could not be e-mailed; the agency sees it in the portal.)")}
    return portal_page(request, "console_reviews.html", operator[0], context={
        "operator": operator[1], "queue": svc.agencies.queue(), "notice": notice})


def _decided_notice(svc, application_id: str) -> dict | None:
    """What the operator just decided, said back (GOV.UK's confirmation pattern)."""
    if not application_id:
        return None
    try:
        view, _ = svc.agencies.for_review(application_id)
    except DomainError:
        return None
    th, en = view.title_in("th"), view.title_in("en")
    if view.status == "approved":
        return {"th": f"อนุมัติ “{th}” แล้ว หน่วยงานเห็นข้อมูลรับรองสำหรับใช้งานจริงในพอร์ทัลของหน่วยงาน",
                "en": f"“{en}” approved: the agency finds its production credentials in the agency portal."}
    if view.status == "rejected":
        return {"th": f"ไม่อนุมัติ “{th}” หน่วยงานเห็นเหตุผลในพอร์ทัลของหน่วยงาน",
                "en": f"“{en}” rejected: the agency sees your reason in the agency portal."}
    return None


def _review_page(request: Request, operator: tuple[PortalUser, OfficerView], application_id: str, *,
                 status: int = 200, error: DomainError | None = None) -> Response:
    view, history = services(request).agencies.for_review(application_id)
    claims = [(c, CLAIM_LABELS[c][1], CLAIM_LABELS[c][0], view.form.requested_claims[c])
              for c in REQUESTABLE_CLAIMS if c in view.form.requested_claims]
    authority = services(request).organisations.authority(view.form.org_identifier, view.owner_identity_id)
    return portal_page(request, "console_review.html", operator[0], status_code=status, context={
        "operator": operator[1], "view": view, "history": history, "claims": claims, "authority": authority,
        "error": bilingual(error) if error else None})


@router.get("/{application_id}")
def review(request: Request, application_id: str,
           operator: tuple[PortalUser, OfficerView] = Depends(current_operator)) -> Response:
    return _review_page(request, operator, application_id)


@router.post("/{application_id}")
async def decide(request: Request, application_id: str,
                 operator: tuple[PortalUser, OfficerView] = Depends(current_operator)) -> Response:
    user, officer = operator
    form = await request.form(max_files=0, max_fields=100)
    user.check_csrf(form.get("csrf"))
    reason = form.get("reason", "")
    granted = {c for c in form.getlist("grant") if isinstance(c, str)}
    agencies = services(request).agencies
    try:
        view = agencies.decide(application_id, officer, approve=form.get("decision") == "approve",
                               reason=reason if isinstance(reason, str) else "", granted=granted)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _review_page(request, operator, application_id, status=exc.status, error=exc)
    mailed = await run_in_threadpool(agencies.notify_decision, view)
    return RedirectResponse(f"/console/reviews?lang={lang_of(request)}&decided={application_id}"
                            f"&mailed={'1' if mailed else '0'}", status_code=303)
