"""SD-JWT format rules, and interoperability with the reference implementation (sd-jwt)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from joserfc.jwk import ECKey, KeySet
from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier

from tuaton.card import sd_jwt

ISSUER = "https://id.example.go.th"


@pytest.fixture(scope="module")
def issuer_key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "card-1"})


@pytest.fixture(scope="module")
def holder_key() -> ECKey:
    return ECKey.generate_key("P-256")


def _issue(issuer_key, holder_key, disclosable=None) -> sd_jwt.IssuedSdJwt:
    return sd_jwt.issue({"alg": "ES256", "typ": "dc+sd-jwt", "kid": issuer_key.kid},
                        {"iss": ISSUER, "iat": 1, "exp": 2, "cnf": {"jwk": holder_key.as_dict(private=False)}},
                        disclosable or {"given_name": "สมชาย", "family_name": "ใจดี", "age_over_20": True},
                        issuer_key)


def _public(key: ECKey) -> KeySet:
    return KeySet([ECKey.import_key(key.as_dict(private=False))])


def test_only_the_chosen_claims_are_disclosed(issuer_key, holder_key):
    issued = _issue(issuer_key, holder_key)
    shown = sd_jwt.present(issued, ["age_over_20"], holder_key, aud="v", nonce="n" * 16, iat=5)
    verified = sd_jwt.verify(shown, _public(issuer_key))
    assert verified.disclosed == ("age_over_20",)
    assert verified.claims["age_over_20"] is True and "given_name" not in verified.claims
    assert "สมชาย" not in shown  # not even encoded somewhere in the presentation
    assert "given_name" not in json.dumps(verified.claims)


def test_a_presentation_verifies_with_the_reference_sd_jwt_library(issuer_key, holder_key):
    issued = _issue(issuer_key, holder_key)
    shown = sd_jwt.present(issued, ["given_name", "age_over_20"], holder_key, aud="https://verifier.example",
                           nonce="nonce-1234567890ab", iat=5)
    public = JWK.from_json(json.dumps(issuer_key.as_dict(private=False)))
    verifier = SDJWTVerifier(shown, lambda iss, header: public, expected_aud="https://verifier.example",
                             expected_nonce="nonce-1234567890ab")
    payload = verifier.get_verified_payload()
    assert payload["given_name"] == "สมชาย" and payload["age_over_20"] is True
    assert "family_name" not in payload
    with pytest.raises(ValueError, match="nonce"):
        SDJWTVerifier(shown, lambda iss, header: public, expected_aud="https://verifier.example",
                      expected_nonce="another-nonce-123")


def test_a_presentation_made_by_the_reference_holder_verifies_with_ours(issuer_key, holder_key):
    issued = _issue(issuer_key, holder_key)
    holder = SDJWTHolder(issued.serialize())
    holder.create_presentation({"family_name": True}, nonce="nonce-abcdefghijkl", aud="v",
                               holder_key=JWK.from_json(json.dumps(holder_key.as_dict(private=True))),
                               sign_alg="ES256")
    verified = sd_jwt.verify(holder.sd_jwt_presentation, _public(issuer_key))
    assert verified.claims["family_name"] == "ใจดี" and verified.disclosed == ("family_name",)
    assert verified.key_binding["nonce"] == "nonce-abcdefghijkl"


def test_a_disclosure_from_another_card_is_refused(issuer_key, holder_key):
    mine = _issue(issuer_key, holder_key)
    other = _issue(issuer_key, holder_key, {"age_over_20": False})
    forged = sd_jwt.IssuedSdJwt(mine.jwt, mine.disclosures + other.disclosures)
    shown = sd_jwt.present(forged, ["age_over_20"], holder_key, aud="v", nonce="n" * 16, iat=5)
    with pytest.raises(sd_jwt.SdJwtError) as caught:
        sd_jwt.verify(shown, _public(issuer_key))
    assert caught.value.reason == "disclosure_invalid"


def test_a_presentation_signed_by_another_phone_is_refused(issuer_key, holder_key):
    issued = _issue(issuer_key, holder_key)
    thief = ECKey.generate_key("P-256")
    shown = sd_jwt.present(issued, ["given_name"], thief, aud="v", nonce="n" * 16, iat=5)
    with pytest.raises(sd_jwt.SdJwtError) as caught:
        sd_jwt.verify(shown, _public(issuer_key))
    assert caught.value.reason == "bad_signature"


def test_disclosures_added_after_the_phone_signed_are_refused(issuer_key, holder_key):
    issued = _issue(issuer_key, holder_key)
    shown = sd_jwt.present(issued, ["age_over_20"], holder_key, aud="v", nonce="n" * 16, iat=5)
    jwt, *rest = shown.split("~")
    extra = next(d.encoded for d in issued.disclosures if d.name == "given_name")
    tampered = "~".join([jwt, *rest[:-1], extra, rest[-1]])
    with pytest.raises(sd_jwt.SdJwtError) as caught:
        sd_jwt.verify(tampered, _public(issuer_key))
    assert caught.value.reason == "binding_invalid"


def test_a_credential_without_key_binding_is_refused(issuer_key, holder_key):
    issued = _issue(issuer_key, holder_key)
    with pytest.raises(sd_jwt.SdJwtError) as caught:
        sd_jwt.verify(issued.serialize(), _public(issuer_key))
    assert caught.value.reason == "not_bound"


@given(st.text(max_size=300))
def test_any_text_is_either_a_verified_presentation_or_a_typed_refusal(text):
    key = ECKey.generate_key("P-256")
    try:
        sd_jwt.verify(text, KeySet([key]))
    except sd_jwt.SdJwtError as exc:
        assert exc.reason in {"malformed", "not_bound", "bad_signature", "disclosure_invalid", "binding_invalid"}
    else:  # pragma: no cover - random text never carries a valid signature
        pytest.fail("random text verified")


@given(st.lists(st.text(min_size=1, max_size=20), max_size=5), st.text(max_size=40))
def test_a_disclosure_round_trips_through_its_encoding(names, value):
    for name in names:
        if name in sd_jwt.RESERVED:
            continue
        made = sd_jwt.Disclosure.make(name, value)
        parsed = sd_jwt.Disclosure.parse(made.encoded)
        assert (parsed.name, parsed.value, parsed.digest) == (name, value, made.digest)
