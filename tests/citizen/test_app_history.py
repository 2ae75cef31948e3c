"""History and consents in the app itself, for the phone that holds the device key."""

from __future__ import annotations

import time

import pytest

from tests.conftest import PASSCODE, exchange, signed_in_code
from tuaton.appclient.client import AppError
from tuaton.identity.devices import sign_request


def test_the_app_lists_sign_ins_and_consents_and_withdraws_one(http, app_client, device, agency):
    tokens = exchange(http, agency, signed_in_code(http, app_client, device, agency,
                                                   scope="openid name birthdate")).json()
    data = app_client.history(device)
    assert [s["agency_en"] for s in data["signins"]] == ["Revenue e-Filing"]
    assert {c["claim"] for c in data["consents"][0]["claims"]} == {"name", "birthdate"}
    assert app_client.withdraw_consent(device, agency.client_id)["revoked_grants"] == 1
    assert app_client.history(device)["consents"] == []
    refreshed = http.post("/oauth2/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": tokens["refresh_token"]}, auth=agency.auth)
    assert refreshed.json()["error"] == "invalid_grant"


def test_another_phone_sees_only_its_own_citizen(app_client, device, agency, http, personas):
    signed_in_code(http, app_client, device, agency)
    other = app_client.enroll_card_data_only(personas[1]["pid"], PASSCODE)
    assert app_client.history(other) == {"signins": [], "consents": []}
    with pytest.raises(AppError) as caught:
        app_client.withdraw_consent(other, agency.client_id)
    assert caught.value.status == 404


def test_a_signature_for_one_agency_cannot_withdraw_another(http, app_client, device, agency):
    signed_in_code(http, app_client, device, agency)
    signed = sign_request(device.key, {"purpose": "withdraw-consent", "client_id": "someone-else",
                                       "nonce": "n" * 16, "iat": time.time()})
    response = http.post(f"/api/app/v1/me/consents/{agency.client_id}/withdraw",
                         json={"device_id": device.device_id, "signed_request": signed})
    assert response.status_code == 401 and response.json()["type"].endswith("bad-signature")


def test_a_replayed_history_request_is_refused(http, device):
    signed = sign_request(device.key, {"purpose": "history", "nonce": "replayed-nonce-123", "iat": int(time.time())})
    body = {"device_id": device.device_id, "signed_request": signed}
    assert http.post("/api/app/v1/me/history", json=body).status_code == 200
    again = http.post("/api/app/v1/me/history", json=body)
    assert again.status_code == 401 and "used before" in again.json()["detail"]
