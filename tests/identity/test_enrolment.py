import time

import pytest
from joserfc.jwk import ECKey
from sqlalchemy import select

from tests.conftest import PASSCODE
from tuaton.appclient.client import AppError
from tuaton.identity.devices import sign_request
from tuaton.identity.models import Device, DeviceStatus


def _body(persona, key=None, **changes):
    key = key or ECKey.generate_key("P-256")
    body = {"accept_terms": True, "pid": persona["pid"], "given_name_th": persona["given_name_th"],
            "family_name_th": persona["family_name_th"], "birth_date": persona["birth_date"],
            "laser_code": persona["laser_code"], "public_jwk": key.as_dict(private=False),
            "key_proof": sign_request(key, {"purpose": "enrol", "pid": persona["pid"], "iat": int(time.time())}),
            "passcode": PASSCODE, "passcode_confirmation": PASSCODE}
    body.update(changes)
    return body


def test_simulated_enrolment_binds_a_device_and_records_an_honest_level(http, persona):
    response = http.post("/api/app/v1/enrolments/simulated", json=_body(persona))
    assert response.status_code == 201
    body = response.json()
    assert body["ial"] == "1.2" and body["channel"] == "sandbox-simulated"
    assert response.headers["cache-control"] == "no-store"


def test_enrolling_a_new_device_revokes_the_old_one(app_client, persona, services):
    first = app_client.enroll_card_data_only(persona["pid"], PASSCODE)
    second = app_client.enroll_card_data_only(persona["pid"], PASSCODE)
    with services.database.reading() as session:
        devices = {d.id: d.status for d in session.execute(select(Device)).scalars()}
    assert devices == {first.device_id: DeviceStatus.REVOKED, second.device_id: DeviceStatus.ACTIVE}


def test_card_data_that_do_not_match_are_refused_without_saying_which(http, persona):
    response = http.post("/api/app/v1/enrolments/simulated", json=_body(persona, laser_code="ZZ9-9999999-99"))
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["card_status"] == "mismatch" and problem["type"].endswith("card-not-valid")
    assert "laser" not in problem["detail"].lower() and problem["detail_th"]


@pytest.mark.parametrize("passcode,rule", [("12345678", "sequence"), ("11119999", "repeated"),
                                           ("5073826", "not_eight_digits")])
def test_weak_passcodes_are_refused_with_the_rule(http, persona, passcode, rule):
    response = http.post("/api/app/v1/enrolments/simulated",
                         json=_body(persona, passcode=passcode, passcode_confirmation=passcode))
    assert response.status_code == 422
    assert response.json()["rule"] == rule


def test_birth_date_as_passcode_is_refused(http, persona):
    y, m, d = persona["birth_date"].split("-")
    code = f"{d}{m}{int(y) + 543}"
    response = http.post("/api/app/v1/enrolments/simulated",
                         json=_body(persona, passcode=code, passcode_confirmation=code))
    assert response.status_code == 422 and response.json()["rule"] == "birth_date"


def test_a_private_key_is_never_accepted(http, persona):
    key = ECKey.generate_key("P-256")
    response = http.post("/api/app/v1/enrolments/simulated",
                         json=_body(persona, key=key, public_jwk=key.as_dict(private=True)))
    assert response.status_code == 422 and "private key" in response.json()["detail"]


def test_key_proof_must_be_made_by_the_enrolled_key(http, persona):
    other = ECKey.generate_key("P-256")
    proof = sign_request(other, {"purpose": "enrol", "pid": persona["pid"], "iat": int(time.time())})
    response = http.post("/api/app/v1/enrolments/simulated", json=_body(persona, key_proof=proof))
    assert response.status_code == 401 and response.json()["type"].endswith("bad-signature")


def test_key_proof_for_another_citizen_is_refused(http, persona, personas):
    key = ECKey.generate_key("P-256")
    proof = sign_request(key, {"purpose": "enrol", "pid": personas[1]["pid"], "iat": int(time.time())})
    response = http.post("/api/app/v1/enrolments/simulated", json=_body(persona, key=key, key_proof=proof))
    assert response.status_code == 401


def test_terms_must_be_accepted(http, persona):
    response = http.post("/api/app/v1/enrolments/simulated", json=_body(persona, accept_terms=False))
    assert response.status_code == 422 and response.json()["field"] == "accept_terms"


def test_enrolment_attempts_are_limited_per_citizen(http, persona):
    bad = _body(persona, laser_code="ZZ9-9999999-99")
    statuses = [http.post("/api/app/v1/enrolments/simulated", json=bad).status_code for _ in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429


def test_malformed_body_gets_problem_json_naming_the_fields(http):
    response = http.post("/api/app/v1/enrolments/simulated", json={"pid": "1"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "birth_date" in response.json()["detail"]


def test_simulated_enrolment_is_sandbox_only(services, settings, database, persona):
    from fastapi.testclient import TestClient

    from tuaton.services import build_services
    from tuaton.web import create_app
    production = settings.model_copy(update={"sandbox": False})
    app = create_app(services=build_services(production, database=database, store=services.store,
                                             migrate=False))
    with TestClient(app, base_url="http://testserver") as client:
        refused = client.post("/api/app/v1/enrolments/simulated", json=_body(persona))
        assert refused.status_code == 404 and refused.json()["type"].endswith("sandbox-only")
        response = client.get("/api/sandbox/v1/personas/1101700230705")
        assert response.status_code == 404 and response.json()["type"].endswith("sandbox-only")


def test_app_client_reports_server_refusals(app_client, persona):
    with pytest.raises(AppError) as caught:
        app_client.enroll_card_data_only(persona["pid"], "12345678")
    assert caught.value.status == 422 and "sequence" in str(caught.value)


def _printed(pid: str) -> str:
    return f"{pid[0]}-{pid[1:5]}-{pid[5:10]}-{pid[10:12]}-{pid[12]}"


def test_the_attempt_budget_is_the_citizens_however_the_number_is_typed(http, persona):
    wrong = {"laser_code": "ZZ9-9999999-99"}
    for _ in range(10):
        assert http.post("/api/app/v1/enrolments/simulated", json=_body(persona, **wrong)).status_code == 422
    for typed in (_printed(persona["pid"]), " " + persona["pid"], persona["pid"]):
        refused = http.post("/api/app/v1/enrolments/simulated", json=_body(persona, pid=typed, **wrong))
        assert refused.status_code == 429, typed


def test_a_number_that_is_not_a_citizen_id_is_refused_by_name(http, persona):
    response = http.post("/api/app/v1/enrolments/simulated", json=_body(persona, pid="1234567890123"))
    assert response.status_code == 422 and response.json()["field"] == "pid"
