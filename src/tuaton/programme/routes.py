"""The programme office's pages (``/programme``): the national dashboard of government e-Services and
their digital-ID link, a page per agency, the catalogue's import and export, and the reports.

Every page needs a signed-in programme-office officer or administrator
(:meth:`Officers.programme_officer`), checked on every request."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from tuaton.errors import CatalogueImportRefused, InvalidInput
from tuaton.officers.service import OfficerView
from tuaton.portal.charts import horizontal_bars, stacked_bars
from tuaton.portal.sessions import PortalUser
from tuaton.portal.web import bilingual, current_user, lang_of, portal_page
from tuaton.programme import reports
from tuaton.programme.catalogue import DUE_FISCAL_YEAR, VOCABULARIES, words
from tuaton.programme.service import FILTERS, LINK_STATES, Filters
from tuaton.web_support import NO_STORE, services

router = APIRouter(prefix="/programme", tags=["programme office"], include_in_schema=False)
ProgrammeOfficer = tuple[PortalUser, OfficerView]
MAX_UPLOAD = 20 * 1024 * 1024


def current_programme_officer(request: Request) -> ProgrammeOfficer:
    user = current_user(request)
    return user, services(request).officers.programme_officer(pid=user.pid, officer_id=user.officer_id)


def _filters(request: Request) -> Filters:
    q = request.query_params
    values = {name: q.get(name, "").strip()[:40] for name in FILTERS}
    for name, vocabulary in (("organisation_type", "organisation_type"), ("level", "level"),
                             ("platform", "platform"), ("platform_status", "platform_status"), ("group", "group"),
                             ("development_mode", "development_mode"), ("budget_source", "budget_source"),
                             ("reason", "reason")):
        if values[name] and values[name] not in VOCABULARIES[vocabulary]:
            raise InvalidInput(f"{name} '{values[name]}' is not one of: {', '.join(VOCABULARIES[vocabulary])}.",
                               f"ตัวกรอง {name} ไม่ถูกต้อง", field=name)
    if values["link"] not in ("", "linked", "not_linked"):
        raise InvalidInput("link is 'linked' or 'not_linked'.", "ตัวกรอง link ไม่ถูกต้อง", field="link")
    return Filters(**values)


def _bars(chart_id: str, title: str, counts: dict[str, int], vocabulary: str, lang: str):
    return horizontal_bars(chart_id, title, [(words(vocabulary, k, lang), n) for k, n in counts.items()])


@router.get("")
def dashboard(request: Request, officer: ProgrammeOfficer = Depends(current_programme_officer)) -> Response:
    svc = services(request).programme
    lang = lang_of(request)
    th = lang == "th"
    filters = _filters(request)
    svc.take_snapshot()                 # the day's snapshot, if no one has taken it yet
    summary = svc.summary(filters)
    series = svc.series(agency=filters.agency or None)
    days = [d[8:10] + "/" + d[5:7] for d, _, _ in series]
    charts = {
        "groups": _bars("chart-groups", "กลุ่มสถานะการเชื่อมโยง" if th else "Groups", summary.groups, "group", lang),
        "platforms": _bars("chart-platforms", "กลุ่ม 1 ตามแพลตฟอร์มกลาง" if th else "Group 1 by central platform",
                           summary.group1_platforms, "platform", lang),
        "levels": _bars("chart-levels", "ระดับ e-Service" if th else "e-Service levels", summary.levels, "level", lang),
        "modes": _bars("chart-modes", "รูปแบบการพัฒนาและเชื่อมโยง (กลุ่ม 2)" if th else
                       "Development mode (group 2)", summary.development_modes, "development_mode", lang),
        "budgets": _bars("chart-budgets", "แหล่งงบประมาณ (กลุ่ม 2)" if th else "Budget source (group 2)",
                         summary.budget_sources, "budget_source", lang),
        "reasons": _bars("chart-reasons", "เหตุผลที่ไม่พัฒนา/เชื่อมโยง" if th else "Why not developed or linked",
                         summary.reasons, "reason", lang),
        "link_states": horizontal_bars("chart-link-states", "สถานะการเชื่อมโยงตัวตนดิจิทัล" if th else
                                       "Digital-ID link of e-Services",
                                       [(LINK_STATES[k][1 if th else 0], n) for k, n in summary.link_states.items()]),
        "series": stacked_bars("chart-series", "e-Service ที่เชื่อมโยงตัวตนดิจิทัล ตามวัน" if th else
                               "e-Services linked to the digital ID, by day", days, [
                                   ("เชื่อมโยงแล้ว" if th else "Linked", [x for _, _, x in series], "series-a"),
                                   ("ยังไม่เชื่อมโยง" if th else "Not linked", [e - x for _, e, x in series],
                                    "series-b")]),
    }
    ministries = sorted(svc.organisations(), key=lambda o: o.name_th)
    return portal_page(request, "programme_dashboard.html", officer[0], context={
        "officer": officer[1], "summary": summary, "charts": charts, "filters": filters,
        "query": request.url.query, "words": words, "vocabularies": VOCABULARIES,
        "ministries": [o for o in ministries if o.organisation_type == "ministry"],
        "agencies": [o for o in ministries if o.organisation_type != "ministry"
                     and (not filters.ministry or o.parent_code == filters.ministry)],
        "due_year": DUE_FISCAL_YEAR, "usage": svc.usage(services(request).grants),
        "link_states": LINK_STATES, "signed_up": services(request).dashboard.figures().active_identities,
        "population": services(request).registry.population()})


@router.get("/agencies/{code}")
def agency(request: Request, code: str, officer: ProgrammeOfficer = Depends(current_programme_officer)) -> Response:
    svc = services(request).programme
    organisation = svc.organisation(code)
    views = svc.services(Filters(agency=code))
    summary = svc.summary(views=views)
    parent = svc.organisation(organisation.parent_code) if organisation.parent_code else None
    return portal_page(request, "programme_agency.html", officer[0], context={
        "officer": officer[1], "organisation": organisation, "parent": parent, "services": views,
        "summary": summary, "words": words, "link_states": LINK_STATES, "reminders": svc.reminders(code),
        "usage": svc.usage(services(request).grants, code), "series": svc.series(agency=code)[-30:]})


@router.get("/export.{file_format}")
def export(request: Request, file_format: str, officer: ProgrammeOfficer = Depends(current_programme_officer)
           ) -> Response:
    if file_format not in ("csv", "xlsx"):
        raise InvalidInput("The export is .csv or .xlsx.", "ส่งออกได้เป็น .csv หรือ .xlsx เท่านั้น", field="format")
    data = services(request).programme.export(file_format, _filters(request))
    media = "text/csv; charset=utf-8" if file_format == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, media_type=media, headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="tuaton-services.{file_format}"'})


@router.get("/import")
def import_form(request: Request, officer: ProgrammeOfficer = Depends(current_programme_officer)) -> Response:
    return portal_page(request, "programme_import.html", officer[0], context={"officer": officer[1]})


@router.post("/import")
async def import_file(request: Request, file: UploadFile = File(...), csrf: str = Form("", max_length=100),
                      officer: ProgrammeOfficer = Depends(current_programme_officer)) -> Response:
    user, programme_officer = officer
    user.check_csrf(csrf)
    data = await file.read(MAX_UPLOAD + 1)
    try:
        result = await run_in_threadpool(services(request).programme.import_file, data, file.filename or "upload.csv",
                                         by=f"officer:{programme_officer.username}")
    except CatalogueImportRefused as exc:
        return portal_page(request, "programme_import.html", user, status_code=exc.status, context={
            "officer": programme_officer, "error": bilingual(exc), "rows": exc.extra.get("rows", [])})
    return portal_page(request, "programme_import.html", user, context={"officer": programme_officer,
                                                                        "result": result})


@router.get("/reports/{report}.{file_format}")
def report(request: Request, report: str, file_format: str, day: str = "",
           officer: ProgrammeOfficer = Depends(current_programme_officer)) -> Response:
    """The 60-day Cabinet report or the quarterly report, from a dated snapshot (the latest by default)."""
    if report not in reports.REPORTS or file_format not in ("pdf", "xlsx"):
        raise InvalidInput("Reports are cabinet or quarterly, as .pdf or .xlsx.",
                           "รายงานมีสองแบบ (cabinet, quarterly) เป็น .pdf หรือ .xlsx", field="report")
    svc = services(request).programme
    snapshot_day, figures = svc.snapshot(day or None)
    due = svc.services(Filters(group="2")) if report == "quarterly" else []
    data = reports.render(report, file_format, snapshot_day, figures, due, lang_of(request))
    media = "application/pdf" if file_format == "pdf" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, media_type=media, headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="tuaton-{report}-{snapshot_day}.{file_format}"'})


@router.post("/reminders")
async def remind(request: Request, csrf: str = Form("", max_length=100),
                 officer: ProgrammeOfficer = Depends(current_programme_officer)) -> Response:
    officer[0].check_csrf(csrf)
    # No mail server, or one that refuses: the error page says so (503), and nothing is recorded.
    sent = await run_in_threadpool(services(request).programme.send_reminders)
    return RedirectResponse(f"/programme?lang={lang_of(request)}&reminded={len(sent)}", status_code=303)
