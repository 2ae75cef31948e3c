"""OpenID CIBA: an agency's server asks, the citizen approves on the phone, the agency gets tokens."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import update

from tests.conftest import ISSUER, PASSCODE, Agency, code_from, exchange, follow_status, start_signin
from tuaton.appclient.client import AppError
from tuaton.identity.models import Identity
from tuaton.oidc import ciba
from tuaton.oidc.clients import PRODUCTION, SANDBOX

BC = "/oauth2/bc-authorize"
TOKEN = "/oauth2/token"


def _agency(services, mode="poll", scopes=("openid", "pid", "name"), endpoint=None,
            environment=PRODUCTION) -> Agency:
    created = services.clients.create(name_en="Cabinet meeting check-in", name_th="ลงทะเบียนเข้าประชุม",
                                      redirect_uris=["https://meeting.example.go.th/cb"], scopes=list(scopes),
                                      backchannel_mode=mode, backchannel_notification_endpoint=endpoint,
                                      environment=environment)
    return Agency(created.client.client_id, created.client_secret, "https://meeting.example.go.th/cb")


@pytest.fixture
def meeting(services) -> Agency:
    return _agency(services)


def _start(http, agency, **form) -> dict:
    response = http.post(BC, data={"scope": "openid pid name", **form}, auth=agency.auth)
    return response


def _poll(http, agency, auth_req_id):
    return http.post(TOKEN, data={"grant_type": ciba.GRANT_TYPE, "auth_req_id": auth_req_id}, auth=agency.auth)


def _error(response) -> str:
    assert response.status_code in (400, 401, 403), response.text
    return response.json()["error"]


def test_discovery_offers_poll_and_ping(http):
    metadata = http.get("/.well-known/openid-configuration").json()
    assert metadata["backchannel_authentication_endpoint"] == ISSUER + BC
    assert metadata["backchannel_token_delivery_modes_supported"] == ["poll", "ping"]
    assert ciba.GRANT_TYPE in metadata["grant_types_supported"]


def test_the_citizen_approves_on_the_phone_and_the_agency_gets_tokens(http, app_client, device, persona, meeting):
    started = _start(http, meeting, login_hint=persona["pid"], binding_message="Cabinet room 3 · seat 12")
    assert started.status_code == 200, started.text
    body = started.json()
    assert body["expires_in"] == 120 and body["interval"] == 5
    assert _error(_poll(http, meeting, body["auth_req_id"])) == "authorization_pending"

    inbox = app_client.backchannel_requests(device)
    assert [r["binding_message"] for r in inbox] == ["Cabinet room 3 · seat 12"]
    assert inbox[0]["agency"]["name_th"] == "ลงทะเบียนเข้าประชุม"
    assert {c["claim"] for c in inbox[0]["claims"]} == {"pid", "name"}
    assert app_client.decide_backchannel(body["auth_req_id"], device, PASSCODE)["status"] == "approved"
    assert app_client.backchannel_requests(device) == []

    tokens = _poll(http, meeting, body["auth_req_id"])
    assert tokens.status_code == 200, tokens.text
    keys = KeySet.import_key_set(http.get("/oauth2/jwks").json())
    claims = jwt.decode(tokens.json()["id_token"], keys).claims
    assert claims["pid"] == persona["pid"] and claims["aud"] == meeting.client_id
    assert claims["acr"].startswith("urn:tuaton:ial:") and "nonce" not in claims
    userinfo = http.get("/oauth2/userinfo", headers={"Authorization": "Bearer " + tokens.json()["access_token"]})
    assert userinfo.json()["pid"] == persona["pid"]
    assert _error(_poll(http, meeting, body["auth_req_id"])) == "invalid_grant"  # redeemed once


def test_polling_faster_than_the_interval_is_told_to_slow_down(http, device, persona, meeting):
    auth_req_id = _start(http, meeting, login_hint=persona["pid"]).json()["auth_req_id"]
    assert _error(_poll(http, meeting, auth_req_id)) == "authorization_pending"
    slow = _poll(http, meeting, auth_req_id)
    assert _error(slow) == "slow_down" and "10 seconds" in slow.json()["error_description"]


def test_a_refusal_reaches_the_agency_as_access_denied(http, app_client, device, persona, meeting, services):
    auth_req_id = _start(http, meeting, login_hint=persona["pid"]).json()["auth_req_id"]
    assert app_client.decide_backchannel(auth_req_id, device, None, approve=False)["status"] == "denied"
    assert _error(_poll(http, meeting, auth_req_id)) == "access_denied"
    # The national dashboard counts it with the refused QR sign-ins.
    assert dict(services.dashboard.count().failure_reasons).get("signin.denied") == 1


def test_a_citizen_below_the_required_level_is_refused_and_counted(http, app_client, device, persona, meeting,
                                                                   services):
    auth_req_id = _start(http, meeting, login_hint=persona["pid"],
                         acr_values="urn:tuaton:ial:2.3").json()["auth_req_id"]
    with pytest.raises(AppError) as caught:
        app_client.decide_backchannel(auth_req_id, device, PASSCODE)
    assert caught.value.problem["type"].endswith("assurance-too-low")
    assert _error(_poll(http, meeting, auth_req_id)) == "access_denied"
    assert dict(services.dashboard.count().failure_reasons).get("signin.assurance_too_low") == 1


def test_an_unanswered_request_expires(http, device, persona, meeting, monkeypatch):
    auth_req_id = _start(http, meeting, login_hint=persona["pid"], requested_expiry="30").json()["auth_req_id"]
    later = time.time() + 31
    monkeypatch.setattr(ciba, "time", type("Clock", (), {"time": staticmethod(lambda: later)}))
    assert _error(_poll(http, meeting, auth_req_id)) == "expired_token"


def test_a_wrong_passcode_leaves_the_request_open(http, app_client, device, persona, meeting):
    auth_req_id = _start(http, meeting, login_hint=persona["pid"]).json()["auth_req_id"]
    with pytest.raises(AppError) as caught:
        app_client.decide_backchannel(auth_req_id, device, "20589146")
    assert caught.value.status == 401
    assert len(app_client.backchannel_requests(device)) == 1
    assert _error(_poll(http, meeting, auth_req_id)) == "authorization_pending"


def test_another_citizens_phone_cannot_answer(http, app_client, device, personas, meeting):
    auth_req_id = _start(http, meeting, login_hint=personas[0]["pid"]).json()["auth_req_id"]
    other = app_client.enroll_card_data_only(personas[1]["pid"], PASSCODE)
    assert app_client.backchannel_requests(other) == []
    with pytest.raises(AppError) as caught:
        app_client.decide_backchannel(auth_req_id, other, PASSCODE)
    assert caught.value.status == 404


@pytest.mark.parametrize(("form", "error"), [
    ({"login_hint": "1101700203451"}, "unknown_user_id"),  # a valid citizen ID with no Tuaton app
    ({"login_hint": "not-a-subject-we-issued"}, "unknown_user_id"),
    ({}, "invalid_request"),
    ({"id_token_hint": "x.y.z"}, "invalid_request"),
    ({"login_hint": "{pid}", "binding_message": "x" * 65}, "invalid_binding_message"),
    ({"login_hint": "{pid}", "scope": "pid"}, "invalid_scope"),
    ({"login_hint": "{pid}", "scope": "openid address"}, "invalid_scope"),
    ({"login_hint": "{pid}", "requested_expiry": "3600"}, "invalid_request"),
    ({"login_hint": "{pid}", "requested_expiry": "٣٠٠"}, "invalid_request"),     # Arabic-Indic 300
    ({"login_hint": "{pid}", "requested_expiry": "60.5"}, "invalid_request"),
])
def test_bad_backchannel_requests_are_refused(http, device, persona, meeting, form, error):
    form = {k: v.replace("{pid}", persona["pid"]) for k, v in form.items()}
    assert _error(_start(http, meeting, **form)) == error


def test_a_client_without_backchannel_registration_is_refused(http, services, persona, device):
    plain = _agency(services, mode=None)
    assert _error(_start(http, plain, login_hint=persona["pid"])) == "unauthorized_client"


def test_the_citizen_id_is_only_a_hint_for_agencies_approved_for_it(http, services, app_client, device, persona):
    no_pid = _agency(services, scopes=("openid", "name"))
    refused = http.post(BC, data={"scope": "openid name", "login_hint": persona["pid"]}, auth=no_pid.auth)
    assert _error(refused) == "unknown_user_id"
    # …but the pairwise sub from an earlier QR sign-in names the citizen.
    page = start_signin(http, no_pid, scope="openid name")
    app_client.decide(page.payload, device, PASSCODE, number=page.number)
    tokens = exchange(http, no_pid, code_from(follow_status(http, page)["redirect_to"])["code"]).json()
    keys = KeySet.import_key_set(http.get("/oauth2/jwks").json())
    sub = jwt.decode(tokens["id_token"], keys).claims["sub"]
    started = http.post(BC, data={"scope": "openid name", "login_hint": sub}, auth=no_pid.auth)
    assert started.status_code == 200, started.text


def test_another_client_cannot_redeem_the_request(http, services, device, persona, meeting):
    auth_req_id = _start(http, meeting, login_hint=persona["pid"]).json()["auth_req_id"]
    other = _agency(services)
    assert _error(_poll(http, other, auth_req_id)) == "invalid_grant"


def test_ping_mode_notifies_the_agency_then_it_fetches_the_tokens(http, services, app_client, device, persona):
    received: list[tuple[str, dict]] = []
    arrived = threading.Event()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            length = int(self.headers["Content-Length"])
            received.append((self.headers["Authorization"], json.loads(self.rfile.read(length))))
            self.send_response(204)
            self.end_headers()
            arrived.set()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        agency = _agency(services, mode="ping", endpoint=f"http://127.0.0.1:{server.server_port}/ciba-ping")
        assert _error(_start(http, agency, login_hint=persona["pid"])) == "invalid_request"  # no notification token
        auth_req_id = _start(http, agency, login_hint=persona["pid"],
                             client_notification_token="notify-me-8d1f2a").json()["auth_req_id"]
        app_client.decide_backchannel(auth_req_id, device, PASSCODE)
        assert arrived.wait(10), "the agency was never pinged"
        assert received == [("Bearer notify-me-8d1f2a", {"auth_req_id": auth_req_id})]
        assert _poll(http, agency, auth_req_id).status_code == 200
    finally:
        server.shutdown()
        server.server_close()


def test_ping_mode_needs_a_notification_endpoint(services):
    from tuaton.errors import InvalidInput
    with pytest.raises(InvalidInput):
        _agency(services, mode="ping", endpoint=None)
    with pytest.raises(InvalidInput):
        _agency(services, mode="ping", endpoint="http://meeting.example.go.th/ping")  # plain http off loopback


def test_an_agency_cannot_flood_a_citizens_phone(http, device, persona, meeting, services):
    for _ in range(3):
        assert _start(http, meeting, login_hint=persona["pid"]).status_code == 200
    flood = _start(http, meeting, login_hint=persona["pid"])
    assert flood.status_code == 429 and flood.json()["error"] == "slow_down"
    assert flood.headers["Retry-After"] == "60"
    other_agency = _agency(services)
    assert _start(http, other_agency, login_hint=persona["pid"]).status_code == 200  # the limit is per agency


def _enrolled_for_real(services) -> None:
    """The test persona's identity as if enrolled through the app with a face check."""
    with services.database.transaction() as session:
        session.execute(update(Identity).values(enrolment_channel="app"))


def test_sandbox_credentials_never_ring_a_real_citizens_phone(http, services, app_client, device, persona):
    sandbox = _agency(services, environment=SANDBOX)
    started = _start(http, sandbox, login_hint=persona["pid"])   # a test persona: allowed
    assert started.status_code == 200, started.text
    _enrolled_for_real(services)
    refused = _start(http, sandbox, login_hint=persona["pid"])
    assert refused.json()["error"] == "unknown_user_id"
    assert "test personas" in refused.json()["error_description"]
    # A request made while the citizen was a test persona cannot be approved now either.
    with pytest.raises(AppError) as caught:
        app_client.decide_backchannel(started.json()["auth_req_id"], device, PASSCODE)
    assert caught.value.status == 403 and caught.value.problem["type"].endswith("sandbox-personas-only")
    assert app_client.decide_backchannel(started.json()["auth_req_id"], device, None,
                                         approve=False)["status"] == "denied"   # refusing still works
    assert _start(http, _agency(services), login_hint=persona["pid"]).status_code == 200  # production may


def test_unknown_user_id_does_not_tell_whether_a_citizen_uses_tuaton(http, services, app_client, personas):
    """Sandbox credentials are issued to anyone with pid: the answer for a real citizen who uses
    Tuaton must be the answer for a citizen ID nobody enrolled."""
    sandbox = _agency(services, environment=SANDBOX)
    user = personas[2]["pid"]
    app_client.enroll_card_data_only(user, PASSCODE)
    _enrolled_for_real(services)                      # a real citizen with an active app
    never_enrolled = personas[3]["pid"]
    answers = [_start(http, sandbox, login_hint=pid) for pid in (user, never_enrolled)]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["error"] == "unknown_user_id"


@pytest.mark.parametrize("settings", [{"ciba_lookups_per_client_per_minute": 3}], indirect=True)
def test_a_client_cannot_sweep_citizen_ids_through_the_backchannel(http, services, personas):
    sandbox = _agency(services, environment=SANDBOX)
    answers = [_start(http, sandbox, login_hint=p["pid"]).json()["error"] for p in personas[:5]]
    # The budget is spent before the lookup: the fourth request is refused whoever it names.
    assert answers == ["unknown_user_id"] * 3 + ["slow_down"] * 2
