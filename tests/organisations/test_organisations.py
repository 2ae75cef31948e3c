"""Agencies as organisations: a government body registers from the catalogue, verifies its central
e-mail through a link that really arrives by SMTP, uploads a signed letter (only a real PDF), and
only then may an operator approve production credentials, accepting the letter with the decision;
members are invited, removed and take over; officials' positions reach only their own
organisation's back offices; staff enrolment drives are counted without names."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from tests.agencies.conftest import COMPLETE, operator  # noqa: F401 - the operator's browser
from tests.agencies.test_applications import decide
from tests.conftest import (
    PASSCODE,
    a_pdf,
    code_from,
    csrf_of,
    exchange,
    portal_sign_in,
    start_signin,
)
from tests.programme.test_programme import programme  # noqa: F401 - the catalogue (organisations come from it)
from tuaton.agencies.models import ApplicationDecision
from tuaton.appclient.client import AppClient, AppError
from tuaton.oidc.models import Grant


@pytest.fixture
def settings(base_settings, smtp_server):
    """Mail goes to a real SMTP server in this process."""
    return base_settings.model_copy(update={"smtp_url": smtp_server.url, "mail_from": "no-reply@tuaton.go.th"})


@pytest.fixture
def owner(http, app_client, device, programme):  # noqa: F811
    portal_sign_in(http, app_client, device, "/agency/organisations")
    return http


def register(browser, code: str = "DLT") -> str:
    page = browser.get("/agency/organisations")
    answer = browser.post("/agency/organisations", data={"csrf": csrf_of(page.text), "kind": "government",
                                                         "code": code}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].split("?")[0]


def post(browser, path: str, data: dict | None = None, files: dict | None = None):
    """A form post with the session's CSRF token (every portal page carries the same one)."""
    page = browser.get("/agency/organisations")
    return browser.post(path, data={"csrf": csrf_of(page.text), **(data or {})}, files=files, follow_redirects=False)


def test_an_organisation_proves_its_authority_before_production(owner, operator, smtp_server, services):  # noqa: F811
    org_page = register(owner)
    assert org_page == "/agency/organisations/DLT"
    shown = owner.get(org_page)
    assert 'id="org-name">กรมการขนส่งทางบก<' in shown.text          # the name comes from the catalogue
    assert "ยังไม่ได้ยืนยันอีเมลกลาง" in shown.text
    again = owner.post("/agency/organisations", data={"csrf": csrf_of(shown.text), "kind": "government",
                                                      "code": "DLT"})
    assert again.status_code == 422 and "ask its owner to invite you" in again.text
    unknown = owner.post("/agency/organisations", data={"csrf": csrf_of(shown.text), "kind": "government",
                                                        "code": "NOPE"})
    assert unknown.status_code == 422

    # An application in its name cannot be approved yet: the review says what is missing.
    data = {**COMPLETE, "org_identifier": "DLT", "csrf": csrf_of(owner.get("/agency/new").text)}
    app_id = re.search(r'action="/agency/([0-9a-f-]{36})"', owner.post("/agency/new", data=data).text).group(1)
    submitted = owner.post(f"/agency/{app_id}", data={**data, "action": "submit",
                                                      "csrf": csrf_of(owner.get(f"/agency/{app_id}").text)})
    assert submitted.status_code in (200, 303)
    review = operator.get(f"/console/reviews/{app_id}?lang=en")
    assert 'data-proven="no"' in review.text and "central e-mail is not verified" in review.text
    refused = decide(operator, app_id, "approve", ["pid", "name", "birthdate"])
    assert refused.status_code == 409 and "ยังไม่ได้อัปโหลดหนังสืออนุญาต" in refused.text

    # The central e-mail: the seed's wrong examples are refused; the right one gets a link by e-mail.
    for wrong in ("admin@eservice-ktb.go.th", "thungsong103@gmail.com", "saraban_06440905@dia.go.th"):
        answer = post(owner, f"{org_page}/email", {"central_email": wrong})
        assert answer.status_code == 422 and 'aria-invalid="true"' in answer.text
    assert post(owner, f"{org_page}/email", {"central_email": "saraban@dlt.go.th"}).status_code == 303
    link = smtp_server.link("saraban@dlt.go.th", r"http://testserver(/organisations/verify/[\w-]+)")
    confirm = owner.get(link)          # the link needs no sign-in (it proves the mailbox); a POST confirms
    assert confirm.status_code == 200 and 'id="confirm-email"' in confirm.text
    assert owner.post(link).status_code == 200
    assert owner.post(link).status_code == 404                       # once
    assert "ยืนยันแล้ว" in owner.get(org_page).text

    # The letter: only a real PDF of at most 5 MB, with its number, date and division.
    fields = {"letter_number": "คค 0401/2569", "letter_date": "2026-12-01", "issuing_division": "กองกลาง"}
    for bad, why in ((b"GIF89a not a pdf", "must be a PDF"), (b"%PDF-1.7 broken", "damaged"),
                     (b"%PDF-" + b"0" * (5 * 1024 * 1024), "5 MB")):
        answer = post(owner, f"{org_page}/letters", fields, {"letter": ("letter.pdf", bad, "application/pdf")})
        assert answer.status_code == 422 and why in answer.text, why
    future = post(owner, f"{org_page}/letters", {**fields, "letter_date": "2099-01-01"},
                  {"letter": ("letter.pdf", a_pdf(), "application/pdf")})
    assert future.status_code == 422
    assert post(owner, f"{org_page}/letters", fields,
                {"letter": ("หนังสือ.pdf", a_pdf(2), "application/pdf")}).status_code == 303
    history = owner.get(org_page).text
    assert "คค 0401/2569" in history and "รอพิจารณา" in history and 'id="authority-proven"' in history

    # Now the operator sees the letter and approves; the letter is accepted with the decision.
    review = operator.get(f"/console/reviews/{app_id}")
    assert 'data-proven="yes"' in review.text
    letter_link = re.search(r'href="(/console/organisations/DLT/letters/[\w-]+\.pdf)"', review.text).group(1)
    letter = operator.get(letter_link)
    assert letter.content.startswith(b"%PDF") and letter.headers["content-security-policy"] == "sandbox"
    assert owner.get(letter_link).status_code == 403                  # operators' route: not the agency's
    approved = decide(operator, app_id, "approve", ["pid", "name", "birthdate"])
    assert approved.status_code == 303 and "mailed=1" in approved.headers["location"]
    assert "รับรองแล้ว" in owner.get(org_page).text
    with services.database.reading() as session:
        kept = session.execute(select(ApplicationDecision.letter_id).where(
            ApplicationDecision.application_id == app_id)).scalar_one()
    assert kept == re.search(r"letters/([\w-]+)\.pdf", letter_link).group(1)
    outcome = smtp_server.to(COMPLETE["contact_email"])[-1]
    assert "approved" in outcome.get_body(("plain",)).get_content()


def test_members_are_invited_removed_and_take_over(owner, new_browser, app_client, personas, smtp_server,
                                                   services):
    org_page = register(owner)
    assert post(owner, f"{org_page}/members", {"email": "dev@dlt.go.th", "role": "owner"}).status_code == 422
    assert post(owner, f"{org_page}/members", {"email": "dev@dlt.go.th", "role": "developer"}).status_code == 303
    invitation = smtp_server.link("dev@dlt.go.th", r"http://testserver(/agency/invitations/[\w-]+)")
    colleague = new_browser()
    colleague_device = app_client.enroll_card_data_only(personas[1]["pid"], PASSCODE)
    portal_sign_in(colleague, app_client, colleague_device, "/agency")
    assert colleague.get(org_page).status_code == 404                  # not a member yet
    accepted = colleague.post(invitation, data={"csrf": csrf_of(colleague.get(invitation).text)},
                              follow_redirects=False)
    assert accepted.status_code == 303 and accepted.headers["location"].startswith(org_page)
    assert colleague.post(invitation, data={"csrf": csrf_of(colleague.get("/agency").text)}).status_code == 404
    assert "นักพัฒนา" in colleague.get(org_page).text
    # a developer may not invite or remove; the owner hands over and becomes a developer
    assert post(colleague, f"{org_page}/members", {"email": "x@dlt.go.th", "role": "viewer"}).status_code == 403
    members = owner.get(org_page).text
    colleague_id = re.findall(r'data-member="(\d+)"', members)[-1]
    owner_id = re.findall(r'data-member="(\d+)"', members)[0]
    assert post(owner, f"{org_page}/members/{owner_id}/remove").status_code == 422   # the owner cannot be removed
    assert post(owner, f"{org_page}/members/{colleague_id}/owner").status_code == 303
    assert "เจ้าของ" in colleague.get(org_page).text.split('id="my-role">')[1][:20]
    assert post(colleague, f"{org_page}/members/{owner_id}/remove").status_code == 303
    assert owner.get(org_page).status_code == 404
    from tuaton.audit.models import AuditEvent
    with services.database.reading() as session:
        kinds = set(session.execute(select(AuditEvent.kind).where(AuditEvent.kind.like("organisation.%"))).scalars())
    assert {"organisation.registered", "organisation.member_invited", "organisation.member_joined",
            "organisation.ownership_handed_over", "organisation.member_removed"} <= kinds


def _back_office(services, owner_identity: str, code: str = "DLT"):
    """An approved back-office client of the organisation, allowed the official scope."""
    from tests.conftest import prove_authority
    from tuaton.agencies.application import ApplicationForm, Contact
    from tuaton.officers.service import OfficerView

    prove_authority(services, owner_identity, code)
    form = ApplicationForm(org_type="government", org_name_th="กรมการขนส่งทางบก", org_name_en="DLT",
                           org_identifier=code, contact_email="it@dlt.go.th", service_name_th="ระบบสารบรรณ",
                           service_name_en="e-Saraban", purpose_th="ให้เจ้าหน้าที่เข้าสู่ระบบสารบรรณอิเล็กทรอนิกส์",
                           purpose_en="Officials sign in to the e-Saraban system",
                           requested_claims={"official": "Who may sign documents", "name": "Shown in the system"},
                           redirect_uris=("https://saraban.dlt.go.th/callback",),
                           technical_contacts=(Contact("IT", "it@dlt.go.th", ""),))
    view, _ = services.agencies.create_draft(owner_identity, form)
    services.agencies.save(view.id, owner_identity, form, submit=True)
    reviewer = OfficerView("op", "op", "Operator", "0000", "administrator", None, True, False, None)
    approved = services.agencies.decide(view.id, reviewer, approve=True, reason="", granted={"official", "name"})
    secret = services.clients.rotate_secret(approved.production_client_id, 0)
    from tests.conftest import Agency
    return Agency(approved.production_client_id, secret, "https://saraban.dlt.go.th/callback")


def test_officials_position_reaches_only_their_organisations_back_office(owner, http, app_client, device,
                                                                          persona, personas, services):
    org_page = register(owner)
    back_office = _back_office(services, device.identity_id)
    # not (yet) an official: the sign-in is refused, the app says why, the back office gets access_denied
    page = start_signin(http, back_office, scope="openid official name")
    with pytest.raises(AppError) as refused:
        app_client.decide(page.payload, device, PASSCODE, number=page.number)
    assert refused.value.status == 403 and "not registered as one of its officials" in str(refused.value)
    status = http.get(page.status_url, headers={"Accept": "application/json"}).json()
    assert "error=access_denied" in status["redirect_to"]

    # the owner adds officials, one by one and from a CSV (all rows or none)
    assert post(owner, f"{org_page}/officials", {"pid": "1234567890123", "position": "x", "unit": "y"}
                ).status_code == 422
    assert post(owner, f"{org_page}/officials", {"pid": persona["pid"], "position": "นักวิชาการคอมพิวเตอร์",
                                                 "unit": "ศูนย์เทคโนโลยีสารสนเทศ"}).status_code == 303
    rows = io.StringIO()
    csv.writer(rows).writerows([["pid", "position", "unit"], [personas[2]["pid"], "ผู้อำนวยการกอง", "กองกลาง"]])
    assert post(owner, f"{org_page}/officials/import", files={
        "file": ("officials.csv", rows.getvalue().encode(), "text/csv")}).status_code == 303
    assert owner.get(org_page).text.count('data-official="') == 2
    assert "นักวิชาการคอมพิวเตอร์" in owner.get("/me").text                     # the official sees it in /me

    code = code_from(_approved_redirect(http, app_client, device, back_office))
    tokens = exchange(http, back_office, code["code"]).json()
    userinfo = http.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert userinfo["official"] == {"organisation": "DLT", "organisation_name": "กรมการขนส่งทางบก",
                                    "organisation_name_en": "Department of Land Transport",
                                    "unit": "ศูนย์เทคโนโลยีสารสนเทศ", "position": "นักวิชาการคอมพิวเตอร์"}

    # removing the official revokes the grants that carried it
    official_id = next(o.id for o in services.organisations.officials("DLT") if o.pid == persona["pid"])
    assert post(owner, f"{org_page}/officials/{official_id}/remove").status_code == 303
    with services.database.reading() as session:
        revoked = session.execute(select(Grant.revoked_reason).where(
            Grant.client_id == back_office.client_id)).scalars().all()
    assert revoked and all(r == "official removed by the organisation" for r in revoked)
    refresh = http.post("/oauth2/token", auth=(back_office.client_id, back_office.client_secret), data={
        "grant_type": "refresh_token", "refresh_token": tokens.get("refresh_token", "none")})
    assert refresh.status_code == 400


def _approved_redirect(http, app_client, device, agency) -> str:
    page = start_signin(http, agency, scope="openid official name")
    app_client.decide(page.payload, device, PASSCODE, number=page.number)
    return http.get(page.status_url, headers={"Accept": "application/json"}).json()["redirect_to"]


def test_another_organisations_client_cannot_ask_for_the_official_claim(owner, http, app_client, device, persona,
                                                                        personas, services, agency):
    register(owner)
    services.organisations.add_official("DLT", device.identity_id, persona["pid"], "ผู้อำนวยการ", "กองกลาง")
    other = _back_office(services, device.identity_id, code="RD")       # another organisation's back office
    page = start_signin(http, other, scope="openid official")
    with pytest.raises(AppError) as refused:
        app_client.decide(page.payload, device, PASSCODE, number=page.number)
    assert refused.value.status == 403
    # a client the operators made by hand belongs to no organisation: no official claim either
    assert "official" not in services.clients.get(agency.client_id).scopes


def test_a_staff_enrolment_drive_counts_enrolments_without_names(owner, new_browser, personas, services):
    org_page = register(owner)
    join_url = re.search(r'id="join-url">http://testserver(/join/[\w-]+)<', owner.get(org_page).text).group(1)
    assert 'id="campaign-enrolled">0<' in owner.get(org_page).text
    relative = new_browser()
    assert relative.get(join_url).status_code == 200 and "tuaton_campaign" in relative.cookies
    AppClient("http://testserver", http=relative).enroll_card_data_only(personas[3]["pid"], PASSCODE)
    assert new_browser().get("/join/not-a-drive").status_code == 404
    page = owner.get(org_page).text
    assert 'id="campaign-enrolled">1<' in page and personas[3]["given_name_th"] not in page


def test_the_criteria_and_the_sample_letter_are_public(http):
    criteria = http.get("/criteria?lang=en")
    assert criteria.status_code == 200 and "saraban@" in criteria.text and "5 MB" in criteria.text
    sample = http.get("/criteria/sample-letter.pdf")
    from pypdf import PdfReader
    text = PdfReader(io.BytesIO(sample.content)).pages[0].extract_text()
    assert sample.headers["content-type"] == "application/pdf" and "saraban" in text


def test_an_operator_releases_a_registration_made_by_the_wrong_person(owner, new_browser, app_client, personas,
                                                                      services):
    from tuaton.errors import InvalidInput

    org_page = register(owner)
    with pytest.raises(InvalidInput):
        services.organisations.release("DLT", by="operator somchai", reason="no")
    services.organisations.release("DLT", by="operator somchai", reason="registered by someone outside DLT")
    assert owner.get(org_page).status_code == 404
    real = new_browser()
    portal_sign_in(real, app_client, app_client.enroll_card_data_only(personas[4]["pid"], PASSCODE), "/agency")
    assert register(real) == org_page                                   # the real staff register it now
    from tuaton.audit.models import AuditEvent
    with services.database.reading() as session:
        released = session.execute(select(AuditEvent.details).where(
            AuditEvent.kind == "organisation.released")).scalar_one()
    assert released["reason"] == "registered by someone outside DLT" and released["members"] == 1
