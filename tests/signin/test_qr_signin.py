import time
from urllib.parse import quote

import pytest
from joserfc.jwk import ECKey

from tests.conftest import PASSCODE, code_from, follow_status, start_signin
from tuaton.appclient.client import AppError, DeviceFile
from tuaton.identity.devices import sign_request


def test_sign_in_page_is_bilingual_and_names_the_agency_and_data(http, agency):
    page = start_signin(http, agency, scope="openid pid name address")
    assert "ยื่นภาษีออนไลน์" in page.html and "Revenue e-Filing" in page.html
    assert "เลขประจำตัวประชาชน" in page.html and "Citizen ID number" in page.html
    assert 'data-claim="address"' in page.html and 'data-claim="birthdate"' not in page.html
    assert page.payload.startswith("http://testserver/s/") and "<svg" in page.html


def test_english_first_when_the_agency_asks(http, agency):
    page = start_signin(http, agency, ui_locales="en-US th")
    assert '<html lang="en">' in page.html


def test_status_follows_scan_and_approval(http, app_client, device, agency):
    page = start_signin(http, agency)
    assert follow_status(http, page) == {"status": "pending"}
    shown = app_client.read_signin(page.payload)
    assert shown["agency"]["name_th"] == "ยื่นภาษีออนไลน์"
    assert [c["claim"] for c in shown["claims"]] == ["pid", "name"]
    assert follow_status(http, page) == {"status": "scanned"}
    app_client.decide(page.payload, device, PASSCODE, number=page.number)
    status = follow_status(http, page)
    assert status["status"] == "approved"
    params = code_from(status["redirect_to"])
    assert status["redirect_to"].startswith(agency.redirect_uri + "?")
    assert params["state"] == "st-123" and params["iss"] == "http://testserver" and params["code"]


def test_refusal_sends_access_denied_to_the_agency(http, app_client, device, agency):
    page = start_signin(http, agency)
    assert app_client.decide(page.payload, device, None, approve=False)["status"] == "denied"
    status = follow_status(http, page)
    assert status["status"] == "denied"
    assert code_from(status["redirect_to"])["error"] == "access_denied"


def test_a_sign_in_is_decided_once(http, app_client, device, agency):
    page = start_signin(http, agency)
    app_client.decide(page.payload, device, PASSCODE, number=page.number)
    with pytest.raises(AppError) as caught:
        app_client.decide(page.payload, device, PASSCODE, number=page.number)
    assert caught.value.status == 409


def test_only_the_browser_that_started_it_learns_the_outcome(http, app, app_client, device, agency):
    from fastapi.testclient import TestClient
    page = start_signin(http, agency)
    app_client.decide(page.payload, device, PASSCODE, number=page.number)
    with TestClient(app, base_url="http://testserver") as stranger:
        response = stranger.get(page.status_url, headers={"Accept": "application/json"})
    assert response.status_code == 403 and "code" not in response.text
    assert response.json()["type"].endswith("browser-mismatch")


def test_expired_sign_in_cannot_be_approved_and_tells_the_browser(http, app_client, device, agency, services):
    page = start_signin(http, agency)
    signin_id = page.payload.rsplit("/", 1)[1]
    txn = services.store.get(f"signin:{signin_id}")
    txn["expires_at"] = int(time.time()) - 1
    services.store.put(f"signin:{signin_id}", txn, 60)
    with pytest.raises(AppError) as caught:
        app_client.decide(page.payload, device, PASSCODE, number=page.number)
    assert caught.value.status == 404
    status = follow_status(http, page)
    assert status["status"] == "expired" and code_from(status["redirect_to"])["error"] == "access_denied"


def test_unknown_sign_in_is_a_clear_404(app_client, device):
    with pytest.raises(AppError) as caught:
        app_client.read_signin("http://testserver/s/not-a-real-one")
    assert caught.value.status == 404 and "start again" in str(caught.value)


def _signed(device: DeviceFile, shown: dict, _key: ECKey | None = None, **override) -> str:
    payload = {"purpose": "signin", "signin": shown["id"], "challenge": shown["challenge"], "decision": "approve",
               "device": device.device_id, "nonce": "n" * 22, "iat": int(time.time())}
    payload.update(override)
    return sign_request(_key or device.key, payload)


@pytest.mark.parametrize("override", [
    {"challenge": "another-challenge"}, {"decision": "deny"}, {"signin": "another"}, {"purpose": "enrol"},
    {"iat": int(time.time()) - 3600}, {"nonce": "short"}, {"_key": ECKey.generate_key("P-256")},
])
def test_approval_must_be_signed_by_the_device_over_this_sign_in(http, app_client, device, agency, override):
    page = start_signin(http, agency)
    shown = app_client.read_signin(page.payload)
    response = http.post(f"/api/app/v1/signins/{shown['id']}/decision", json={
        "device_id": device.device_id, "decision": "approve", "signed_request": _signed(device, shown, **override),
        "passcode": PASSCODE, "number": page.number})
    assert response.status_code == 401 and response.json()["type"].endswith("bad-signature")
    assert follow_status(http, page)["status"] == "scanned"


def test_a_signed_approval_cannot_be_replayed(http, app_client, device, agency):
    page = start_signin(http, agency)
    shown = app_client.read_signin(page.payload)
    signed = _signed(device, shown)
    wrong = {"device_id": device.device_id, "decision": "approve", "signed_request": signed, "passcode": "90817263",
             "number": page.number}
    assert http.post(f"/api/app/v1/signins/{shown['id']}/decision", json=wrong).status_code == 401
    again = dict(wrong, passcode=PASSCODE)
    response = http.post(f"/api/app/v1/signins/{shown['id']}/decision", json=again)
    assert response.status_code == 401 and "nonce" in response.json()["detail"]


def test_login_hint_lets_only_that_citizen_approve(http, app_client, device, agency, personas):
    page = start_signin(http, agency, login_hint=personas[1]["pid"])
    with pytest.raises(AppError) as caught:
        app_client.decide(page.payload, device, PASSCODE, number=page.number)
    assert caught.value.status == 403
    assert follow_status(http, page)["status"] == "scanned"


def test_qr_from_another_installation_is_refused_by_the_app(app_client, device):
    with pytest.raises(AppError) as caught:
        app_client.decide("https://phishing.example/s/abc", device, PASSCODE)
    assert "not to your Tuaton" in str(caught.value)


def test_same_device_link_opens_the_app(http, agency):
    page = start_signin(http, agency)
    landing = http.get(page.payload.replace("http://testserver", ""), headers={"Accept": "text/html"})
    assert landing.status_code == 200 and "tuaton://signin?payload=" in landing.text
    # …and the web app (the PWA) on a phone without the native one.
    assert f'href="/app?signin={quote(page.payload, safe="/")}"' in landing.text


def test_server_sent_events_report_the_outcome(http, app_client, device, agency):
    page = start_signin(http, agency)
    app_client.decide(page.payload, device, PASSCODE, number=page.number)
    with http.stream("GET", page.status_url, headers={"Accept": "text/event-stream"}) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        body = "".join(stream.iter_text())
    assert "event: status" in body and '"status": "approved"' in body and "redirect_to" in body


@pytest.mark.parametrize(("body", "fields"), [
    (b"{not json", ["body"]),
    (b'{"decision": "approve"}', ["device_id", "signed_request"]),
    (b'{"device_id": "d", "decision": "approve", "signed_request": "x", "passcode": "' + b"9" * 65 + b'"}',
     ["passcode"]),
])
def test_a_malformed_decision_is_a_422_naming_the_fields(http, agency, body, fields):
    # The decision endpoint is dispatched before FastAPI's router (hot_paths.py): its bad input must
    # still be the standard problem JSON, naming what to fix.
    signin_id = start_signin(http, agency).payload.rsplit("/", 1)[1]
    response = http.post(f"/api/app/v1/signins/{signin_id}/decision", content=body,
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("#invalid-input") and problem["errors"]
    assert problem["detail"] == f"Check these fields: {', '.join(fields)}."


# -- number matching ------------------------------------------------------------------------------
WINDOWS_CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"


def _failed_passcodes(services) -> int:
    from sqlalchemy import select

    from tuaton.identity.models import Identity
    with services.database.reading() as session:
        return session.execute(select(Identity.failed_passcodes)).scalar_one()


def test_the_app_offers_three_numbers_and_says_what_started_the_sign_in(http, app_client, device, agency):
    http.headers["user-agent"] = WINDOWS_CHROME
    page = start_signin(http, agency)
    shown = app_client.read_signin(page.payload)
    assert len(set(shown["number_choices"])) == 3 and page.number in shown["number_choices"]
    assert shown["number_choices"] == sorted(shown["number_choices"])          # the order tells nothing
    assert shown["started_on"]["kind"] == "windows" and shown["started_on"]["label_th"] == "คอมพิวเตอร์ Windows"
    assert WINDOWS_CHROME not in str(shown)
    assert app_client.read_signin(page.payload)["number_choices"] == shown["number_choices"]  # stable


def test_approving_without_the_number_is_refused_and_spends_nothing(http, app_client, device, agency, services):
    page = start_signin(http, agency)
    with pytest.raises(AppError) as caught:
        app_client.decide(page.payload, device, PASSCODE)
    assert caught.value.status == 422 and caught.value.problem["field"] == "number"
    assert follow_status(http, page)["status"] == "scanned" and _failed_passcodes(services) == 0
    assert app_client.decide(page.payload, device, PASSCODE, number=page.number)["status"] == "approved"


def test_a_wrong_number_stops_the_sign_in_before_the_passcode(http, app_client, device, agency, services):
    from sqlalchemy import select

    from tuaton.audit.models import AuditEvent

    page = start_signin(http, agency)
    decoy = next(n for n in app_client.read_signin(page.payload)["number_choices"] if n != page.number)
    with pytest.raises(AppError) as caught:
        app_client.decide(page.payload, device, "90817263", number=decoy)       # even a wrong passcode
    assert caught.value.status == 403 and caught.value.problem["type"].endswith("wrong-number")
    assert _failed_passcodes(services) == 0                                    # no passcode was checked
    status = follow_status(http, page)
    assert status["status"] == "denied" and code_from(status["redirect_to"])["error"] == "access_denied"
    with pytest.raises(AppError) as again:                                      # and it cannot be retried
        app_client.decide(page.payload, device, PASSCODE, number=page.number)
    assert again.value.status == 409
    with services.database.reading() as session:
        kinds = list(session.execute(select(AuditEvent.kind)).scalars())
    assert "signin.wrong_number" in kinds and "signin.approved" not in kinds
    figures = services.dashboard.count()                     # the operators see it as a failed attempt
    assert ("signin.wrong_number", 1) in figures.failure_reasons and sum(figures.signins_failed) == 1


def test_refusing_needs_no_number(http, app_client, device, agency):
    page = start_signin(http, agency)
    assert app_client.decide(page.payload, device, None, approve=False)["status"] == "denied"


def test_a_crash_between_the_grant_and_the_answer_never_makes_a_second_grant(http, app_client, device, agency,
                                                                             services, monkeypatch):
    """The process answering dies after writing the grant and before storing the sign-in's answer
    (here: issuing the code fails once). The citizen approves again: the same grant is used."""
    from sqlalchemy import func, select

    from tests.conftest import exchange
    from tuaton.oidc.models import Grant

    page = start_signin(http, agency)
    real_issue = services.grants.issue_code
    calls = []

    def dies_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the process died here")
        return real_issue(*args, **kwargs)

    monkeypatch.setattr(services.grants, "issue_code", dies_once)
    with pytest.raises(AppError) as crashed:
        app_client.decide(page.payload, device, PASSCODE, number=page.number)
    assert crashed.value.status == 500 and follow_status(http, page)["status"] == "scanned"
    assert app_client.decide(page.payload, device, PASSCODE, number=page.number)["status"] == "approved"
    with services.database.reading() as session:
        assert session.execute(select(func.count()).select_from(Grant)).scalar_one() == 1
    status = follow_status(http, page)
    assert status["status"] == "approved"
    assert exchange(http, agency, code_from(status["redirect_to"])["code"]).status_code == 200
