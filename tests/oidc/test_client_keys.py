"""private_key_jwt with a jwks_uri: the agency's keys are fetched (through the outbound path),
kept, fetched again when the agency rotates, and every way a fetch can go wrong is an
invalid_client the agency can act on — never a 500, never a fetch on demand of anyone."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from tests.conftest import REDIRECT_URI, Agency, signed_in_code
from tuaton.errors import InvalidInput
from tuaton.oidc import client_keys

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class JwksServer:
    """The agency's server publishing its JWKS on loopback; counts the fetches."""

    def __init__(self) -> None:
        self.document: dict = {"keys": []}
        self.status = 200
        self.fetches = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.fetches += 1
                body = json.dumps(outer.document).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, *keys) -> None:
        self.document = KeySet(list(keys)).as_dict(private=False)


@pytest.fixture
def jwks_server():
    server = JwksServer()
    yield server
    server.server.shutdown()
    server.server.server_close()      # the port is free again (vpcd's fixed 35963 may be the one it got)


def _key(kid: str) -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": kid})


@pytest.fixture
def uri_agency(services, jwks_server):
    created = services.clients.create(name_en="Keys by URL", redirect_uris=[REDIRECT_URI],
                                      scopes=["openid", "pid", "name"], auth_method="private_key_jwt",
                                      jwks_uri=jwks_server.url, internal_ok=True)
    return Agency(created.client.client_id, None, REDIRECT_URI)


def _exchange(http, agency, code, key, alg="ES256"):
    now = int(time.time())
    assertion = jwt.encode({"alg": alg, "kid": key.kid}, {
        "iss": agency.client_id, "sub": agency.client_id, "aud": "http://testserver/oauth2/token", "iat": now,
        "exp": now + 60, "jti": str(uuid.uuid4())}, key, algorithms=[alg])
    return http.post("/oauth2/token", data={"grant_type": "authorization_code", "code": code,
                                            "redirect_uri": REDIRECT_URI, "client_assertion_type": ASSERTION_TYPE,
                                            "client_assertion": assertion})


def test_the_keys_are_fetched_once_and_again_when_the_agency_rotates(http, app_client, device, uri_agency,
                                                                       jwks_server, monkeypatch):
    monkeypatch.setattr(client_keys, "REFETCH_SECONDS", 1)
    first, second = _key("k1"), _key("k2")
    jwks_server.publish(first)
    for _ in range(2):
        code = signed_in_code(http, app_client, device, uri_agency)
        assert _exchange(http, uri_agency, code, first).status_code == 200
    assert jwks_server.fetches == 1                                      # kept, not fetched per request
    jwks_server.publish(second)                                          # the agency rotates
    time.sleep(1.1)
    code = signed_in_code(http, app_client, device, uri_agency)
    answer = _exchange(http, uri_agency, code, second)
    assert answer.status_code == 200, answer.text
    assert jwks_server.fetches == 2


def test_unknown_kids_do_not_make_tuaton_fetch_at_will(http, app_client, device, uri_agency, jwks_server):
    jwks_server.publish(_key("k1"))
    for i in range(5):
        code = signed_in_code(http, app_client, device, uri_agency)
        answer = _exchange(http, uri_agency, code, _key(f"unknown-{i}"))
        assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    assert jwks_server.fetches == 1


@pytest.mark.parametrize("problem", ["private", "not_found", "not_json"])
def test_a_broken_jwks_uri_is_an_invalid_client_that_says_why(http, app_client, device, uri_agency, jwks_server,
                                                             problem):
    key = _key("k1")
    if problem == "private":
        jwks_server.document = KeySet([key]).as_dict(private=True)
    elif problem == "not_found":
        jwks_server.status = 404
    else:
        jwks_server.document = ["not", "a", "jwks"]
    code = signed_in_code(http, app_client, device, uri_agency)
    answer = _exchange(http, uri_agency, code, key)
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "invalid_client" and "jwks_uri" in answer.json()["error_description"]


def test_an_agency_cannot_register_an_internal_or_plain_http_jwks_uri(services):
    for uri in ("http://127.0.0.1:8080/jwks", "https://10.0.0.5/jwks", "https://localhost/jwks",
                "http://keys.example.go.th/jwks"):
        with pytest.raises(InvalidInput):
            services.clients.create(name_en="X", redirect_uris=[REDIRECT_URI], scopes=["openid"],
                                    auth_method="private_key_jwt", jwks_uri=uri)


def test_a_fapi_client_may_not_sign_its_assertion_with_rs256(http, services, app_client, device):
    from tuaton.oidc import pkce

    key = RSAKey.generate_key(2048, parameters={"kid": "r1"})
    created = services.clients.create(name_en="FAPI", redirect_uris=[REDIRECT_URI], scopes=["openid", "pid"],
                                      auth_method="private_key_jwt", jwks=KeySet([key]).as_dict(private=False),
                                      require_par=True)
    agency = Agency(created.client.client_id, None, REDIRECT_URI)
    now = int(time.time())
    claims = {"iss": agency.client_id, "sub": agency.client_id, "aud": "http://testserver/oauth2/par", "iat": now,
              "exp": now + 60}
    params = {"client_id": agency.client_id, "redirect_uri": REDIRECT_URI, "response_type": "code", "scope": "openid",
              "code_challenge": pkce.s256("v" * 43), "code_challenge_method": "S256",
              "client_assertion_type": ASSERTION_TYPE}
    rs256 = jwt.encode({"alg": "RS256", "kid": "r1"}, {**claims, "jti": str(uuid.uuid4())}, key, algorithms=["RS256"])
    refused = http.post("/oauth2/par", data={**params, "client_assertion": rs256})
    assert refused.status_code == 401 and "ES256 or PS256" in refused.json()["error_description"]
    ps256 = jwt.encode({"alg": "PS256", "kid": "r1"}, {**claims, "jti": str(uuid.uuid4())}, key, algorithms=["PS256"])
    assert http.post("/oauth2/par", data={**params, "client_assertion": ps256}).status_code == 201
