"""The digital ID card end to end: issued to the phone, shown as a QR code, checked by verifiers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time

import pytest
from sqlalchemy import update

from tests.conftest import ISSUER, PASSCODE
from tuaton.appclient.card import StoredCard, present
from tuaton.appclient.client import AppError
from tuaton.card.credential import Showing, age_on, card_claims
from tuaton.card.trust_cache import TrustCache, fetch_trust
from tuaton.card.verifier import verify_presentation
from tuaton.errors import PresentationRejected
from tuaton.registry.models import CardState, IdCard

VERIFY = "/api/card/v1/verifications"


@pytest.fixture
def card(app_client, device) -> StoredCard:
    body = app_client.fetch_card(device, PASSCODE)
    return StoredCard(body["credential"], body["issuer"], body["audience"], body["expires_at"], int(time.time()))


def _reason(response) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()["reason"]


def test_over_20_shows_only_that_and_verifies(http, card, device):
    shown = present(card, device, Showing.AGE_OVER_20)
    response = http.post(VERIFY, json={"presentation": shown["presentation"]})
    assert response.status_code == 200, response.text
    assert response.json()["claims"] == {"age_over_20": True}
    assert response.json()["ial"] == device.ial


def test_the_full_card_carries_the_registry_record_and_photo(http, card, device, persona):
    shown = present(card, device, Showing.FULL)
    claims = http.post(VERIFY, json={"presentation": shown["presentation"]}).json()["claims"]
    assert claims["pid"] == persona["pid"] and persona["given_name_th"] in claims["name"]
    assert claims["birthdate"] == persona["birth_date"]
    assert claims["name_en"].endswith(persona["family_name_en"])
    assert "age_over_20" not in claims and "picture" not in claims  # the card as text


def test_name_and_photo_fits_one_qr_code(card, device):
    import segno
    shown = present(card, device, Showing.NAME_PHOTO)
    assert segno.make(shown["presentation"], error="l").version <= 40  # raises if it does not fit


def test_a_qr_code_older_than_a_minute_is_refused(http, card, device):
    shown = present(card, device, Showing.AGE_OVER_18, now=int(time.time()) - 90)
    assert _reason(http.post(VERIFY, json={"presentation": shown["presentation"]})) == "stale"


def test_the_same_qr_code_is_accepted_once(http, card, device):
    shown = present(card, device, Showing.AGE_OVER_18)
    assert http.post(VERIFY, json={"presentation": shown["presentation"]}).status_code == 200
    assert _reason(http.post(VERIFY, json={"presentation": shown["presentation"]})) == "replayed"


def test_a_verifier_nonce_must_be_answered(http, card, device):
    shown = present(card, device, Showing.AGE_OVER_18, audience="https://shop.example", nonce="shop-nonce-0123456789")
    ok = http.post(VERIFY, json={"presentation": shown["presentation"], "audience": "https://shop.example",
                                 "nonce": "shop-nonce-0123456789"})
    assert ok.status_code == 200, ok.text
    other = http.post(VERIFY, json={"presentation": shown["presentation"], "audience": "https://shop.example",
                                    "nonce": "another-nonce-0123456"})
    assert _reason(other) == "wrong_nonce"
    assert _reason(http.post(VERIFY, json={"presentation": shown["presentation"]})) == "wrong_audience"


def test_an_altered_claim_breaks_the_signature(http, card, device):
    shown = present(card, device, Showing.AGE_OVER_20)["presentation"]
    jwt, rest = shown.split("~", 1)
    head, payload, signature = jwt.split(".")
    from tuaton.card.sd_jwt import b64url, b64url_decode
    body = json.loads(b64url_decode(payload))
    body["exp"] += 10 * 365 * 24 * 3600
    forged = ".".join([head, b64url(json.dumps(body).encode()), signature]) + "~" + rest
    assert _reason(http.post(VERIFY, json={"presentation": forged})) == "bad_signature"


def test_garbage_is_a_problem_not_a_crash(http):
    assert _reason(http.post(VERIFY, json={"presentation": "hello~world"})) == "malformed"
    assert http.post(VERIFY, json={}).status_code == 422


def test_a_wrong_passcode_gets_no_card(app_client, device):
    with pytest.raises(AppError) as caught:
        app_client.fetch_card(device, "20589146")
    assert caught.value.status == 401 and caught.value.problem["type"].endswith("wrong-passcode")


def test_a_locked_phone_gets_no_new_card(services, app_client, device):
    services.citizens.lock_device(device.identity_id, device.device_id)
    with pytest.raises(AppError) as caught:
        app_client.fetch_card(device, PASSCODE)
    assert caught.value.status == 401 and caught.value.problem["type"].endswith("device-not-recognised")


def test_a_lost_card_in_the_registry_gets_no_digital_card(services, app_client, device, persona):
    with services.database.transaction() as session:
        session.execute(update(IdCard).where(IdCard.pid == persona["pid"]).values(state=CardState.LOST))
    try:
        with pytest.raises(AppError) as caught:
            app_client.fetch_card(device, PASSCODE)
        assert caught.value.status == 422 and caught.value.problem["card_status"] == "lost"
    finally:
        with services.database.transaction() as session:
            session.execute(update(IdCard).where(IdCard.pid == persona["pid"]).values(state=CardState.ACTIVE))


# -- offline verification ---------------------------------------------------------------------
def test_an_offline_verifier_checks_with_its_cache(http, card, device, tmp_path):
    cache = TrustCache(tmp_path / "verifier.json")
    cache.store(fetch_trust(ISSUER, http))
    reloaded = TrustCache(tmp_path / "verifier.json")  # a later run, with no connection
    shown = present(card, device, Showing.NAME_PHOTO)
    result = verify_presentation(shown["presentation"], reloaded.trust, audience=ISSUER + "/verify",
                                 first_use=reloaded.first_use)
    assert set(result.claims) == {"name", "name_en", "picture"}
    assert result.claims["picture"].startswith("data:image/webp;base64,")
    with pytest.raises(PresentationRejected) as caught:
        verify_presentation(shown["presentation"], TrustCache(tmp_path / "verifier.json").trust,
                            audience=ISSUER + "/verify", first_use=TrustCache(tmp_path / "verifier.json").first_use)
    assert caught.value.reason == "replayed"


def test_a_lost_phone_fails_once_the_verifier_refreshes(services, http, card, device, tmp_path):
    services.citizens.lock_device(device.identity_id, device.device_id)
    shown = present(card, device, Showing.AGE_OVER_20)
    assert _reason(http.post(VERIFY, json={"presentation": shown["presentation"]})) == "revoked"
    cache = TrustCache(tmp_path / "verifier.json")
    cache.store(fetch_trust(ISSUER, http))
    with pytest.raises(PresentationRejected) as caught:
        verify_presentation(present(card, device, Showing.AGE_OVER_20)["presentation"], cache.trust,
                            audience=ISSUER + "/verify")
    assert caught.value.reason == "revoked"


def test_a_revoked_card_fails(services, http, card, device, persona):
    assert services.cards.revoke(persona["pid"], "card cancelled by the registry") == 1
    shown = present(card, device, Showing.FULL)
    assert _reason(http.post(VERIFY, json={"presentation": shown["presentation"]})) == "revoked"


def test_a_new_phone_revokes_the_old_phones_card(services, http, app_client, card, device, persona):
    app_client.enroll_card_data_only(persona["pid"], PASSCODE)
    services.cards.invalidate_status_lists()
    shown = present(card, device, Showing.AGE_OVER_18)
    assert _reason(http.post(VERIFY, json={"presentation": shown["presentation"]})) == "revoked"


def test_an_expired_status_list_in_the_cache_is_refused(http, card, device, tmp_path):
    trust = fetch_trust(ISSUER, http)
    shown = present(card, device, Showing.AGE_OVER_18)
    with pytest.raises(PresentationRejected) as caught:
        verify_presentation(shown["presentation"], trust, audience=ISSUER + "/verify",
                            now=time.time() + 2 * 24 * 3600 - 30)
    assert caught.value.reason in {"status_stale", "expired"}
    no_lists = dataclasses.replace(trust, status_lists={})
    with pytest.raises(PresentationRejected) as caught:
        verify_presentation(shown["presentation"], no_lists, audience=ISSUER + "/verify")
    assert caught.value.reason == "status_unavailable"


def test_another_issuers_verifier_refuses_the_card(http, card, device):
    trust = dataclasses.replace(fetch_trust(ISSUER, http), issuer="https://other-id.example")
    with pytest.raises(PresentationRejected) as caught:
        verify_presentation(present(card, device, Showing.AGE_OVER_18)["presentation"], trust,
                            audience=ISSUER + "/verify")
    assert caught.value.reason == "unknown_issuer"


# -- what the card says -----------------------------------------------------------------------
@pytest.mark.parametrize(("birth", "over_18", "over_20"), [
    (dt.date(2006, 11, 23), True, True), (dt.date(2006, 11, 24), True, False),
    (dt.date(2008, 11, 23), True, False), (dt.date(2008, 11, 24), False, False)])
def test_age_over_is_derived_on_the_day_of_issue(services, persona, birth, over_18, over_20):
    citizen = dataclasses.replace(services.registry.citizen(persona["pid"]), birth_date=birth)
    claims = card_claims(citizen, services.registry.current_card(persona["pid"]), None, dt.date(2026, 11, 23))
    assert (claims["age_over_18"], claims["age_over_20"]) == (over_18, over_20)
    assert age_on(birth, dt.date(2026, 11, 23)) >= 18 if over_18 else age_on(birth, dt.date(2026, 11, 23)) < 18


def test_issuer_metadata_names_the_jwks_and_status_lists(http):
    metadata = http.get("/.well-known/jwt-vc-issuer").json()
    assert metadata["issuer"] == ISSUER and metadata["jwks_uri"].startswith(ISSUER)
    assert http.get("/card/status-lists/99").status_code == 404


def test_the_phone_shows_its_cached_card_when_the_issuer_is_unreachable(card, device, tmp_path):
    from tuaton.appclient.card import card_for
    offline_device = dataclasses.replace(device, issuer="http://127.0.0.1:1")  # nothing listens there
    path = tmp_path / "phone.json"
    offline_device.save(path)
    aged = dataclasses.replace(card, fetched_at=card.fetched_at - 20 * 3600)  # past half its life
    aged.save(StoredCard.path_for(path))
    assert card_for(path, PASSCODE).credential == card.credential  # renewal failed: the cached one serves
    dataclasses.replace(card, expires_at=int(time.time()) - 1).save(StoredCard.path_for(path))
    with pytest.raises(AppError, match="expired; connect to renew it"):
        card_for(path, None, offline=True)
