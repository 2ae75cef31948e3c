"""The programme office: the synthetic catalogue adds up to seed 004's figures; the digital-ID link is
derived from real sign-ins; files go out and come back unchanged, and a bad file changes nothing;
daily snapshots make the KPI's series; the reports carry the figures; reminders arrive by e-mail;
citizens rate sign-ins once; only the programme office and operators see the pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys

import pytest
from sqlalchemy import func, select, update

from tests.conftest import ADMIN_PASSWORD, PASSCODE, console_sign_in, csrf_of, signed_in_code
from tuaton.appclient.client import AppError
from tuaton.audit.models import AuditEvent
from tuaton.errors import CatalogueImportRefused, MailUnavailable
from tuaton.mail import SmtpMailer
from tuaton.programme.models import ServiceProcess
from tuaton.programme.service import Filters, Programme
from tuaton.programme.synthetic import catalogue

SEED_004 = {
    "agencies": 201, "services": 5146, "eservices": 3491, "not_eservices": 1655,
    "groups": {"1": 944, "2": 2899, "3": 326, "4": 977},
    "group1_platforms": {"biz_portal": 271, "citizen_portal": 479, "thai_nsw": 194},
    "development_modes": {"link_only": 1424, "develop_and_link": 949, "improve_and_link": 526},
    "budget_sources": {"fy_budget": 962, "central_budget": 737, "no_budget": 488, "other": 248, "burapha": 134,
                       "carried_over": 32},
    "reasons": {"other": 577, "few_users": 480, "foreign_users": 152, "exempt_section_7": 72, "confidential": 19,
                "discontinued": 4},
}


def assert_seed_004(summary: dict) -> None:
    for key, expected in SEED_004.items():
        assert summary[key] == expected, key
    statuses = summary["platform_statuses"]
    assert statuses["linked"]["biz_portal"] == 267 and statuses["awaiting_launch"]["biz_portal"] == 4
    assert statuses["linked"]["citizen_portal"] == 479
    assert statuses["linked"]["thai_nsw"] == 149 and statuses["planned"]["thai_nsw"] == 45
    assert statuses["not_linked"] == {"none": 2526} and statuses["after_2569"] == {"none": 293}


@pytest.fixture
def programme(services) -> Programme:
    """The national catalogue, loaded once per database (loading again changes nothing)."""
    with services.database.reading() as session:
        count = session.execute(select(func.count()).select_from(ServiceProcess)).scalar_one()
    if count != 5146:
        organisations, records = catalogue()
        services.programme.load(organisations, records, by="test", source="synthetic")
    with services.database.transaction() as session:
        session.execute(update(ServiceProcess).values(client_id=None))
    return services.programme


def test_the_cli_prints_seed_004s_national_figures(tmp_path):
    env = {**os.environ, "TUATON_DATABASE_URL": f"sqlite:///{tmp_path}/programme.db"}
    run = [sys.executable, "-m", "tuaton.cli", "programme"]
    seeded = subprocess.run([*run, "seed"], env=env, capture_output=True, text=True, timeout=120)
    assert seeded.returncode == 0 and "5146 added" in seeded.stderr, seeded.stderr
    again = subprocess.run([*run, "seed"], env=env, capture_output=True, text=True, timeout=120)
    assert "0 added, 0 changed, 5146 unchanged" in again.stderr
    summary = json.loads(subprocess.run([*run, "summary", "--json"], env=env, capture_output=True, text=True,
                                        timeout=120, check=True).stdout)
    assert_seed_004(summary)
    assert summary["eservices_linked"] == 0 and summary["linked_share"] == 0
    assert [t["year_be"] for t in summary["targets"]] == [2567, 2568]


def test_the_service_counts_the_same_and_filters_cut_it(programme):
    assert_seed_004(programme.summary().to_json())
    group1 = programme.summary(Filters(group="1"))
    assert group1.services == 944 and group1.eservices == 944
    bma = programme.summary(Filters(agency="BMA"))
    assert bma.services == 96 and bma.agencies == 1
    interior = programme.summary(Filters(ministry="MOI"))
    assert interior.agencies > 100 and set(interior.ministries) == {"MOI"}


def test_the_digital_id_link_is_derived_from_real_sign_ins(programme, services, http, app_client, device, agency):
    code = next(v.record.service_code for v in programme.services(Filters(agency="DOPA")) if v.record.is_eservice)
    assert _link(programme, code) == "no_client"
    programme.update_service(code, {"client_id": agency.client_id}, by="test")
    assert _link(programme, code) == "no_recent_signins"          # bound, but nobody has signed in yet
    signed_in_code(http, app_client, device, agency)
    assert _link(programme, code) == "linked"
    assert programme.summary().eservices_linked == 1
    assert programme.summary(Filters(link="linked")).services == 1
    sandbox = services.clients.create(name_en="Sandbox", redirect_uris=["https://x.example.go.th/cb"],
                                      scopes=["openid"], environment="sandbox").client.client_id
    programme.update_service(code, {"client_id": sandbox}, by="test")
    assert _link(programme, code) == "sandbox_client"
    programme.update_service(code, {"client_id": "no-such-client"}, by="test")
    assert _link(programme, code) == "client_unknown"
    with services.database.reading() as session:
        changes = session.execute(select(AuditEvent.details).where(
            AuditEvent.kind == "programme.service_changed")).scalars().all()
    assert any(c["changes"].get("client_id") == [None, agency.client_id] for c in changes)


def _link(programme: Programme, code: str) -> str:
    return next(v.link for v in programme.services(Filters(agency=code.split("-")[0])) if v.record.service_code == code)


def test_csv_and_excel_go_out_and_come_back_unchanged(programme):
    for file_format in ("csv", "xlsx"):
        data = programme.export(file_format, Filters(agency="PATTAYA"))
        result = programme.import_file(data, f"pattaya.{file_format}", by="test")
        assert (result.added, result.changed, result.unchanged) == (0, 0, 3), file_format
    everything = programme.export("csv")
    rows = list(csv.reader(io.StringIO(everything.decode("utf-8-sig"))))
    assert len(rows) == 5147 and rows[0][:3] == ["service_code", "organisation_code", "name_th"]


def test_an_edited_file_changes_what_it_says_and_is_audited(programme, services):
    data = programme.export("csv", Filters(agency="PATTAYA")).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    first = rows[1]
    original = first[3]
    first[3] = "Edited English name"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    result = programme.import_file(out.getvalue().encode(), "edit.csv", by="officer:somchai")
    assert (result.changed, result.unchanged) == (1, 2)
    assert next(v for v in programme.services(Filters(agency="PATTAYA"))
                if v.record.service_code == first[0]).record.name_en == "Edited English name"
    first[3] = original
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    programme.import_file(out.getvalue().encode(), "undo.csv", by="officer:somchai")
    with services.database.reading() as session:
        event = session.execute(select(AuditEvent.details).where(
            AuditEvent.kind == "programme.catalogue_imported").order_by(AuditEvent.seq.desc())).scalars().first()
    assert event["by"] == "officer:somchai" and event["changed_services"] == [first[0]]


def test_a_file_with_a_bad_row_changes_nothing_and_names_every_bad_row(programme):
    data = programme.export("csv", Filters(agency="PATTAYA")).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    rows[1][3] = "Should not be written"
    rows[2][7] = "9"                       # no group 9
    rows[3][8] = "Facebook"                 # not a central platform
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    with pytest.raises(CatalogueImportRefused) as refused:
        programme.import_file(out.getvalue().encode(), "bad.csv", by="test")
    assert [(r["row"], r["column"]) for r in refused.value.extra["rows"]] == [(3, "group"), (4, "platform")]
    assert all(v.record.name_en != "Should not be written" for v in programme.services(Filters(agency="PATTAYA")))
    with pytest.raises(CatalogueImportRefused, match="not an Excel workbook"):
        programme.import_file(b"PK\x03\x04 not really a zip", "x.xlsx", by="test")
    with pytest.raises(CatalogueImportRefused, match="UTF-8"):
        programme.import_file("รหัส".encode("tis-620"), "x.csv", by="test")


def test_daily_snapshots_make_the_kpi_series(programme, services):
    assert programme.take_snapshot("2026-11-01") is True
    assert programme.take_snapshot("2026-11-01") is False            # once a day
    with services.database.transaction() as session:
        session.execute(update(ServiceProcess).where(ServiceProcess.service_code == "BMA-0001").values(
            client_id="anything"))
    programme.take_snapshot("2026-11-02")
    series = programme.series()
    assert [day for day, _, _ in series] == ["2026-11-01", "2026-11-02"]
    assert all(e == 3491 for _, e, _ in series)
    assert programme.series(agency="BMA")[0][0] == "2026-11-01"


def test_the_reports_carry_the_snapshot_figures(programme, services):
    from pypdf import PdfReader

    from tuaton.programme import reports

    programme.take_snapshot("2026-11-03")
    day, figures = programme.snapshot("2026-11-03")
    pdf = reports.render("cabinet", "pdf", day, figures, [], "th")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert pdf.startswith(b"%PDF") and "5,146" in text and "3,491" in text and "2569" in text
    quarterly = reports.render("quarterly", "pdf", day, figures, programme.services(Filters(group="2")), "en")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(quarterly)).pages)
    assert "Services due in FY2569" in text and f"{figures['summary']['due_this_year']:,}" in text
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(reports.render("quarterly", "xlsx", day, figures,
                                                   programme.services(Filters(group="2")), "th")))
    assert book["Services (today)"].max_row - 1 == figures["summary"]["due_this_year"]
    per_agency = [row for row in book["Agencies"].iter_rows(min_row=2, values_only=True)]
    assert sum(row[3] for row in per_agency) == figures["summary"]["due_this_year"] == sum(
        row["due"] for row in figures["due"].values())


def test_reminders_reach_agencies_behind_by_email_at_most_every_15_days(programme, services, settings,
                                                                         smtp_server):
    inbox = smtp_server
    mailer = SmtpMailer(inbox.url, "saraban@opdc.go.th")
    office = Programme(services.database, services.clients, settings, mailer)
    sent = office.send_reminders()
    assert len(sent) == len(inbox.messages) > 150
    bma = next(m for m in inbox.messages if m["To"] == "saraban@bangkok.go.th")
    body = bma.get_body(("plain",)).get_content()
    assert "กรุงเทพมหานคร" in body and "Bangkok Metropolitan Administration" in body
    attachment = next(bma.iter_attachments())
    listed = list(csv.reader(io.StringIO(attachment.get_content().lstrip("\ufeff"))))
    assert len(listed) - 1 == next(r.services_behind for r in sent if r.organisation.code == "BMA")
    assert office.send_reminders() == []                                   # not again within 15 days
    later = office.send_reminders(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=16))
    assert len(later) == len(sent)
    assert office.reminders("BMA")[0][1] == "saraban@bangkok.go.th"


def test_a_mail_server_that_is_down_gives_a_clear_error_and_records_nothing(programme, services, settings):
    office = Programme(services.database, services.clients, settings, SmtpMailer("smtp://127.0.0.1:9", "a@b.go.th"))
    with pytest.raises(MailUnavailable, match="did not take the message"):
        office.send_reminders()
    assert office.reminders("BMA") == []


def test_a_citizen_rates_a_sign_in_once_and_it_counts(programme, services, http, app_client, device, agency,
                                                      personas):
    code = next(v.record.service_code for v in programme.services(Filters(agency="PATTAYA")) if v.record.is_eservice)
    programme.update_service(code, {"client_id": agency.client_id}, by="test")
    signin = _approve(http, app_client, device, agency)
    assert app_client.rate(signin, device, service=5, tuaton=4, comment="เร็วดี") == {"rated": True}
    with pytest.raises(AppError) as again:
        app_client.rate(signin, device, service=1)
    assert again.value.status == 409 and again.value.problem["type"].endswith("rating-refused")
    other = _approve(http, app_client, device, agency)
    with pytest.raises(AppError) as bad:
        app_client.rate(other, device, service=9)
    assert bad.value.status == 422
    with pytest.raises(AppError) as nothing:
        app_client.rate(other, device)
    assert nothing.value.status == 422
    with pytest.raises(AppError) as unknown:
        app_client.rate("not-a-sign-in-of-mine", device, service=3)
    assert unknown.value.status == 409
    usage = programme.usage(services.grants, "PATTAYA")
    assert (usage.signins, usage.unique_citizens, usage.returning_citizens) == (2, 1, 1)
    assert (usage.ratings, usage.satisfaction, usage.service_mean) == (1, 1.0, 5.0)


def _approve(http, app_client, device, agency) -> str:
    from tests.conftest import start_signin
    page = start_signin(http, agency)
    return app_client.decide(page.payload, device, PASSCODE, number=page.number)["signin_id"]


# -- the pages -------------------------------------------------------------------------------
@pytest.fixture
def programme_browser(new_browser, services, programme):
    services.officers.create("root", "Root Administrator", "0000", "administrator", ADMIN_PASSWORD, bootstrap=True)
    browser = new_browser()
    assert console_sign_in(browser).status_code == 303
    return browser


def test_only_the_programme_office_and_operators_see_the_pages(http, app_client, device, persona, services,
                                                               programme):
    assert http.get("/programme", follow_redirects=False).headers["location"].startswith("/portal/signin")
    from tests.conftest import portal_sign_in
    portal_sign_in(http, app_client, device, "/programme")
    refused = http.get("/programme")
    assert refused.status_code == 403 and "programme office" in refused.text
    assert http.get("/programme/export.csv").status_code == 403
    services.officers.create("malee", "Malee (OPDC)", "OPDC", "programme_office", "programme password 1",
                             pid=persona["pid"])
    page = http.get("/programme?lang=en")
    assert page.status_code == 200 and 'id="kpi-services">5,146<' in page.text


def test_the_dashboard_shows_the_figures_and_filters(programme_browser):
    page = programme_browser.get("/programme?lang=th")
    assert page.status_code == 200
    assert 'id="kpi-services">5,146<' in page.text and 'id="kpi-eservices">3,491<' in page.text
    assert "ทางรัฐ" in page.text and "กลุ่ม 2 มีแผนเชื่อมโยง" in page.text and "ข้อมูล ณ" in page.text
    assert re.search(r'id="usage-signup">[0-9.]+%<', page.text)
    filtered = programme_browser.get("/programme", params={"group": "3", "lang": "en"})
    assert 'id="kpi-services">326<' in filtered.text
    bad = programme_browser.get("/programme", params={"platform": "facebook"})
    assert bad.status_code == 422
    agency = programme_browser.get("/programme/agencies/BMA?lang=en")
    assert agency.status_code == 200 and 'id="agency-services">96<' in agency.text
    assert "No Tuaton client is bound to it" in agency.text
    assert programme_browser.get("/programme/agencies/NOPE").status_code == 404


def test_the_pages_export_import_and_report(programme_browser):
    exported = programme_browser.get("/programme/export.xlsx", params={"agency": "PATTAYA"})
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    form = programme_browser.get("/programme/import")
    imported = programme_browser.post("/programme/import", data={"csrf": csrf_of(form.text)},
                                      files={"file": ("pattaya.xlsx", exported.content)})
    assert imported.status_code == 200 and 'id="import-result"' in imported.text
    forged = programme_browser.post("/programme/import", data={"csrf": "forged"},
                                    files={"file": ("pattaya.xlsx", exported.content)})
    assert forged.status_code == 403
    broken = programme_browser.post("/programme/import", data={"csrf": csrf_of(form.text)},
                                    files={"file": ("x.csv", b"service_code,organisation_code,name_th,group\n"
                                                             b"X-1,NOPE,name,2\n")})
    assert broken.status_code == 422 and "NOPE" in broken.text
    pdf = programme_browser.get("/programme/reports/cabinet.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert programme_browser.get("/programme/reports/secret.pdf").status_code == 422


def test_sending_reminders_without_a_mail_server_says_so(programme_browser):
    form = programme_browser.get("/programme")
    answer = programme_browser.post("/programme/reminders", data={"csrf": csrf_of(form.text)})
    assert answer.status_code == 503 and "TUATON_SMTP_URL" in answer.text
