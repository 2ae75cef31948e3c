"""Changing the passcode from the app: the current one is needed, the new one follows the policy,
and afterwards only the new one approves anything."""

from __future__ import annotations

import secrets
import time

import pytest
from sqlalchemy import select

from tests.conftest import PASSCODE, start_signin
from tuaton.appclient.client import AppError
from tuaton.audit.models import AuditEvent
from tuaton.identity.devices import sign_request

NEW = "27394816"


def _refused(call) -> AppError:
    with pytest.raises(AppError) as caught:
        call()
    return caught.value


def test_after_a_change_only_the_new_passcode_approves(http, app_client, device, agency, services):
    assert app_client.change_passcode(device, PASSCODE, NEW) == {"changed": True}
    page = start_signin(http, agency)
    old = _refused(lambda: app_client.decide(page.payload, device, PASSCODE, number=page.number))
    assert old.status == 401 and old.problem["type"].endswith("wrong-passcode")
    page = start_signin(http, agency)
    assert app_client.decide(page.payload, device, NEW, number=page.number)["status"] == "approved"
    with services.database.reading() as session:
        events = session.execute(select(AuditEvent).where(AuditEvent.kind == "passcode.changed")).scalars().all()
    assert len(events) == 1 and NEW not in repr(events[0].details) and PASSCODE not in repr(events[0].details)


@pytest.mark.parametrize(("new", "rule"), [
    ("12345678", "sequence"), ("90001111", "repeated"), ("2739481", "not_eight_digits"),
    (PASSCODE, "unchanged"),
])
def test_a_weak_or_unchanged_new_passcode_is_refused_and_costs_no_attempt(app_client, device, new, rule):
    refused = _refused(lambda: app_client.change_passcode(device, PASSCODE, new))
    assert refused.status == 422 and refused.problem["rule"] == rule and refused.problem["detail_th"]
    assert app_client.change_passcode(device, PASSCODE, NEW) == {"changed": True}   # nothing was counted


def test_the_birth_date_is_refused_as_a_new_passcode(app_client, device, persona):
    born = persona["birth_date"]          # YYYY-MM-DD
    be_year = int(born[:4]) + 543
    refused = _refused(lambda: app_client.change_passcode(device, PASSCODE, f"{born[8:10]}{born[5:7]}{be_year}"))
    assert refused.problem["rule"] == "birth_date"


def test_a_wrong_current_passcode_counts_towards_the_lock(app_client, device):
    errors = [_refused(lambda: app_client.change_passcode(device, "90817263", NEW)) for _ in range(5)]
    assert [e.status for e in errors] == [401, 401, 401, 401, 423]
    assert errors[0].problem["attempts_left"] == 4
    locked = _refused(lambda: app_client.change_passcode(device, PASSCODE, NEW))
    assert locked.status == 423


def test_the_request_must_be_signed_by_the_device_and_used_once(http, app_client, device, persona):
    other = app_client.enroll_card_data_only(persona["pid"], PASSCODE)   # a new phone: the old one is revoked
    stale = _refused(lambda: app_client.change_passcode(device, PASSCODE, NEW))
    assert stale.status == 401 and stale.problem["type"].endswith("device-not-recognised")
    signed = sign_request(other.key, {"purpose": "change-passcode", "nonce": secrets.token_urlsafe(16),
                                      "iat": int(time.time())})
    body = {"device_id": other.device_id, "signed_request": signed, "current_passcode": PASSCODE,
            "new_passcode": NEW, "new_passcode_confirmation": NEW}
    assert http.post("/api/app/v1/me/passcode", json=body).status_code == 200
    replayed = http.post("/api/app/v1/me/passcode", json={**body, "current_passcode": NEW,
                                                          "new_passcode": "58203917",
                                                          "new_passcode_confirmation": "58203917"})
    assert replayed.status_code == 401, replayed.text
    wrong_purpose = sign_request(other.key, {"purpose": "history", "nonce": secrets.token_urlsafe(16),
                                             "iat": int(time.time())})
    assert http.post("/api/app/v1/me/passcode", json={**body, "signed_request": wrong_purpose}).status_code == 401
