"""The programme office's reports, from one dated snapshot, as PDF (WeasyPrint, Thai fonts from
Debian's fonts-thai-tlwg) and Excel (openpyxl):

- **cabinet** — the report OPDC gives the Cabinet every 60 days: the digital-ID KPI against its
  targets, the Cabinet's four groups, the central platforms, and every ministry's figures;
- **quarterly** — services due to link in FY2569 (group 2), per agency, for the quarterly report the
  Cabinet's resolution of 4 June 2568 asks agencies for (Excel lists every service).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

from tuaton.i18n import buddhist_date
from tuaton.programme.catalogue import DUE_FISCAL_YEAR, GROUPS, PLATFORMS, words

REPORTS = ("cabinet", "quarterly")
TITLES = {
    "cabinet": ("Report to the Cabinet: e-Services and the digital ID",
                "รายงานคณะรัฐมนตรี: งานบริการ e-Service และการเชื่อมโยงตัวตนดิจิทัล"),
    "quarterly": (f"Quarterly report: services due in FY{DUE_FISCAL_YEAR}",
                  f"รายงานรายไตรมาส: งานบริการที่ต้องเชื่อมโยงในปีงบประมาณ {DUE_FISCAL_YEAR}"),
}


def _due_by_agency(figures: dict, due_views) -> list[dict]:
    """Services due in FY2569 per agency: from the snapshot (as it stood that day); a snapshot
    taken before it kept them is counted from the catalogue as it stands."""
    if "due" in figures:
        return sorted(({"code": code, **row} for code, row in figures["due"].items()),
                      key=lambda r: (-r["due"], r["code"]))
    rows: dict[str, dict] = {}
    for v in due_views:
        r = v.record
        if r.group != "2" or r.platform_status not in ("not_linked", "planned"):
            continue
        row = rows.setdefault(v.organisation.code, {"code": v.organisation.code, "name_th": v.organisation.name_th,
                                                    "name_en": v.organisation.name_en, "due": 0,
                                                    "modes": defaultdict(int)})
        row["due"] += 1
        row["modes"][r.development_mode or "-"] += 1
    return sorted(rows.values(), key=lambda r: (-r["due"], r["code"]))


def _share(linked: int, total: int) -> str:
    return f"{linked / total:.1%}" if total else "—"


def render(report: str, file_format: str, day: str, figures: dict, due_views, lang: str) -> bytes:
    summary = figures["summary"]
    due = _due_by_agency(figures, due_views) if report == "quarterly" else []
    if file_format == "xlsx":
        return _excel(report, day, summary, due, due_views)
    return _pdf(report, day, summary, due, lang)


def _pdf(report: str, day: str, summary: dict, due: list[dict], lang: str) -> bytes:
    from weasyprint import HTML

    from tuaton.web_support import TEMPLATES

    th = lang == "th"
    date = buddhist_date(dt.date.fromisoformat(day)) if th else f"{dt.date.fromisoformat(day):%-d %B %Y}"
    html = TEMPLATES.env.get_template("programme_report.html").render(
        lang=lang, report=report, title=TITLES[report][1 if th else 0], other_title=TITLES[report][0 if th else 1],
        date=date, day=day, s=summary, due=due, words=words, groups=GROUPS, platforms=PLATFORMS,
        share=_share, due_year=DUE_FISCAL_YEAR)
    return HTML(string=html).write_pdf()


def _excel(report: str, day: str, summary: dict, due: list[dict], due_views) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Summary"
    bold = Font(bold=True)
    sheet.append([TITLES[report][1]])
    sheet.append([TITLES[report][0]])
    sheet.append(["ข้อมูล ณ / As of", day])
    sheet["A1"].font = bold
    sheet.append([])
    for label, value in (("จำนวนหน่วยงาน / Agencies", summary["agencies"]),
                         ("จำนวนกระบวนงาน / Services", summary["services"]),
                         ("เป็น e-Service / e-Services", summary["eservices"]),
                         ("เชื่อมโยงตัวตนดิจิทัล / Linked to the digital ID", summary["eservices_linked"]),
                         ("สัดส่วน / Share", summary["linked_share"] or 0)):
        sheet.append([label, value])
    sheet.append([])
    sheet.append(["กลุ่ม / Group", "จำนวน / Services"])
    for group, n in sorted(summary["groups"].items()):
        sheet.append([GROUPS[group][1], n])
    if report == "cabinet":
        ministries = book.create_sheet("Ministries")
        ministries.append(["code", "กระทรวง", "Ministry", "e-Services", "linked", "share"])
        for code, m in summary["ministries"].items():
            ministries.append([code, m["name_th"], m["name_en"], m["eservices"], m["linked"],
                               m["linked"] / m["eservices"] if m["eservices"] else None])
    else:
        agencies = book.create_sheet("Agencies")
        agencies.append(["code", "หน่วยงาน", "Agency", f"due in FY{DUE_FISCAL_YEAR}", "link only", "develop and link",
                         "improve and link"])
        for row in due:
            agencies.append([row["code"], row["name_th"], row["name_en"], row["due"], row["modes"].get("link_only", 0),
                             row["modes"].get("develop_and_link", 0), row["modes"].get("improve_and_link", 0)])
        # Every service due, as the catalogue stands when the workbook is made.
        listing = book.create_sheet("Services (today)")
        listing.append(["service_code", "organisation_code", "name_th", "platform_status", "development_mode",
                        "budget_source"])
        for v in due_views:
            r = v.record
            if r.group == "2" and r.platform_status in ("not_linked", "planned"):
                listing.append([r.service_code, r.organisation_code, r.name_th, r.platform_status,
                                r.development_mode, r.budget_source])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
