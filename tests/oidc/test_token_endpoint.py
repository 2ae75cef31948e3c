import base64
import time
import uuid

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from tests.conftest import REDIRECT_URI, exchange, signed_in_code
from tuaton.oidc.pkce import s256


def test_code_exchange_returns_standard_tokens_with_no_store(http, app_client, device, agency):
    code = signed_in_code(http, app_client, device, agency)
    response = exchange(http, agency, code)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store" and response.headers["pragma"] == "no-cache"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0 and body["scope"] == "openid pid name"
    assert {"access_token", "id_token", "refresh_token"} <= body.keys()


def test_a_replayed_code_fails_and_revokes_what_it_issued(http, app_client, device, agency):
    code = signed_in_code(http, app_client, device, agency)
    first = exchange(http, agency, code).json()
    replay = exchange(http, agency, code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    userinfo = http.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {first['access_token']}"})
    assert userinfo.status_code == 401
    refreshed = http.post("/oauth2/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": first["refresh_token"]}, auth=agency.auth)
    assert refreshed.json()["error"] == "invalid_grant"


def test_redirect_uri_must_match_the_authorization_request(http, app_client, device, agency):
    code = signed_in_code(http, app_client, device, agency)
    response = exchange(http, agency, code, redirect_uri=REDIRECT_URI + "x")
    assert response.json()["error"] == "invalid_grant" and "redirect_uri" in response.json()["error_description"]


def test_code_issued_to_another_client_is_refused(http, app_client, device, agency, services):
    other = services.clients.create(name_en="Other", redirect_uris=[REDIRECT_URI], scopes=["openid", "pid", "name"])
    code = signed_in_code(http, app_client, device, agency)
    response = http.post("/oauth2/token", data={"grant_type": "authorization_code", "code": code,
                                                "redirect_uri": REDIRECT_URI},
                         auth=(other.client.client_id, other.client_secret))
    assert response.json()["error"] == "invalid_grant"


def test_wrong_secret_is_invalid_client_with_basic_challenge(http, app_client, device, agency):
    code = signed_in_code(http, app_client, device, agency)
    response = http.post("/oauth2/token", data={"grant_type": "authorization_code", "code": code,
                                                "redirect_uri": REDIRECT_URI}, auth=(agency.client_id, "wrong"))
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")
    # the failed attempt did not burn the code
    assert exchange(http, agency, code).status_code == 200


def test_client_secret_post_is_refused_for_a_basic_client(http, app_client, device, agency):
    code = signed_in_code(http, app_client, device, agency)
    response = http.post("/oauth2/token", data={"grant_type": "authorization_code", "code": code,
                                                "redirect_uri": REDIRECT_URI, "client_id": agency.client_id,
                                                "client_secret": agency.client_secret})
    assert response.status_code == 401 and "client_secret_basic" in response.json()["error_description"]


def test_client_secret_post_client(http, app_client, device, services):
    created = services.clients.create(name_en="Post", redirect_uris=[REDIRECT_URI], scopes=["openid", "pid", "name"],
                                      auth_method="client_secret_post")
    from tests.conftest import Agency
    agency = Agency(created.client.client_id, created.client_secret, REDIRECT_URI)
    code = signed_in_code(http, app_client, device, agency)
    response = http.post("/api/v2/oauth2/token/", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "client_id": agency.client_id, "client_secret": agency.client_secret})
    assert response.status_code == 200, response.text


def test_two_authentication_methods_at_once_are_refused(http, agency):
    response = http.post("/oauth2/token", data={"grant_type": "authorization_code", "code": "x",
                                                "client_secret": "y"}, auth=agency.auth)
    assert response.json()["error"] == "invalid_request"


def test_unsupported_grant_and_missing_parameters(http, agency):
    assert http.post("/oauth2/token", data={"grant_type": "password"}, auth=agency.auth).json()["error"] \
        == "unsupported_grant_type"
    assert http.post("/oauth2/token", data={}, auth=agency.auth).json()["error"] == "invalid_request"
    assert http.post("/oauth2/token", json={"grant_type": "authorization_code"}, auth=agency.auth).json()["error"] \
        == "invalid_request"
    repeated = http.post("/oauth2/token", content="grant_type=x&grant_type=y", auth=agency.auth,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert repeated.json()["error"] == "invalid_request"


@pytest.fixture
def public_agency(services):
    from tests.conftest import Agency
    created = services.clients.create(name_en="Mobile", redirect_uris=["http://127.0.0.1:9/cb"],
                                      scopes=["openid", "pid", "name"], auth_method="none")
    return Agency(created.client.client_id, None, "http://127.0.0.1:9/cb")


def test_public_client_with_pkce(http, app_client, device, public_agency):
    verifier = base64.urlsafe_b64encode(uuid.uuid4().bytes * 2).rstrip(b"=").decode()
    code = signed_in_code(http, app_client, device, public_agency, code_challenge=s256(verifier),
                          code_challenge_method="S256")
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": public_agency.redirect_uri,
            "client_id": public_agency.client_id}
    # Change the verifier's first character to a different one (a fixed replacement would equal it by chance).
    wrong_verifier = ("B" if verifier[0] == "A" else "A") + verifier[1:]
    wrong = http.post("/oauth2/token", data={**data, "code_verifier": wrong_verifier})
    assert wrong.json()["error"] == "invalid_grant"
    right = http.post("/oauth2/token", data={**data, "code_verifier": verifier})
    assert right.json()["error"] == "invalid_grant", "a code is spent by a failed exchange"


def test_public_client_pkce_success_and_no_refresh_without_offline_access(http, app_client, device, public_agency):
    verifier = "v" * 50
    code = signed_in_code(http, app_client, device, public_agency, code_challenge=s256(verifier),
                          code_challenge_method="S256")
    response = http.post("/oauth2/token", data={"grant_type": "authorization_code", "code": code,
                                                "redirect_uri": public_agency.redirect_uri,
                                                "client_id": public_agency.client_id, "code_verifier": verifier})
    assert response.status_code == 200 and "refresh_token" not in response.json()


def test_missing_code_verifier_is_refused(http, app_client, device, agency):
    code = signed_in_code(http, app_client, device, agency, code_challenge=s256("w" * 43),
                          code_challenge_method="S256")
    assert exchange(http, agency, code).json()["error"] == "invalid_grant"


@pytest.fixture
def jwt_agency(services):
    from tests.conftest import Agency
    key = ECKey.generate_key("P-256", parameters={"kid": "agency-key-1"})
    created = services.clients.create(name_en="JWT", redirect_uris=[REDIRECT_URI], scopes=["openid", "pid", "name"],
                                      auth_method="private_key_jwt", jwks=KeySet([key]).as_dict(private=False))
    return Agency(created.client.client_id, None, REDIRECT_URI), key


def _assertion(client_id, key, **claims):
    now = int(time.time())
    body = {"iss": client_id, "sub": client_id, "aud": "http://testserver/oauth2/token", "iat": now, "exp": now + 60,
            "jti": str(uuid.uuid4()), **claims}
    return jwt.encode({"alg": "ES256", "kid": "agency-key-1"}, body, key)


def _jwt_exchange(http, agency, code, assertion):
    return http.post("/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion})


def test_private_key_jwt_authenticates_and_its_jti_is_single_use(http, app_client, device, jwt_agency):
    agency, key = jwt_agency
    assertion = _assertion(agency.client_id, key)
    code = signed_in_code(http, app_client, device, agency)
    assert _jwt_exchange(http, agency, code, assertion).status_code == 200
    code2 = signed_in_code(http, app_client, device, agency)
    again = _jwt_exchange(http, agency, code2, assertion)
    assert again.status_code == 401 and "jti" in again.json()["error_description"]


@pytest.mark.parametrize("claims,fragment", [({"aud": "https://other.example/token"}, "aud"),
                                             ({"exp": int(time.time()) - 600}, "exp"),
                                             ({"sub": "someone-else"}, "sub"),
                                             ({"exp": float("nan")}, "exp"),        # never expired, and a 500
                                             ({"exp": float("inf")}, "exp"),
                                             ({"exp": True}, "exp"),
                                             ({"exp": str(int(time.time()) + 60)}, "exp")])
def test_private_key_jwt_claims_are_checked(http, app_client, device, jwt_agency, claims, fragment):
    agency, key = jwt_agency
    code = signed_in_code(http, app_client, device, agency)
    response = _jwt_exchange(http, agency, code, _assertion(agency.client_id, key, **claims))
    assert response.status_code == 401 and fragment in response.json()["error_description"]


def test_an_assertion_made_before_the_replay_memory_began_is_refused(http, app_client, device, jwt_agency):
    """After the store loses its jti memory (a restart), an assertion made earlier might have been
    used already: it is refused, and a new one is taken."""
    agency, key = jwt_agency
    code = signed_in_code(http, app_client, device, agency)
    old = _assertion(agency.client_id, key, iat=int(time.time()) - 120, exp=int(time.time()) + 60)
    refused = _jwt_exchange(http, agency, code, old)
    assert refused.status_code == 401 and "restarted" in refused.json()["error_description"]
    assert _jwt_exchange(http, agency, code, _assertion(agency.client_id, key)).status_code == 200


def test_private_key_jwt_signed_by_another_key_is_refused(http, app_client, device, jwt_agency):
    agency, _ = jwt_agency
    code = signed_in_code(http, app_client, device, agency)
    response = _jwt_exchange(http, agency, code, _assertion(agency.client_id, ECKey.generate_key("P-256")))
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
