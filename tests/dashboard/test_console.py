"""The operators' console: only active administrators get in; officers, agencies and citizens do not;
the dashboard counts what happened; keys, officers and audit search work and are themselves audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import (
    ADMIN_PASSWORD,
    console_sign_in,
    csrf_of,
    exchange,
    portal_sign_in,
    read_signin_page,
    signed_in_code,
)
from tuaton.appclient.client import AppError
from tuaton.audit.models import AuditEvent
from tuaton.errors import WrongOfficerPassword


@pytest.fixture
def admin(new_browser, services):
    services.officers.create("root", "Root Administrator", "0000", "administrator", ADMIN_PASSWORD, bootstrap=True)
    browser = new_browser()
    assert console_sign_in(browser).status_code == 303
    return browser


def test_not_signed_in_goes_to_the_console_sign_in(http):
    answer = http.get("/console", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/signin")
    assert http.get("/console/reviews", follow_redirects=False).headers["location"].startswith("/portal/signin")


def test_a_citizen_or_agency_is_not_an_operator(http, app_client, device):
    portal_sign_in(http, app_client, device, "/console/reviews")
    answer = http.get("/console/reviews")
    assert answer.status_code == 403 and "registrar officers, agencies and citizens may not" in answer.text


def test_a_registrar_officer_cannot_approve_agencies(http, app_client, device, persona, services):
    services.officers.create("somsri", "Somsri", "1001", "registrar", "station password 1", pid=persona["pid"])
    portal_sign_in(http, app_client, device, "/console/reviews")
    assert http.get("/console/reviews").status_code == 403
    assert http.post("/console/reviews/anything", data={"csrf": "x", "decision": "approve"}).status_code == 403
    refused = console_sign_in(http, "somsri", "station password 1")     # nor with the station password
    assert refused.status_code == 403 and "bootstrap administrator" in refused.text


def test_an_administrator_linked_to_a_citizen_signs_in_with_tuaton(http, app_client, device, persona, services):
    services.officers.create("malee", "Malee", "0000", "administrator", "unused password 123", pid=persona["pid"])
    portal_sign_in(http, app_client, device, "/console")
    assert 'id="kpi-active"' in http.get("/console").text


def test_bootstrap_password_is_checked_and_deactivation_ends_access(admin, new_browser, services):
    wrong = new_browser()
    assert console_sign_in(wrong, password="not the password").status_code == 401
    page = admin.get("/console/officers")
    created = admin.post("/console/officers", data={"csrf": csrf_of(page.text), "username": "second.admin",
                                                    "display_name": "Second", "office_code": "0000",
                                                    "role": "administrator", "pid": ""})
    assert created.status_code == 422 and "give their citizen ID" in created.text
    root = services.officers.all()[0]
    services.officers.create("other.root", "Other", "0000", "administrator", ADMIN_PASSWORD, bootstrap=True)
    other = new_browser()
    assert console_sign_in(other, "other.root").status_code == 303
    other.post(f"/console/officers/{root.id}/deactivate", data={"csrf": csrf_of(other.get('/console').text)})
    assert admin.get("/console/reviews").status_code == 403          # checked on every request


def test_a_registrar_created_in_the_console_gets_a_one_time_password_and_can_be_deactivated(admin, services,
                                                                                              new_browser):
    page = admin.get("/console/officers")
    created = admin.post("/console/officers", data={"csrf": csrf_of(page.text), "username": "somchai",
                                                    "display_name": "Somchai", "office_code": "1001",
                                                    "role": "registrar", "pid": ""})
    password = re.search(r'id="officer-password">([^<]+)<', created.text).group(1)
    assert services.officers.sign_in("somchai", password)
    officer = next(o for o in services.officers.all() if o.username == "somchai")
    admin.post(f"/console/officers/{officer.id}/deactivate", data={"csrf": csrf_of(page.text)})
    with pytest.raises(WrongOfficerPassword):
        services.officers.sign_in("somchai", password)


def test_every_console_form_needs_the_csrf_token(admin):
    for path, data in [("/console/keys/rotate", {}), ("/console/officers", {
            "username": "x.y.z", "display_name": "X", "office_code": "1001", "role": "registrar"}),
            ("/console/officers/abc/deactivate", {}), ("/portal/signout", {})]:
        answer = admin.post(path, data={**data, "csrf": "forged"})
        assert answer.status_code == 403, path


def test_key_rotation_from_the_console_keeps_the_old_key_published(admin, http):
    before = {k["kid"] for k in http.get("/oauth2/jwks").json()["keys"]}
    page = admin.get("/console/keys")
    assert admin.post("/console/keys/rotate", data={"csrf": csrf_of(page.text)}).status_code == 200
    after = {k["kid"] for k in http.get("/oauth2/jwks").json()["keys"]}
    assert before < after
    assert admin.get("/console/keys").text.count('data-state="published"') >= 2


def test_dashboard_counts_registrations_sign_ins_and_failures(admin, http, app_client, device, agency, services):
    exchange(http, agency, signed_in_code(http, app_client, device, agency))
    page = http.get("/oauth2/authorize", params={"client_id": agency.client_id, "response_type": "code",
                    "redirect_uri": agency.redirect_uri, "scope": "openid", "nonce": "n"})
    shown = read_signin_page(page.text)
    with pytest.raises(AppError, match="passcode is wrong"):
        app_client.decide(shown.payload, device, "11112222", number=shown.number)    # a wrong passcode
    figures = services.dashboard.count()
    assert figures.active_identities == 1
    assert sum(figures.registrations["sandbox-simulated"]) == 1
    assert sum(figures.signins_approved) == 1 and sum(figures.signins_failed) == 1
    assert dict(figures.failure_reasons)["passcode.failed"] == 1
    assert figures.seconds_to_approve["p50"].startswith(("≤ ", "> "))
    html = admin.get("/console").text
    assert 'id="chart-signins"' in html and 'id="chart-provinces"' in html


def test_audit_search_finds_a_citizens_events_and_records_the_search(admin, http, app_client, device, agency,
                                                                       persona, services):
    exchange(http, agency, signed_in_code(http, app_client, device, agency))
    page = admin.get("/console/audit", params={"pid": persona["pid"], "kind": "signin."})
    assert page.status_code == 200 and "signin.approved" in page.text
    assert admin.get("/console/audit", params={"pid": "1234"}).status_code == 422
    with services.database.reading() as session:
        searches = session.execute(select(AuditEvent).where(AuditEvent.kind == "console.audit_searched")).scalars()
        assert any(e.details.get("officer") == "root" and e.identity_id == device.identity_id for e in searches)


def test_chart_axes_round_up_to_a_readable_top():
    from tuaton.portal.charts import nice_max, stacked_bars
    assert [nice_max(v) for v in (0, 5, 6, 11, 99, 101, 2501)] == [5, 5, 10, 20, 100, 200, 5000]
    chart = stacked_bars("c", "t", ["a", "b"], [("x", [3, 1], "series-a"), ("y", [2, 0], "series-b")])
    assert [g[1] for g in chart.grid] == ["0", "2.5", "5"]
    assert len(chart.bars) == 3 and max(b.height for b in chart.bars) > 0


def test_every_failure_reason_is_named_in_words_never_by_its_code():
    from tuaton.dashboard.service import failure_label
    from tuaton.errors import ProofingRefused

    for reason in [*ProofingRefused.REASONS, "signin.denied", "passcode.failed", "something_new"]:
        english, thai = failure_label(reason)
        assert reason not in (english, thai) and english and thai
    assert failure_label("replayed_image") == ("This photo was already used", "ภาพนี้เคยถูกใช้แล้ว กรุณาถ่ายภาพใหม่")
