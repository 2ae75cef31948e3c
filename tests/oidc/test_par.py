"""Pushed authorization requests (RFC 9126): the request goes server to server, the browser carries
a reference; a client may be required to use them. Each rule with the request that must fail."""

from __future__ import annotations

import time

import pytest

from tests.conftest import (
    PASSCODE,
    REDIRECT_URI,
    authorize_params,
    code_from,
    exchange,
    follow_status,
    read_signin_page,
)
from tuaton.oidc.par import REQUEST_URI_PREFIX


def _push(http, agency, auth=None, **extra):
    return http.post("/oauth2/par", data=authorize_params(agency, **extra), auth=auth or agency.auth)


def _problem(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error and body["error_description"], body
    assert response.headers["cache-control"] == "no-store"
    return body


def test_a_pushed_request_signs_the_citizen_in(http, agency, app_client, device):
    pushed = _push(http, agency, state="pushed-state", nonce="pushed-nonce")
    assert pushed.status_code == 201 and pushed.headers["cache-control"] == "no-store", pushed.text
    body = pushed.json()
    assert body["request_uri"].startswith(REQUEST_URI_PREFIX) and body["expires_in"] == 60
    # The browser carries only the reference; anything else in its URL is ignored (RFC 9126 §4).
    page = http.get("/oauth2/authorize", params={"client_id": agency.client_id, "request_uri": body["request_uri"],
                                                 "state": "changed-in-the-browser", "scope": "openid"})
    assert page.status_code == 200, page.text
    started = read_signin_page(page.text)
    app_client.decide(started.payload, device, PASSCODE, number=started.number)
    answer = code_from(follow_status(http, started)["redirect_to"])
    assert answer["state"] == "pushed-state"
    tokens = exchange(http, agency, answer["code"])
    assert tokens.status_code == 200, tokens.text
    assert "name" in tokens.json()["scope"].split()                   # the pushed scope, not the browser's


def test_a_client_that_must_push_cannot_send_a_plain_request(http, services):
    created = services.clients.create(name_en="FAPI e-Service", redirect_uris=[REDIRECT_URI],
                                      scopes=["openid", "pid", "name"], require_par=True)
    params = {"client_id": created.client.client_id, "redirect_uri": REDIRECT_URI, "response_type": "code",
              "scope": "openid", "state": "s1", "code_challenge": "c" * 43, "code_challenge_method": "S256"}
    refused = http.get("/oauth2/authorize", params=params, follow_redirects=False)
    assert refused.status_code in (302, 303), refused.text
    answer = code_from(refused.headers["location"])
    assert answer["error"] == "invalid_request" and "PAR" in answer["error_description"] and answer["state"] == "s1"
    pushed = http.post("/oauth2/par", data=params, auth=(created.client.client_id, created.client_secret))
    assert pushed.status_code == 201, pushed.text
    page = http.get("/oauth2/authorize", params={"client_id": created.client.client_id,
                                                 "request_uri": pushed.json()["request_uri"]})
    assert page.status_code == 200 and 'id="signin-qr"' in page.text


def test_the_discovery_document_advertises_par(http):
    metadata = http.get("/.well-known/openid-configuration").json()
    assert metadata["pushed_authorization_request_endpoint"].endswith("/oauth2/par")
    assert metadata["require_pushed_authorization_requests"] is False


def test_pushing_needs_client_authentication(http, agency):
    _problem(_push(http, agency, auth=(agency.client_id, "wrong-secret-" + "x" * 30)), 401, "invalid_client")
    no_auth = http.post("/oauth2/par", data=authorize_params(agency))
    _problem(no_auth, 401, "invalid_client")


def test_a_bad_pushed_request_is_answered_to_the_server_not_redirected(http, agency):
    _problem(_push(http, agency, redirect_uri="https://evil.example/cb"), 400, "invalid_request")
    _problem(_push(http, agency, scope="openid not-a-scope"), 400, "invalid_scope")
    _problem(_push(http, agency, response_type="token"), 400, "unsupported_response_type")
    _problem(_push(http, agency, request_uri=REQUEST_URI_PREFIX + "x"), 400, "invalid_request")
    _problem(_push(http, agency, client_id="someone-else"), 400, "invalid_request")


def test_an_unknown_expired_or_another_clients_request_uri_is_refused_on_a_page(http, agency, services):
    other = services.clients.create(name_en="Other", redirect_uris=["https://other.example/cb"], scopes=["openid"])
    pushed = _push(http, agency).json()["request_uri"]
    for params in ({"client_id": agency.client_id, "request_uri": REQUEST_URI_PREFIX + "never-pushed"},
                   {"client_id": agency.client_id, "request_uri": "https://rp.example/request.jwt"},
                   {"client_id": other.client.client_id, "request_uri": pushed},
                   {"request_uri": pushed}):
        page = http.get("/oauth2/authorize", params=params, headers={"Accept": "text/html"}, follow_redirects=False)
        assert page.status_code == 400, (params, page.status_code)
        assert "start again" in page.text and "เริ่มใหม่" in page.text
        assert "location" not in page.headers


@pytest.mark.parametrize("settings", [{"par_ttl": 1}], indirect=True)
def test_a_request_uri_lasts_par_ttl(http, agency):
    pushed = _push(http, agency).json()
    assert pushed["expires_in"] == 1
    params = {"client_id": agency.client_id, "request_uri": pushed["request_uri"]}
    assert http.get("/oauth2/authorize", params=params).status_code == 200
    assert http.get("/oauth2/authorize", params=params).status_code == 200          # a reload
    time.sleep(1.3)
    assert http.get("/oauth2/authorize", params=params).status_code == 400


# -- signed request objects (RFC 9101) pushed as `request` ------------------------------------
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture
def signing_agency(services):
    from joserfc.jwk import ECKey, KeySet

    key = ECKey.generate_key("P-256", parameters={"kid": "ro-1"})
    created = services.clients.create(name_en="Signed requests", redirect_uris=[REDIRECT_URI],
                                      scopes=["openid", "pid", "name"], auth_method="private_key_jwt",
                                      jwks=KeySet([key]).as_dict(private=False))
    return created.client.client_id, key


def _signed(key, claims, alg="ES256"):
    from joserfc import jwt

    header = {"alg": alg, **({"kid": key.kid} if key.kid else {})}
    return jwt.encode(header, claims, key, algorithms=[alg])


def _push_object(http, client_id, key, request_object):
    import uuid

    now = int(time.time())
    assertion = _signed(key, {"iss": client_id, "sub": client_id, "aud": "http://testserver/oauth2/par", "iat": now,
                              "exp": now + 60, "jti": str(uuid.uuid4())})
    return http.post("/oauth2/par", data={"client_id": client_id, "request": request_object, "scope": "openid",
                                          "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion})


def _object_claims(issuer_client, /, **changes):
    now = int(time.time())
    claims = {"iss": issuer_client, "aud": "http://testserver", "exp": now + 300, "nbf": now,
              "client_id": issuer_client,
              "response_type": "code", "redirect_uri": REDIRECT_URI, "scope": "openid pid name",
              "state": "from-the-object", "nonce": "n-object"}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def test_a_signed_request_object_is_the_whole_request(http, signing_agency, app_client, device):
    client_id, key = signing_agency
    pushed = _push_object(http, client_id, key, _signed(key, _object_claims(client_id)))
    assert pushed.status_code == 201, pushed.text
    started = read_signin_page(http.get("/oauth2/authorize", params={
        "client_id": client_id, "request_uri": pushed.json()["request_uri"]}).text)
    app_client.decide(started.payload, device, PASSCODE, number=started.number)
    answer = code_from(follow_status(http, started)["redirect_to"])
    assert answer["state"] == "from-the-object" and answer["code"]


@pytest.mark.parametrize("change", [
    {"aud": "https://someone-else.example"}, {"exp": int(time.time()) - 10}, {"exp": None},
    {"iss": "another-client"}, {"client_id": "another-client"}, {"nbf": int(time.time()) - 7200},
    {"request_uri": "urn:x"},
])
def test_a_request_object_breaking_a_rule_is_refused(http, signing_agency, change):
    client_id, key = signing_agency
    refused = _push_object(http, client_id, key, _signed(key, _object_claims(client_id, **change)))
    _problem(refused, 400, "invalid_request_object")


def test_a_request_object_signed_by_another_key_or_unsigned_is_refused(http, signing_agency):
    import base64
    import json

    from joserfc.jwk import ECKey, OctKey

    client_id, key = signing_agency
    other = ECKey.generate_key("P-256", parameters={"kid": "ro-1"})
    _problem(_push_object(http, client_id, key, _signed(other, _object_claims(client_id))), 400,
             "invalid_request_object")
    _problem(_push_object(http, client_id, key, _signed(OctKey.generate_key(256), _object_claims(client_id),
                                                        alg="HS256")), 400, "invalid_request_object")
    b64 = lambda v: base64.urlsafe_b64encode(json.dumps(v).encode()).rstrip(b"=").decode()  # noqa: E731
    unsigned = f"{b64({'alg': 'none'})}.{b64(_object_claims(client_id))}."
    _problem(_push_object(http, client_id, key, unsigned), 400, "invalid_request_object")
