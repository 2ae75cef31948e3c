"""Enrolment at a registrar office: the officer's station pages and the app scanning its QR code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
import time

import pytest
from fastapi.testclient import TestClient
from joserfc.jwk import ECKey
from sqlalchemy import select

from tests.conftest import ISSUER, PASSCODE, portal_sign_in
from tuaton.appclient.client import AppClient, AppError
from tuaton.audit.models import AuditEvent
from tuaton.biometrics.fingerprints import encode_template, impression, synthetic_template
from tuaton.errors import ProofingRefused
from tuaton.identity.devices import sign_request
from tuaton.officers.models import Officer
from tuaton.registry.models import CardState, LifeStatus
from tuaton.registry.sampling import sample_personas

OFFICER_PASSWORD = "correct horse battery"


class Station:
    """One officer's browser at the station: signs in with the Tuaton app (the officer is a synthetic
    citizen too, never one of those the tests enrol), then posts the station's forms."""

    _officers = itertools.count(40)

    def __init__(self, app, services, username: str, *, role: str = "registrar", office: str = "1001") -> None:
        pid = sample_personas(services.database, 60)[next(Station._officers) % 20 + 40]["pid"]
        services.officers.create(username, f"Officer {username}", office, role, OFFICER_PASSWORD, pid=pid)
        issuer = services.settings.issuer        # the suite's, or a live server's
        self.http = TestClient(app, base_url=issuer)
        self.http.__enter__()
        app_client = AppClient(issuer, http=self.http)
        portal_sign_in(self.http, app_client, app_client.enroll_card_data_only(pid, PASSCODE), "/office/tuaton")
        self.signed_in = self.http.get("/office/tuaton", follow_redirects=False)
        if self.signed_in.status_code == 303:
            self.csrf = _csrf(self.http.get("/office").text)

    def post(self, path: str, **data):
        return self.http.post(path, data={"csrf": self.csrf, **data}, follow_redirects=False)

    def read_card(self, pid: str) -> str:
        assert self.post("/office/reader", pid=pid).status_code == 303
        response = self.post("/office/visits")
        assert response.status_code == 303, response.text
        return response.headers["location"].split("?")[0].rsplit("/", 1)[-1]

    def scan(self, visit: str, simulate: str = "own", finger: str = "right_index"):
        return self.post(f"/office/visits/{visit}/fingerprint", simulate=simulate, finger=finger)

    def qr_payload(self, visit: str) -> str:
        response = self.post(f"/office/visits/{visit}/qr")
        assert response.status_code == 200, response.text
        return re.search(r'id="office-qr" class="qr" data-payload="([^"]+)"', response.text).group(1)

    def status(self, visit: str) -> dict:
        return self.http.get(f"/office/visits/{visit}/status").json()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@pytest.fixture
def station(app, services):
    return Station(app, services, "somchai")


def _bind(http, code: str, pid: str, *, key: ECKey | None = None, accept_terms: bool = True):
    key = key or ECKey.generate_key("P-256")
    return http.post("/api/app/v1/office-enrolments", json={
        "code": code, "pid": pid, "accept_terms": accept_terms, "public_jwk": key.as_dict(private=False),
        "key_proof": sign_request(key, {"purpose": "enrol", "iat": int(time.time())})})


def _events(services, kind: str) -> list[AuditEvent]:
    with services.database.reading() as session:
        return list(session.execute(select(AuditEvent).where(AuditEvent.kind == kind)).scalars())


def test_fingerprint_enrolment_reaches_ial_3_and_every_step_names_the_officer(station, app_client, persona,
                                                                              services):
    visit = station.read_card(persona["pid"])
    page = station.http.get(f"/office/visits/{visit}").text
    assert persona["given_name_th"] in page and 'id="chip-pid">' + persona["pid"] in page
    assert station.http.get(f"/office/visits/{visit}/photo").headers["content-type"] == "image/jpeg"
    assert station.scan(visit).status_code == 303
    payload = station.qr_payload(visit)
    assert payload.startswith(f"{ISSUER}/e/")

    device = app_client.enroll_at_office(payload, persona["pid"], PASSCODE)

    assert device.ial == "3"
    assert station.status(visit) == {"state": "completed", "enrolment_state": "completed", "ial": "3"}
    assert 'id="visit-ial">IAL 3' in station.http.get(f"/office/visits/{visit}").text
    officer_id = _events(services, "office.card_read")[0].details["officer_id"]
    for kind in ("office.card_read", "office.fingerprint_matched", "office.qr_shown", "office.app_bound",
                 "enrolment.completed"):
        (event,) = _events(services, kind)
        assert event.details["officer_id"] == officer_id and event.details["office_code"] == "1001", kind
    # What the chip said, the photo and the template never reach the audit trail.
    details = str([e.details for e in _events(services, "office.fingerprint_matched")])
    assert "photo" not in details and "minutiae" not in details


def test_the_station_warns_that_a_citizen_with_an_active_phone_will_move_it(station, app_client, persona):
    visit = station.read_card(persona["pid"])
    assert 'id="already-enrolled"' not in station.http.get(f"/office/visits/{visit}").text
    station.post(f"/office/visits/{visit}/cancel")
    app_client.enroll_card_data_only(persona["pid"], PASSCODE)          # the citizen has the app already
    again = station.read_card(persona["pid"])
    page = station.http.get(f"/office/visits/{again}").text
    assert 'id="already-enrolled"' in page and "เครื่องเดิมจะใช้ไม่ได้อีก" in page


def test_without_fingerprint_the_officer_confirms_the_face_and_the_level_is_2_3(station, app_client, persona):
    visit = station.read_card(persona["pid"])
    assert station.post(f"/office/visits/{visit}/confirm-face", reason="worn_fingerprints").status_code == 303
    device = app_client.enroll_at_office(station.qr_payload(visit), persona["pid"], PASSCODE)
    assert device.ial == "2.3"


def test_face_confirmation_needs_a_reason(station, persona):
    visit = station.read_card(persona["pid"])
    response = station.post(f"/office/visits/{visit}/confirm-face", reason="because")
    assert response.status_code == 422 and "office-error" in response.text
    assert station.status(visit)["state"] == "card_read"


def test_someone_elses_finger_is_refused_and_three_failures_stop_fingerprint_scans(station, persona):
    visit = station.read_card(persona["pid"])
    for _ in range(3):
        response = station.scan(visit, simulate="other")
        assert response.status_code == 422
        assert "ลายนิ้วมือไม่ตรงกับข้อมูลในทะเบียนราษฎร" in response.text
        assert "The fingerprint does not match" in response.text
    response = station.scan(visit, simulate="own")
    assert response.status_code == 429
    assert station.status(visit)["state"] == "card_read"


def test_a_malformed_scanner_template_is_refused_with_what_is_wrong(station, persona):
    visit = station.read_card(persona["pid"])
    response = station.http.post(f"/office/visits/{visit}/fingerprint", data={"csrf": station.csrf},
                                 files={"template": ("finger.bin", b"ISO\x00not a template")})
    assert response.status_code == 422 and "TTFP" in response.text


def test_a_real_scanners_template_upload_matches(station, persona):
    visit = station.read_card(persona["pid"])
    template = encode_template(impression(synthetic_template(persona["pid"], "left_index"), "upload"))
    response = station.http.post(f"/office/visits/{visit}/fingerprint",
                                 data={"csrf": station.csrf, "finger": "left_index"},
                                 files={"template": ("finger.bin", template)}, follow_redirects=False)
    assert response.status_code == 303
    assert station.status(visit) == {"state": "identity_confirmed", "enrolment_state": None, "ial": "3"}


def test_the_app_must_type_the_id_of_the_card_at_the_station(station, http, personas):
    owner, other = personas[0], personas[1]
    visit = station.read_card(owner["pid"])
    station.scan(visit)
    code = station.qr_payload(visit).rsplit("/", 1)[-1]
    for attempts_left in (2, 1, 0):
        response = _bind(http, code, other["pid"])
        assert response.status_code == 422
        assert response.json()["reason"] == "id_mismatch" and response.json()["attempts_left"] == attempts_left
    # Three wrong IDs withdraw the code: even the right ID cannot use it now.
    assert _bind(http, code, owner["pid"]).json()["type"].endswith("binding-code-not-found")


def test_a_binding_code_is_single_use_and_a_new_qr_replaces_the_old(station, http, persona):
    visit = station.read_card(persona["pid"])
    station.scan(visit)
    first = station.qr_payload(visit).rsplit("/", 1)[-1]
    second = station.qr_payload(visit).rsplit("/", 1)[-1]
    assert _bind(http, first, persona["pid"]).status_code == 404
    assert _bind(http, second, persona["pid"]).status_code == 201
    assert _bind(http, second, persona["pid"]).status_code == 404
    assert station.status(visit)["state"] == "app_bound"


def test_an_expired_binding_code_is_refused(app, services, settings, http, persona):
    services.settings = settings.model_copy(update={"office_binding_ttl": 0})
    services.office._settings = services.settings
    station = Station(app, services, "malee")
    visit = station.read_card(persona["pid"])
    station.scan(visit)
    code = station.qr_payload(visit).rsplit("/", 1)[-1]
    response = _bind(http, code, persona["pid"])
    assert response.status_code == 404 and "ask the officer" in response.json()["detail"]


def test_the_qr_needs_a_confirmed_identity(station, persona):
    visit = station.read_card(persona["pid"])
    response = station.post(f"/office/visits/{visit}/qr")
    assert response.status_code == 409 and 'id="office-qr"' not in response.text


def test_the_app_must_accept_the_terms_and_prove_its_key(station, http, persona):
    visit = station.read_card(persona["pid"])
    station.scan(visit)
    code = station.qr_payload(visit).rsplit("/", 1)[-1]
    assert _bind(http, code, persona["pid"], accept_terms=False).status_code == 422
    key, other = ECKey.generate_key("P-256"), ECKey.generate_key("P-256")
    forged = http.post("/api/app/v1/office-enrolments", json={
        "code": code, "pid": persona["pid"], "accept_terms": True, "public_jwk": key.as_dict(private=False),
        "key_proof": sign_request(other, {"purpose": "enrol", "iat": int(time.time())})})
    assert forged.status_code in (400, 401) and station.status(visit)["state"] == "identity_confirmed"


def test_an_officer_cannot_see_or_act_on_another_officers_visit(app, services, station, persona):
    visit = station.read_card(persona["pid"])
    intruder = Station(app, services, "prasit", office="1002")
    assert intruder.http.get(f"/office/visits/{visit}/status").status_code == 404
    assert intruder.http.get(f"/office/visits/{visit}/photo").status_code == 404
    assert intruder.scan(visit).status_code == 404
    assert intruder.post(f"/office/visits/{visit}/cancel").status_code == 404
    assert station.status(visit)["state"] == "card_read"


def test_an_administrator_cannot_open_the_station(app, services, persona):
    admin = Station(app, services, "admin1", role="administrator")
    assert admin.signed_in.status_code == 403 and "เฉพาะนายทะเบียน" in admin.signed_in.text
    assert admin.http.get("/office", follow_redirects=False).headers["location"].startswith("/office/signin")


def test_the_station_password_is_break_glass_only(services, http):
    services.officers.create("kanya", "Kanya", "1001", "registrar", OFFICER_PASSWORD)
    form = http.get("/office/signin")
    assert 'id="office-signin-tuaton"' in form.text and 'name="password"' not in form.text
    refused = http.post("/office/signin", data={"username": "kanya", "password": OFFICER_PASSWORD,
                                                "csrf": http.cookies.get("tuaton_officer_csrf")})
    assert refused.status_code == 403 and "แอปตัวตน" in refused.text and "tuaton_officer=" not in refused.headers.get(
        "set-cookie", "")


@pytest.mark.parametrize("settings", [{"office_break_glass": True}], indirect=True)
def test_break_glass_opens_the_station_with_the_password_and_is_audited(services, http):
    services.officers.create("kanya", "Kanya", "1001", "registrar", OFFICER_PASSWORD)
    form = http.get("/office/signin")
    assert 'id="break-glass-notice"' in form.text
    opened = http.post("/office/signin", data={"username": "kanya", "password": OFFICER_PASSWORD,
                                               "csrf": _csrf(form.text)}, follow_redirects=False)
    assert opened.status_code == 303
    with services.database.reading() as session:
        assert session.execute(select(AuditEvent.details).where(
            AuditEvent.kind == "officer.break_glass_signin")).scalar_one()["officer"] == "kanya"


def test_station_forms_need_the_sessions_csrf_token(station, persona):
    station.post("/office/reader", pid=persona["pid"])
    response = station.http.post("/office/visits", data={"csrf": "forged"}, headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert station.http.post("/office/visits", data={}).status_code == 403


def test_without_a_session_the_station_sends_you_to_sign_in_and_refuses_steps(http, persona):
    response = http.get("/office", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/office/signin")
    assert http.post("/office/visits", data={"csrf": "x"}).status_code == 401


def test_after_sign_out_the_session_no_longer_works(station, persona):
    cookie = station.http.cookies.get("tuaton_officer")
    assert station.post("/office/signout").status_code == 303
    station.http.cookies.set("tuaton_officer", cookie, path="/office")
    assert station.post("/office/visits").status_code == 401


@pytest.mark.parametrize("settings", [{"office_break_glass": True}], indirect=True)
def test_wrong_passwords_lock_the_officer_out(app, services, http):
    services.officers.create("kanya", "Kanya", "1001", "registrar", OFFICER_PASSWORD)
    page = http.get("/office/signin")
    csrf = _csrf(page.text)
    for _ in range(5):
        response = http.post("/office/signin", data={"username": "kanya", "password": "wrong password!",
                                                     "csrf": csrf})
        assert response.status_code == 401 and "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.text
    locked = http.post("/office/signin", data={"username": "kanya", "password": OFFICER_PASSWORD, "csrf": csrf},
                       follow_redirects=False)
    assert locked.status_code == 429
    assert len(_events(services, "officer.signin_failed")) == 5


def test_sign_in_without_the_forms_csrf_cookie_is_refused(app, services, http):
    services.officers.create("dao", "Dao", "1001", "registrar", OFFICER_PASSWORD)
    response = http.post("/office/signin", data={"username": "dao", "password": OFFICER_PASSWORD, "csrf": "x"},
                         follow_redirects=False)
    assert response.status_code == 403 and "tuaton_officer=" not in response.headers.get("set-cookie", "")


class _ChangedRegistry:
    """The registry after something happened to the card the citizen brought (or to them)."""

    def __init__(self, real, **card_changes) -> None:
        self._real, self._changes = real, card_changes

    def citizen(self, pid):
        citizen = self._real.citizen(pid)
        life = self._changes.get("life_status")
        return dataclasses.replace(citizen, life_status=life) if life else citizen

    def current_card(self, pid):
        changes = {k: v for k, v in self._changes.items() if k != "life_status"}
        return dataclasses.replace(self._real.current_card(pid), **changes)


@pytest.mark.parametrize("change, reason", [
    ({"state": CardState.REVOKED}, "card_revoked"),
    ({"state": CardState.LOST}, "card_revoked"),
    ({"life_status": LifeStatus.DECEASED}, "card_revoked"),
    ({"issued_on": dt.date(2001, 1, 1)}, "card_replaced"),
])
def test_the_registry_refuses_a_card_that_is_not_current(station, services, persona, change, reason):
    station.post("/office/reader", pid=persona["pid"])
    services.office._registry = _ChangedRegistry(services.registry, **change)
    response = station.post("/office/visits")
    assert response.status_code == 422
    assert ProofingRefused.REASONS[reason][1] in response.text
    (event,) = _events(services, "office.card_refused")
    assert event.details["reason"] == reason


def test_an_expired_card_is_refused(station, services, persona):
    station.post("/office/reader", pid=persona["pid"])
    expired_on = dt.date(2020, 1, 1)
    services.office._registry = _ChangedRegistry(services.registry, expires_on=expired_on)
    chip = services.office.reader.read(_officer_id(services, "somchai"))
    services.office.reader = _FixedReader(dataclasses.replace(chip, expires_on=expired_on))
    response = station.post("/office/visits")
    assert response.status_code == 422 and ProofingRefused.REASONS["card_expired"][0] in response.text


class _FixedReader:
    def __init__(self, card) -> None:
        self.card = card

    def read(self, station_id):
        return self.card


def _officer_id(services, username: str) -> str:
    with services.database.reading() as session:
        return session.execute(select(Officer.id).where(Officer.username == username)).scalar_one()


def test_reading_with_no_card_in_the_reader_says_so(station):
    response = station.post("/office/visits")
    assert response.status_code == 422 and "อ่านชิปบัตรไม่ได้" in response.text


def test_an_app_client_error_reads_well(station, app_client, persona):
    visit = station.read_card(persona["pid"])
    station.scan(visit)
    with pytest.raises(AppError) as caught:
        app_client.enroll_at_office(f"{ISSUER}/e/not-a-code-at-all", persona["pid"], PASSCODE)
    assert caught.value.status == 404 and "officer" in str(caught.value)


def test_an_agency_requiring_ial_3_accepts_a_citizen_enrolled_with_a_fingerprint(station, http, app_client,
                                                                                   persona, agency):
    from joserfc import jwt

    from tests.conftest import exchange, signed_in_code
    from tests.signin.test_assurance_levels import _keys
    visit = station.read_card(persona["pid"])
    station.scan(visit)
    device = app_client.enroll_at_office(station.qr_payload(visit), persona["pid"], PASSCODE)
    code = signed_in_code(http, app_client, device, agency, acr_values="urn:tuaton:ial:3")
    claims = jwt.decode(exchange(http, agency, code).json()["id_token"], _keys(http),
                        algorithms=["ES256", "RS256"]).claims
    assert claims["acr"] == "urn:tuaton:ial:3:aal:2.2"


def test_the_qr_link_opens_the_app_on_a_phone_without_it(station, http, persona):
    visit = station.read_card(persona["pid"])
    station.scan(visit)
    payload = station.qr_payload(visit)
    landing = http.get(payload.removeprefix(ISSUER), headers={"Accept": "text/html"})
    assert landing.status_code == 200 and "tuaton://office-enrol?payload=" in landing.text


def test_cancelling_a_visit_withdraws_its_qr_and_stops_a_bound_app(station, http, persona):
    visit = station.read_card(persona["pid"])
    station.scan(visit)
    code = station.qr_payload(visit).rsplit("/", 1)[-1]
    bound = _bind(http, code, persona["pid"])
    assert bound.status_code == 201
    assert station.post(f"/office/visits/{visit}/cancel").status_code == 303
    enrolment = bound.json()
    response = http.post(f"/api/app/v1/enrolments/{enrolment['id']}/passcode",
                         headers={"Authorization": f"Bearer {enrolment['token']}"},
                         json={"passcode": PASSCODE, "passcode_confirmation": PASSCODE})
    assert response.status_code == 410
    assert station.status(visit)["state"] == "cancelled"
    (event,) = _events(services_of(station), "office.visit_cancelled")
    assert event.details["officer"] == "somchai"


def services_of(station):
    return station.http.app.state.services


def test_the_simulated_reader_and_scanner_answer_only_in_the_sandbox(station, services, settings, persona):
    visit = station.read_card(persona["pid"])
    services.settings = settings.model_copy(update={"sandbox": False})
    assert station.post("/office/reader", pid=persona["pid"]).status_code == 404
    assert station.scan(visit, simulate="own").status_code == 404
    assert station.status(visit)["state"] == "card_read"
