import pytest
from sqlalchemy import select

from tests.conftest import PASSCODE, follow_status, start_signin
from tuaton.appclient.client import AppError
from tuaton.audit.models import AuditEvent


def _wrong(app_client, page, device):
    with pytest.raises(AppError) as caught:
        app_client.decide(page.payload, device, "90817263", number=page.number)
    return caught.value


def test_wrong_passcode_tells_how_many_attempts_are_left(http, app_client, device, agency):
    page = start_signin(http, agency)
    error = _wrong(app_client, page, device)
    assert error.status == 401 and error.problem["attempts_left"] == 4
    assert "รหัสผ่านไม่ถูกต้อง" in error.problem["detail_th"]
    # the sign-in is still open: the right passcode approves it
    assert app_client.decide(page.payload, device, PASSCODE, number=page.number)["status"] == "approved"


def test_five_wrong_passcodes_lock_the_identity_until_it_re_enrols(http, app_client, device, agency, persona,
                                                                  services):
    page = start_signin(http, agency)
    errors = [_wrong(app_client, page, device) for _ in range(5)]
    assert [e.status for e in errors] == [401, 401, 401, 401, 423]
    with pytest.raises(AppError) as caught:
        app_client.decide(page.payload, device, PASSCODE, number=page.number)
    assert caught.value.status == 423 and caught.value.problem["type"].endswith("identity-locked")
    with services.database.reading() as session:
        kinds = [e.kind for e in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()]
    assert kinds.count("passcode.failed") == 5 and "identity.locked" in kinds
    # re-enrolment unlocks it with a new device
    renewed = app_client.enroll_card_data_only(persona["pid"], PASSCODE)
    fresh = start_signin(http, agency)
    assert app_client.decide(fresh.payload, renewed, PASSCODE, number=fresh.number)["status"] == "approved"
    with pytest.raises(AppError) as old_device:
        page = start_signin(http, agency)
        app_client.decide(page.payload, device, PASSCODE, number=page.number)
    assert old_device.value.status == 401 and old_device.value.problem["type"].endswith("device-not-recognised")


def test_a_success_resets_the_failure_count(http, app_client, device, agency):
    for _ in range(4):
        _wrong(app_client, start_signin(http, agency), device)
    page = start_signin(http, agency)
    assert app_client.decide(page.payload, device, PASSCODE, number=page.number)["status"] == "approved"
    error = _wrong(app_client, start_signin(http, agency), device)
    assert error.problem["attempts_left"] == 4


def test_failures_are_audited_without_the_passcode(http, app_client, device, agency, services):
    _wrong(app_client, start_signin(http, agency), device)
    with services.database.reading() as session:
        events = session.execute(select(AuditEvent)).scalars().all()
    dumped = repr([(e.kind, e.details) for e in events])
    assert "passcode.failed" in dumped and "90817263" not in dumped and PASSCODE not in dumped
    assert follow_status(http, start_signin(http, agency))["status"] == "pending"
