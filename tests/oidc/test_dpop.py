"""DPoP (RFC 9449): tokens bound to the agency's key, and every proof that must be refused."""

from __future__ import annotations

import time
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jws
from joserfc.jwk import ECKey, OctKey, RSAKey

from tests.conftest import ISSUER, REDIRECT_URI, signed_in_code
from tuaton.oidc.dpop import Nonces, access_token_hash, verify_proof
from tuaton.oidc.errors import InvalidDpopProof, UseDpopNonce
from tuaton.storage.ephemeral import MemoryStore

TOKEN_URL = ISSUER + "/oauth2/token"
USERINFO_URL = ISSUER + "/oauth2/userinfo"


def proof(key, *, htm="POST", htu=TOKEN_URL, nonce=None, ath=None, iat=None, jti=None, typ="dpop+jwt",
          alg="ES256", jwk=None) -> str:
    claims = {"jti": jti or str(uuid.uuid4()), "htm": htm, "htu": htu, "iat": int(iat or time.time())}
    if nonce:
        claims["nonce"] = nonce
    if ath:
        claims["ath"] = ath
    header = {"typ": typ, "alg": alg, "jwk": jwk if jwk is not None else key.as_dict(private=False)}
    import json
    return jws.serialize_compact(header, json.dumps(claims).encode(), key, algorithms=[alg])


class Client:
    """An agency's server with a DPoP key, as openid-client does it: the first proof learns the nonce."""

    def __init__(self, http, agency, key=None) -> None:
        self.http, self.agency, self.key, self.nonce = http, agency, key or ECKey.generate_key("P-256"), None

    def token(self, data: dict, **proof_claims):
        for _ in range(2):
            answer = self.http.post("/oauth2/token", data=data,
                                    auth=self.agency.auth if self.agency.client_secret else None,
                                    headers={"DPoP": proof(self.key, nonce=self.nonce, **proof_claims)})
            self.nonce = answer.headers.get("dpop-nonce", self.nonce)
            if answer.status_code != 400 or answer.json().get("error") != "use_dpop_nonce":
                return answer
        return answer

    def userinfo(self, access_token: str, **proof_claims):
        claims = {"htm": "GET", "htu": USERINFO_URL, "ath": access_token_hash(access_token), **proof_claims}
        return self.http.get("/oauth2/userinfo", headers={
            "Authorization": f"DPoP {access_token}", "DPoP": proof(self.key, nonce=self.nonce, **claims)})


@pytest.fixture
def tokens(http, agency, app_client, device):
    client = Client(http, agency)
    code = signed_in_code(http, app_client, device, agency)
    answer = client.token({"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI})
    assert answer.status_code == 200, answer.text
    return client, answer.json()


def test_a_token_is_bound_to_the_proof_key_and_used_with_it(tokens, http, agency):
    client, issued = tokens
    assert issued["token_type"] == "DPoP"
    info = client.userinfo(issued["access_token"])
    assert info.status_code == 200 and info.json()["sub"], info.text
    assert info.headers["dpop-nonce"]
    introspected = http.post("/oauth2/introspect", data={"token": issued["access_token"]}, auth=agency.auth).json()
    assert introspected["token_type"] == "DPoP"
    assert introspected["cnf"] == {"jkt": client.key.thumbprint()}


def test_the_first_proof_without_a_nonce_is_asked_for_one(http, agency, app_client, device):
    code = signed_in_code(http, app_client, device, agency)
    key = ECKey.generate_key("P-256")
    first = http.post("/oauth2/token", data={"grant_type": "authorization_code", "code": code,
                                             "redirect_uri": REDIRECT_URI},
                      auth=agency.auth, headers={"DPoP": proof(key)})
    assert first.status_code == 400 and first.json()["error"] == "use_dpop_nonce"
    assert first.headers["dpop-nonce"]


def test_a_bound_token_without_its_proof_or_as_bearer_is_refused(tokens, http):
    client, issued = tokens
    as_bearer = http.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {issued['access_token']}"})
    assert as_bearer.status_code == 401 and as_bearer.json()["error"] == "invalid_token"
    assert as_bearer.headers["www-authenticate"].startswith("DPoP ")
    no_proof = http.get("/oauth2/userinfo", headers={"Authorization": f"DPoP {issued['access_token']}"})
    assert no_proof.status_code == 401 and no_proof.json()["error"] == "invalid_dpop_proof"
    assert 'error="invalid_dpop_proof"' in no_proof.headers["www-authenticate"]


def test_a_proof_by_another_key_for_another_url_or_method_or_token_is_refused(tokens, http):
    client, issued = tokens
    token = issued["access_token"]
    thief = Client(http, client.agency, ECKey.generate_key("P-256"))
    thief.nonce = client.nonce
    for answer in (thief.userinfo(token),                                           # another key
                   client.userinfo(token, htu=ISSUER + "/oauth2/introspect"),       # another URL
                   client.userinfo(token, htm="POST"),                              # another method
                   client.userinfo(token, ath=access_token_hash("another token"))):  # another token
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"] in ("invalid_token", "invalid_dpop_proof")


def test_a_code_pushed_with_a_proof_is_exchanged_only_with_that_key(http, agency, app_client, device):
    key = ECKey.generate_key("P-256")
    pushed = None
    nonce = None
    for _ in range(2):
        pushed = http.post("/oauth2/par", data={"client_id": agency.client_id, "redirect_uri": REDIRECT_URI,
                                                "response_type": "code", "scope": "openid pid", "state": "s"},
                           auth=agency.auth, headers={"DPoP": proof(key, htu=ISSUER + "/oauth2/par", nonce=nonce)})
        nonce = pushed.headers.get("dpop-nonce", nonce)
        if pushed.status_code == 201:
            break
    assert pushed.status_code == 201, pushed.text
    from tests.conftest import PASSCODE, code_from, follow_status, read_signin_page
    page = read_signin_page(http.get("/oauth2/authorize", params={
        "client_id": agency.client_id, "request_uri": pushed.json()["request_uri"]}).text)
    app_client.decide(page.payload, device, PASSCODE, number=page.number)
    code = code_from(follow_status(http, page)["redirect_to"])["code"]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    other = Client(http, agency, ECKey.generate_key("P-256"))
    refused = other.token(data)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_dpop_proof", refused.text


def test_a_replayed_proof_is_refused(tokens, http):
    client, issued = tokens
    token = issued["access_token"]
    same = proof(client.key, htm="GET", htu=USERINFO_URL, nonce=client.nonce, ath=access_token_hash(token))
    headers = {"Authorization": f"DPoP {token}", "DPoP": same}
    assert http.get("/oauth2/userinfo", headers=headers).status_code == 200
    again = http.get("/oauth2/userinfo", headers=headers)
    assert again.status_code == 401 and again.json()["error"] == "invalid_dpop_proof"
    assert "used before" in again.json()["error_description"]


def test_a_client_registered_for_dpop_must_send_a_proof(http, services, app_client, device):
    from tests.conftest import Agency

    created = services.clients.create(name_en="FAPI e-Service", redirect_uris=[REDIRECT_URI],
                                      scopes=["openid", "pid", "name"], require_dpop=True)
    agency = Agency(created.client.client_id, created.client_secret, REDIRECT_URI)
    from tuaton.oidc import pkce
    code = signed_in_code(http, app_client, device, agency, code_challenge=pkce.s256("w" * 43),
                          code_challenge_method="S256")
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": "w" * 43}
    plain = http.post("/oauth2/token", data=data, auth=agency.auth)
    assert plain.status_code == 400 and plain.json()["error"] == "invalid_dpop_proof"
    bound = Client(http, agency).token(data)
    assert bound.status_code == 200 and bound.json()["token_type"] == "DPoP", bound.text


def test_a_public_clients_refresh_token_needs_the_same_key(http, services, app_client, device):
    from tests.conftest import Agency

    created = services.clients.create(name_en="Public app", redirect_uris=[REDIRECT_URI], auth_method="none",
                                      scopes=["openid", "pid", "offline_access"])
    agency = Agency(created.client.client_id, None, REDIRECT_URI)
    from tuaton.oidc import pkce
    verifier = "v" * 50
    code = signed_in_code(http, app_client, device, agency, scope="openid pid offline_access",
                          code_challenge=pkce.s256(verifier), code_challenge_method="S256")
    client = Client(http, agency)
    issued = client.token({"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
                           "client_id": agency.client_id, "code_verifier": verifier})
    assert issued.status_code == 200, issued.text
    refresh = {"grant_type": "refresh_token", "refresh_token": issued.json()["refresh_token"],
               "client_id": agency.client_id}
    other = Client(http, agency, ECKey.generate_key("P-256"))
    stolen = other.token(refresh)
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    plain = http.post("/oauth2/token", data=refresh)
    assert plain.status_code == 400 and plain.json()["error"] == "invalid_grant"
    assert client.token(refresh).status_code == 200


# -- the proof's own rules, one by one --------------------------------------------------------
NONCES = Nonces(b"k" * 32)


def _verify(value, **kwargs):
    return verify_proof([value] if isinstance(value, str) else value, method=kwargs.pop("method", "POST"),
                        url=kwargs.pop("url", TOKEN_URL), store=kwargs.pop("store", MemoryStore()),
                        nonces=NONCES, **kwargs)


def test_a_good_proof_gives_its_keys_thumbprint():
    key = ECKey.generate_key("P-256")
    assert _verify(proof(key, nonce=NONCES.current())) == key.thumbprint()
    rsa = RSAKey.generate_key(2048)
    assert _verify(proof(rsa, alg="PS256", nonce=NONCES.current())) == rsa.thumbprint()


@pytest.mark.parametrize("change", [
    {"typ": "JWT"}, {"alg": "HS256"}, {"htm": "GET"}, {"htu": ISSUER + "/oauth2/userinfo"},
    {"iat": time.time() - 3600}, {"iat": time.time() + 120}, {"jti": "short"},
])
def test_a_proof_breaking_a_rule_is_refused(change):
    key = ECKey.generate_key("P-256")
    if change.get("alg") == "HS256":
        value = proof(OctKey.generate_key(256), alg="HS256", nonce=NONCES.current(), jwk={"kty": "oct", "k": "x"})
    else:
        value = proof(key, nonce=NONCES.current(), **change)
    with pytest.raises(InvalidDpopProof) as caught:
        _verify(value)
    assert not isinstance(caught.value, UseDpopNonce)


def test_a_proof_carrying_a_private_key_or_signed_by_another_key_is_refused():
    key, other = ECKey.generate_key("P-256"), ECKey.generate_key("P-256")
    with pytest.raises(InvalidDpopProof, match="public key"):
        _verify(proof(key, nonce=NONCES.current(), jwk=key.as_dict(private=True)))
    with pytest.raises(InvalidDpopProof, match="signature"):
        _verify(proof(key, nonce=NONCES.current(), jwk=other.as_dict(private=False)))


def test_an_old_or_missing_nonce_is_answered_with_a_fresh_one():
    key = ECKey.generate_key("P-256")
    for nonce in (None, "made-up", NONCES._for(int(time.time() // 300) - 2)):
        with pytest.raises(UseDpopNonce) as caught:
            _verify(proof(key, nonce=nonce))
        assert caught.value.nonce == NONCES.current()
    previous = NONCES._for(int(time.time() // 300) - 1)
    assert _verify(proof(key, nonce=previous)) == key.thumbprint()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ath=st.text(max_size=60), nonce=st.text(max_size=60), htu=st.text(max_size=60))
def test_a_signed_proof_with_any_claims_is_refused_cleanly(ath, nonce, htu):
    """Anyone can sign a proof with a key of their own: what it claims must never break the check."""
    key = ECKey.generate_key("P-256")
    with pytest.raises(InvalidDpopProof):
        _verify(proof(key, nonce=nonce, ath=ath, htu=htu or "x"), access_token="token")
    with pytest.raises(InvalidDpopProof):
        _verify(proof(key, nonce=nonce or "x", ath=ath or "x"), access_token="token")


def test_two_headers_are_refused():
    key = ECKey.generate_key("P-256")
    with pytest.raises(InvalidDpopProof, match="exactly one"):
        _verify([proof(key, nonce=NONCES.current()), proof(key, nonce=NONCES.current())])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.hex()))
def test_anything_that_is_not_a_proof_is_invalid_dpop_proof(value):
    with pytest.raises(InvalidDpopProof):
        _verify(value)
