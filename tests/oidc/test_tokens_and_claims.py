import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from tests.conftest import PASSCODE, REDIRECT_URI, Agency, exchange, signed_in_code, start_signin
from tuaton.audit.models import AuditEvent
from tuaton.oidc.grants import half_hash
from tuaton.oidc.models import Consent


def _id_token(http, token: str) -> dict:
    keys = KeySet.import_key_set(http.get("/oauth2/jwks").json())
    return jwt.decode(token, keys, algorithms=["ES256", "RS256"])


def test_id_token_carries_the_standard_claims(http, app_client, device, agency):
    tokens = exchange(http, agency, signed_in_code(http, app_client, device, agency, max_age="300")).json()
    token = _id_token(http, tokens["id_token"])
    claims = token.claims
    assert token.header["alg"] == "ES256" and token.header["kid"]
    assert claims["iss"] == "http://testserver" and claims["aud"] == agency.client_id
    assert claims["nonce"] == "nonce-abc" and claims["exp"] > claims["iat"] >= claims["auth_time"] - 1
    assert claims["acr"] == "urn:tuaton:ial:1.2:aal:2.2" and claims["amr"] == ["swk", "pin", "mfa"]
    assert claims["at_hash"] == half_hash(tokens["access_token"])
    assert abs(claims["auth_time"] - time.time()) < 60


def test_sub_is_pairwise_and_never_the_citizen_id(http, app_client, device, agency, services, persona):
    other = services.clients.create(name_en="Land", redirect_uris=[REDIRECT_URI], scopes=["openid", "pid", "name"])
    other_agency = Agency(other.client.client_id, other.client_secret, REDIRECT_URI)
    sub_a = _id_token(http, exchange(http, agency, signed_in_code(http, app_client, device, agency)).json()
                      ["id_token"]).claims["sub"]
    sub_b = _id_token(http, exchange(http, other_agency, signed_in_code(http, app_client, device, other_agency))
                      .json()["id_token"]).claims["sub"]
    assert sub_a != sub_b and persona["pid"] not in (sub_a, sub_b)
    again = _id_token(http, exchange(http, agency, signed_in_code(http, app_client, device, agency)).json()
                      ["id_token"]).claims["sub"]
    assert again == sub_a


def test_userinfo_returns_the_registry_data_for_granted_scopes(http, app_client, device, agency, persona):
    scope = "openid pid name name_en birthdate gender address ial smartcard_code date_of_expiry"
    tokens = exchange(http, agency, signed_in_code(http, app_client, device, agency, scope=scope)).json()
    for method in ("GET", "POST"):
        response = http.request(method, "/api/v2/oauth2/userinfo/",
                                headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    info = response.json()
    assert info["pid"] == persona["pid"] and info["birthdate"] == persona["birth_date"]
    assert info["name"] == f"{persona['given_name_th']} {persona['family_name_th']}"
    assert info["name_en"] == f"{persona['given_name_en']} {persona['family_name_en']}"
    assert info["ial"] == "1.2" and info["smartcard_code"] == persona["laser_code"]
    assert info["gender"] in ("male", "female") and info["address"]["country"] == "TH"
    assert "title" not in info and "family_name" not in info


def test_userinfo_accepts_the_token_in_a_post_body(http, app_client, device, agency):
    tokens = exchange(http, agency, signed_in_code(http, app_client, device, agency)).json()
    response = http.post("/oauth2/userinfo", data={"access_token": tokens["access_token"]})
    assert response.status_code == 200 and "pid" in response.json()


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic abc"])
def test_userinfo_without_a_valid_token_is_invalid_token(http, header):
    response = http.get("/oauth2/userinfo", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_pid_only_for_agencies_approved_for_it(http, services):
    created = services.clients.create(name_en="Shop", redirect_uris=[REDIRECT_URI], scopes=["openid", "name"])
    shop = Agency(created.client.client_id, created.client_secret, REDIRECT_URI)
    response = http.get("/oauth2/authorize", follow_redirects=False, params={
        "client_id": shop.client_id, "redirect_uri": REDIRECT_URI, "response_type": "code", "scope": "openid pid"})
    assert "error=invalid_scope" in response.headers["location"]


def test_profile_scope_releases_the_standard_claims(http, app_client, device, agency):
    tokens = exchange(http, agency, signed_in_code(http, app_client, device, agency, scope="openid profile")).json()
    info = http.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert {"sub", "name", "given_name", "family_name", "birthdate", "gender"} <= info.keys()
    assert "pid" not in info


def test_consent_and_every_disclosure_are_recorded(http, app_client, device, agency, services):
    tokens = exchange(http, agency, signed_in_code(http, app_client, device, agency)).json()
    http.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    with services.database.reading() as session:
        consents = {c.claim for c in session.execute(select(Consent)).scalars()}
        events = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
    assert consents == {"pid", "name"}
    disclosed = [e.details["channel"] for e in events if e.kind == "claims.disclosed"]
    assert disclosed == ["token:id_token", "userinfo"]
    assert all(e.client_id == agency.client_id for e in events if e.kind == "claims.disclosed")
    assert tokens["access_token"] not in repr([e.details for e in events])


def test_refresh_rotates_and_reuse_revokes_the_sign_in(http, app_client, device, agency):
    tokens = exchange(http, agency, signed_in_code(http, app_client, device, agency)).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    rotated = http.post("/oauth2/token", data=refresh, auth=agency.auth)
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh_token"] != tokens["refresh_token"] and "nonce" not in _id_token(http, new["id_token"]).claims
    reused = http.post("/oauth2/token", data=refresh, auth=agency.auth)
    assert reused.json()["error"] == "invalid_grant"
    # reuse means theft: the rotated token and its access token die too
    assert http.post("/oauth2/token", data={"grant_type": "refresh_token", "refresh_token": new["refresh_token"]},
                     auth=agency.auth).json()["error"] == "invalid_grant"
    assert http.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {new['access_token']}"}).status_code == 401


def test_refresh_can_narrow_but_not_widen_scope(http, app_client, device, agency):
    tokens = exchange(http, agency, signed_in_code(http, app_client, device, agency)).json()
    wider = http.post("/oauth2/token", auth=agency.auth, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "scope": "openid pid address"})
    assert wider.json()["error"] == "invalid_scope"
    narrower = http.post("/oauth2/token", auth=agency.auth, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "scope": "openid name"})
    assert narrower.json()["scope"] == "openid name"


def test_refresh_stops_when_the_device_is_replaced(http, app_client, device, agency, persona):
    tokens = exchange(http, agency, signed_in_code(http, app_client, device, agency)).json()
    app_client.enroll_card_data_only(persona["pid"], PASSCODE)
    response = http.post("/oauth2/token", auth=agency.auth, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert response.json()["error"] == "invalid_grant"


def test_introspection_for_the_owning_client_only(http, app_client, device, agency, services):
    tokens = exchange(http, agency, signed_in_code(http, app_client, device, agency)).json()
    active = http.post("/api/v2/oauth2/introspect/", data={"token": tokens["access_token"]}, auth=agency.auth).json()
    assert active["active"] is True and active["client_id"] == agency.client_id and active["scope"] == "openid pid name"
    rt = http.post("/oauth2/introspect", data={"token": tokens["refresh_token"],
                                               "token_type_hint": "refresh_token"}, auth=agency.auth).json()
    assert rt["active"] is True and rt["token_type"] == "refresh_token"
    other = services.clients.create(name_en="Nosy", redirect_uris=[REDIRECT_URI], scopes=["openid"])
    nosy = http.post("/oauth2/introspect", data={"token": tokens["access_token"]},
                     auth=(other.client.client_id, other.client_secret)).json()
    assert nosy == {"active": False}
    assert http.post("/oauth2/introspect", data={"token": "garbage"}, auth=agency.auth).json() == {"active": False}
    assert http.post("/oauth2/introspect", data={"token": "x"}).status_code == 401


def test_revocation(http, app_client, device, agency, services):
    tokens = exchange(http, agency, signed_in_code(http, app_client, device, agency)).json()
    other = services.clients.create(name_en="Other", redirect_uris=[REDIRECT_URI], scopes=["openid"])
    refused = http.post("/oauth2/revoke", data={"token": tokens["access_token"]},
                        auth=(other.client.client_id, other.client_secret))
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_request"
    revoked = http.post("/api/v2/oauth2/revoke/", data={"token": tokens["access_token"]}, auth=agency.auth)
    assert revoked.status_code == 200
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert http.get("/oauth2/userinfo", headers=bearer).status_code == 401
    assert http.post("/oauth2/revoke", data={"token": "unknown"}, auth=agency.auth).status_code == 200
    assert http.post("/oauth2/revoke", data={"token": tokens["refresh_token"]}, auth=agency.auth).status_code == 200
    assert http.post("/oauth2/token", auth=agency.auth, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()["error"] == "invalid_grant"


def test_rp_initiated_logout_ends_the_sign_in(http, app_client, device, agency):
    tokens = exchange(http, agency, signed_in_code(http, app_client, device, agency)).json()
    response = http.get("/oauth2/logout", follow_redirects=False, params={
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://eservice.example.go.th/",
        "state": "bye"})
    assert response.status_code == 303 and response.headers["location"] == "https://eservice.example.go.th/?state=bye"
    assert http.post("/oauth2/token", auth=agency.auth, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()["error"] == "invalid_grant"


def test_logout_refuses_unregistered_redirects_and_forged_hints(http, app_client, device, agency):
    tokens = exchange(http, agency, signed_in_code(http, app_client, device, agency)).json()
    evil = http.get("/oauth2/logout", follow_redirects=False, headers={"Accept": "text/html"}, params={
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example/"})
    assert evil.status_code == 400 and "location" not in evil.headers
    forged = http.get("/oauth2/logout", headers={"Accept": "text/html"},
                      params={"id_token_hint": tokens["id_token"][:-4] + "AAAA"})
    assert forged.status_code == 400 and "id_token_hint" in forged.text


def test_logout_without_redirect_shows_a_bilingual_page(http):
    page = http.get("/oauth2/logout", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "ออกจากระบบเรียบร้อยแล้ว" in page.text and "signed out" in page.text


def test_rs256_clients_get_rs256_id_tokens(http, app_client, device, services):
    created = services.clients.create(name_en="Legacy", redirect_uris=[REDIRECT_URI],
                                      scopes=["openid", "pid", "name"], id_token_alg="RS256")
    legacy = Agency(created.client.client_id, created.client_secret, REDIRECT_URI)
    token = _id_token(http, exchange(http, legacy, signed_in_code(http, app_client, device, legacy)).json()["id_token"])
    assert token.header["alg"] == "RS256"


def test_id_token_verifies_after_key_rotation_and_new_tokens_use_the_new_key(http, app_client, device, agency,
                                                                            services):
    before = exchange(http, agency, signed_in_code(http, app_client, device, agency)).json()["id_token"]
    old_kid = _id_token(http, before).header["kid"]
    new_kids = services.keys.rotate()
    jwks_kids = {k["kid"] for k in http.get("/jwks/").json()["keys"]}
    assert old_kid in jwks_kids and set(new_kids) <= jwks_kids
    assert _id_token(http, before).claims["aud"] == agency.client_id
    after = exchange(http, agency, signed_in_code(http, app_client, device, agency)).json()["id_token"]
    assert _id_token(http, after).header["kid"] in new_kids


def test_retired_keys_leave_the_jwks_after_the_overlap(services, database, settings):
    from tuaton.oidc.keys import SigningKeys
    services.keys.rotate()
    no_overlap = SigningKeys(database, overlap_seconds=0, cache_seconds=0)
    published = {k["kid"] for k in no_overlap.refresh().jwks["keys"]}
    current = {k.kid for k in no_overlap.view().signing.values()}
    assert published == current and len(published) == 2


def test_discovery_names_every_endpoint_and_the_thaid_scopes(http):
    metadata = http.get("/.well-known/openid-configuration").json()
    assert metadata["issuer"] == "http://testserver"
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                 "introspection_endpoint", "revocation_endpoint", "end_session_endpoint"):
        assert metadata[name].startswith("http://testserver/")
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert {"pid", "smartcard_code", "date_of_expiry", "openid", "profile"} <= set(metadata["scopes_supported"])
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert "ES256" in metadata["id_token_signing_alg_values_supported"]
    jwks = http.get("/oauth2/jwks").json()
    assert {k["kty"] for k in jwks["keys"]} == {"EC", "RSA"} and all("d" not in k for k in jwks["keys"])


def test_sign_in_page_for_a_prompt_none_request_goes_back_with_login_required(http, agency):
    response = http.get("/oauth2/authorize", follow_redirects=False, params={
        "client_id": agency.client_id, "redirect_uri": REDIRECT_URI, "response_type": "code", "scope": "openid",
        "prompt": "none", "state": "s"})
    assert "error=login_required" in response.headers["location"]
    assert start_signin(http, agency).payload


@pytest.mark.parametrize("extra", [{"prompt": "none"}, {"scope": "openid no-such-scope"}, {"response_type": "token"}])
def test_a_sandbox_clients_errors_are_shown_never_redirected(http, services, extra):
    """RFC 9700 §4.11: anyone registers a sandbox client with any https redirect URI; an error
    must not send the browser there with Tuaton's name on the link."""
    from tuaton.oidc.clients import SANDBOX

    created = services.clients.create(name_en="Anyone", name_th="ใครก็ได้", redirect_uris=["https://evil.example/x"],
                                      scopes=["openid"], environment=SANDBOX)
    response = http.get("/oauth2/authorize", follow_redirects=False, headers={"Accept": "text/html"}, params={
        "client_id": created.client.client_id, "redirect_uri": "https://evil.example/x", "response_type": "code",
        "scope": "openid", "state": "s", **extra})
    assert response.status_code == 400 and "location" not in response.headers
    assert 'href="https://evil.example' not in response.text and "sandbox" in response.text
