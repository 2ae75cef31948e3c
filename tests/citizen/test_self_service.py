"""A citizen sees who signed them in and with what data, withdraws consents, locks a lost phone and
downloads what Tuaton holds — and never sees or touches another citizen's."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from tests.conftest import PASSCODE, csrf_of, exchange, portal_sign_in, signed_in_code
from tuaton.appclient.client import AppError
from tuaton.errors import DeviceNotRecognised


@pytest.fixture
def citizen(http, app_client, device):
    portal_sign_in(http, app_client, device, "/me")
    return http


def test_history_shows_which_agency_and_which_data(citizen, app_client, device, agency):
    exchange(citizen, agency, signed_in_code(citizen, app_client, device, agency, scope="openid name birthdate"))
    page = citizen.get("/me/history", params={"lang": "en"}).text
    assert "Revenue e-Filing" in page and "Full name (Thai)" in page and "Date of birth" in page
    assert "Citizen ID number" not in page.split('id="history"')[1]       # pid was not asked for


def test_the_overview_says_how_the_identity_was_proven_in_words(citizen):
    thai = citizen.get("/me", params={"lang": "th"}).text
    assert "ยืนยันด้วยข้อมูลบัตรประชาชน (IAL 1.2)" in thai and "(ระบบทดสอบ (จำลอง))" in thai
    english = citizen.get("/me", params={"lang": "en"}).text
    assert "checked with your ID card&#39;s details (IAL 1.2)" in english and "(Sandbox (simulated))" in english
    assert "sandbox-simulated" not in thai + english


def test_a_citizen_never_sees_another_citizens_history(citizen, app_client, device, agency, new_browser, personas):
    exchange(citizen, agency, signed_in_code(citizen, app_client, device, agency))
    other = new_browser()
    portal_sign_in(other, app_client, app_client.enroll_card_data_only(personas[4]["pid"], PASSCODE), "/me")
    assert "Revenue e-Filing" not in other.get("/me/history", params={"lang": "en"}).text
    assert agency.client_id not in other.get("/me/consents").text
    csrf = csrf_of(other.get("/me").text)
    assert other.post(f"/me/devices/{device.device_id}/lock", data={"csrf": csrf}).status_code == 404
    assert other.post(f"/me/consents/{agency.client_id}/revoke", data={"csrf": csrf}).status_code == 404
    assert signed_in_code(citizen, app_client, device, agency)


def test_withdrawing_is_confirmed_on_a_page_that_says_what_it_does(citizen, app_client, device, agency,
                                                                     new_browser, personas):
    exchange(citizen, agency, signed_in_code(citizen, app_client, device, agency))
    listed = citizen.get("/me/consents", params={"lang": "en"}).text
    assert f'href="/me/consents/{agency.client_id}/withdraw"' in listed        # a link, not a one-click form
    confirm = citizen.get(f"/me/consents/{agency.client_id}/withdraw", params={"lang": "en"})
    assert confirm.status_code == 200
    assert "Withdraw your consent from Revenue e-Filing?" in confirm.text and "stop working" in confirm.text
    assert 'id="keep-consent"' in confirm.text and 'id="confirm-withdraw"' in confirm.text
    assert agency.client_id in citizen.get("/me/consents").text                   # nothing withdrawn yet
    other = new_browser()
    portal_sign_in(other, app_client, app_client.enroll_card_data_only(personas[5]["pid"], PASSCODE), "/me")
    assert other.get(f"/me/consents/{agency.client_id}/withdraw").status_code == 404


def test_withdrawing_consent_revokes_the_agencys_refresh_tokens(citizen, app_client, device, agency):
    tokens = exchange(citizen, agency, signed_in_code(citizen, app_client, device, agency)).json()
    page = citizen.get("/me/consents")
    assert agency.client_id in page.text
    answer = citizen.post(f"/me/consents/{agency.client_id}/revoke", data={"csrf": csrf_of(page.text)})
    assert answer.status_code == 200 and 'id="portal-notice"' in answer.text
    assert "เพิกถอนความยินยอมแล้ว" in answer.text and "Consent withdrawn" in answer.text   # both languages
    refreshed = citizen.post("/oauth2/token", data={"grant_type": "refresh_token",
                                                    "refresh_token": tokens["refresh_token"]}, auth=agency.auth)
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    userinfo = citizen.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code == 401
    assert agency.client_id not in citizen.get("/me/consents").text


def test_locking_a_lost_phone_stops_it_approving_anything(citizen, app_client, device, agency):
    tokens = exchange(citizen, agency, signed_in_code(citizen, app_client, device, agency)).json()
    page = citizen.get("/me")
    assert citizen.post(f"/me/devices/{device.device_id}/lock", data={"csrf": csrf_of(page.text)}).status_code == 200
    assert 'data-status="revoked"' in citizen.get("/me").text
    with pytest.raises(AppError) as refused:
        signed_in_code(citizen, app_client, device, agency)
    assert refused.value.status == 401
    refreshed = citizen.post("/oauth2/token", data={"grant_type": "refresh_token",
                                                    "refresh_token": tokens["refresh_token"]}, auth=agency.auth)
    assert refreshed.json()["error"] == "invalid_grant"


def test_the_lost_phone_form_needs_the_card_and_never_says_which_detail_was_wrong(http, device, persona, services):
    card = services.registry.current_card(persona["pid"])
    form = http.get("/lost-phone")
    base = {"pid": persona["pid"], "birth_date": persona["birth_date"], "csrf": csrf_of(form.text)}
    wrong = http.post("/lost-phone", data={**base, "laser_code": "AA0-0000000-00"})
    assert wrong.status_code == 422 and "do not match a digital identity" in wrong.text
    assert persona["pid"] in wrong.text                                   # what was typed comes back
    no_csrf = http.post("/lost-phone", data={**base, "laser_code": card.laser_code, "csrf": ""})
    assert no_csrf.status_code == 403
    done = http.post("/lost-phone", data={**base, "laser_code": card.laser_code})
    assert done.status_code == 200 and 'id="lost-phone-done"' in done.text
    with pytest.raises(DeviceNotRecognised):
        services.identities.active_device(device.device_id)


def test_the_lost_phone_form_is_rate_limited_per_citizen(http, persona):
    csrf = csrf_of(http.get("/lost-phone").text)
    answers = [http.post("/lost-phone", data={"pid": persona["pid"], "birth_date": "1900-01-01", "csrf": csrf,
                                              "laser_code": "AA0-0000000-00"}).status_code for _ in range(6)]
    assert answers == [422] * 5 + [429]


def test_my_data_download_has_the_registry_record_and_no_secrets(citizen, app_client, device, agency, persona):
    exchange(citizen, agency, signed_in_code(citizen, app_client, device, agency))
    download = citizen.get("/me/data.json")
    assert download.headers["content-disposition"].startswith("attachment;")
    data = json.loads(download.text)
    assert data["civil_registry"]["pid"] == persona["pid"]
    assert {s["client_id"] for s in data["sign_ins"]} == {"tuaton-portal", agency.client_id}
    assert any(e["kind"] == "claims.disclosed" for e in data["audit_events"])
    assert "$argon2" not in download.text and "passcode_hash" not in download.text
    assert '"d"' not in json.dumps(data["devices"])                       # public keys only
    assert "$tuaton-hmac$" not in download.text


def test_my_data_download_proves_each_sealed_event_is_in_the_signed_trail(citizen, app_client, device, agency,
                                                                          services):
    from tuaton.audit import merkle
    from tuaton.audit.trail import event_leaf

    exchange(citizen, agency, signed_in_code(citizen, app_client, device, agency))
    services.audit.seal_all()
    data = json.loads(citizen.get("/me/data.json").text)
    sealed = [e for e in data["audit_events"] if e["inclusion_proof"]]
    assert sealed and len(sealed) >= len(data["audit_events"]) - 2    # the download itself may add unsealed ones
    for event in sealed:
        proof = event["inclusion_proof"]
        leaf = event_leaf(event["seq"], dt.datetime.fromisoformat(event["at"]), event["kind"], event["identity_id"],
                          event["client_id"], event["details"])
        assert leaf.hex() == proof["leaf_hash"]
        root = merkle.root_from_path(leaf, proof["leaf_index"], proof["tree_size"],
                                     [bytes.fromhex(n) for n in proof["audit_path"]])
        head = json.loads(base64.urlsafe_b64decode(proof["signed_tree_head"].split(".")[1] + "=="))
        assert root.hex() == head["root"]


def test_self_service_pages_need_a_signed_in_citizen(http):
    answer = http.get("/me/history", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/portal/signin?next=%2Fme%2Fhistory")
    assert http.get("/me/data.json", follow_redirects=False).status_code == 303
    assert http.post("/me/consents/x/revoke", data={"csrf": "x"}).status_code == 401
