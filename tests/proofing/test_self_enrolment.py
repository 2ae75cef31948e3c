"""Self-enrolment end to end through the API: every step, every refusal, nothing half applied."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from tests.conftest import PASSCODE
from tuaton.biometrics import synthetic
from tuaton.identity.models import Identity
from tuaton.proofing.models import Enrolment, Evidence


def _problem(response, status: int, reason: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert body["detail"] and body["detail_th"]
    if reason:
        assert body["reason"] == reason, body
    return body


def _identities(services) -> int:
    with services.database.reading() as session:
        return session.execute(select(func.count()).select_from(Identity)).scalar_one()


def test_app_client_enrols_through_the_whole_pipeline_at_ial_2_1(app_client, persona, services):
    steps = []
    device = app_client.enroll(persona["pid"], PASSCODE, on_step=lambda name, body: steps.append(name))
    assert steps == ["started", "card_front", "card_back", "card_data", "selfie", "consent"]
    assert device.ial == "2.1" and device.pid == persona["pid"]
    with services.database.reading() as session:
        evidence = session.execute(select(Evidence.kind, Evidence.decision, Evidence.scores)).all()
    kinds = sorted(row.kind for row in evidence if row.decision == "accepted")
    assert kinds == ["card_back", "card_front", "selfie", "selfie_turned"]
    selfie = next(row for row in evidence if row.kind == "selfie")
    assert selfie.scores["registry_distance"] < 0.6 and "liveness" in selfie.scores


def test_card_front_is_read_and_shown_back_to_the_citizen(enrolling, persona):
    e = enrolling()
    response = e.post_photo("card-front", e.card_photo("front"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == "card_front_read" and body["next_step"] == "card_back"
    assert body["card"]["pid"] == persona["pid"]
    assert body["card"]["given_name_th"] == persona["given_name_th"]


def test_state_can_be_read_to_resume(enrolling, http):
    e = enrolling()
    e.through_card()
    response = http.get(e.base, headers=e.auth)
    assert response.status_code == 200
    assert response.json()["next_step"] == "selfie" and response.json()["challenge"] in ("left", "right")


def test_steps_out_of_order_are_refused(enrolling):
    e = enrolling()
    body = _problem(e.card_data(), 409)
    assert body["next_step"] == "card_front"
    _problem(e.post_photo("selfie", b"x", turned=b"y"), 409)


def test_wrong_token_cannot_touch_an_enrolment(enrolling, http):
    e = enrolling()
    response = http.post(f"{e.base}/card-front", headers={"Authorization": "Bearer not-the-token"},
                         files={"photo": ("p.jpg", e.card_photo("front"))})
    _problem(response, 404)
    _problem(http.get(e.base), 404)


def test_terms_must_be_accepted(http):
    response = http.post("/api/app/v1/enrolments", json={"accept_terms": False, "public_jwk": {}, "key_proof": "x"})
    _problem(response, 422)


def test_an_upload_that_is_not_an_image_is_refused(enrolling):
    e = enrolling()
    _problem(e.post_photo("card-front", b"%PDF-1.7 not a photo"), 422, "not_an_image")


def test_a_photo_without_a_card_is_refused(enrolling):
    e = enrolling()
    _problem(e.post_photo("card-front", synthetic.selfie(e.pid)), 422, "no_card")


def test_a_blurred_card_is_refused(enrolling, services):
    from tuaton.registry.card_render import Photograph, photograph, render_front

    e = enrolling()
    citizen, card = services.registry.citizen(e.pid), services.registry.current_card(e.pid)
    blurred = photograph(render_front(citizen, card, synthetic.registry_photo(e.pid)), Photograph(blur=4.0))
    _problem(e.post_photo("card-front", blurred), 422, "blurry")


def test_glare_on_the_card_is_refused(enrolling, services):
    from tuaton.registry.card_render import Photograph, photograph, render_front

    e = enrolling()
    citizen, card = services.registry.citizen(e.pid), services.registry.current_card(e.pid)
    glared = photograph(render_front(citizen, card, synthetic.registry_photo(e.pid)), Photograph(glare=1.0))
    _problem(e.post_photo("card-front", glared), 422, "glare")


def test_a_wrong_laser_code_does_not_match_the_registry(enrolling):
    e = enrolling()
    for side, step in (("front", "card-front"), ("back", "card-back")):
        e.state = e.post_photo(step, e.card_photo(side)).json()
    # The citizen cannot type another laser code than the card's…
    _problem(e.card_data(laser_code="AB0-0000000-00"), 422)
    # …and a card whose data the citizen changed does not match the registry.
    body = _problem(e.card_data(given_name_th="สมมติ"), 422, "data_mismatch")
    assert "given" not in body["detail"].lower()      # never says which field was wrong


def test_another_persons_card_back_does_not_match(enrolling, personas):
    e = enrolling()
    e.state = e.post_photo("card-front", e.card_photo("front")).json()
    e.state = e.post_photo("card-back", e.card_photo("back", pid=personas[1]["pid"])).json()
    _problem(e.card_data(), 422, "data_mismatch")


def test_an_expired_card_ends_the_enrolment(enrolling, services, persona):
    from tuaton.registry.models import IdCard

    with services.database.transaction() as session:
        session.execute(update(IdCard).where(IdCard.pid == persona["pid"]).values(expires_on=dt.date(2020, 1, 1)))
    try:
        e = enrolling()
        for side, step in (("front", "card-front"), ("back", "card-back")):
            e.state = e.post_photo(step, e.card_photo(side)).json()
        _problem(e.card_data(), 422, "card_expired")
        _problem(e.post_photo("card-front", e.card_photo("front")), 410)
    finally:
        with services.database.transaction() as session:
            session.execute(update(IdCard).where(IdCard.pid == persona["pid"]).values(
                expires_on=dt.date.fromisoformat(persona["card_expires_on"])))


def test_another_persons_selfie_does_not_match(enrolling):
    e = enrolling()
    e.through_card()
    other = next(face for face in synthetic.BASE_FACES if face != synthetic.face_of(e.pid))
    _problem(e.post_photo("selfie", *e.selfies(face=other)), 422, "face_mismatch")
    assert e.http.get(e.base, headers=e.auth).json()["state"] == "card_confirmed"


def test_a_selfie_with_no_face_is_refused(enrolling, services):
    e = enrolling()
    e.through_card()
    _problem(e.post_photo("selfie", e.card_photo("back"), turned=e.card_photo("back", 1)), 422, "no_face")


def test_a_selfie_with_two_faces_is_refused(enrolling):
    import numpy as np

    e = enrolling()
    e.through_card()
    one, turned = e.selfies()
    pair = synthetic.encode_jpeg(np.hstack([synthetic.decode(one), synthetic.decode(one)[:, ::-1]]))
    _problem(e.post_photo("selfie", pair, turned=turned), 422, "several_faces")


def test_turning_the_wrong_way_fails_liveness(enrolling):
    e = enrolling()
    e.through_card()
    wrong = "right" if e.state["challenge"] == "left" else "left"
    _problem(e.post_photo("selfie", *e.selfies(turn=wrong)), 422, "liveness_failed")


def test_the_same_picture_twice_fails_liveness(enrolling):
    e = enrolling()
    e.through_card()
    front, _ = e.selfies()
    _problem(e.post_photo("selfie", front, turned=front), 422, "liveness_failed")


def test_the_registry_photo_itself_is_a_replay(enrolling):
    e = enrolling()
    e.through_card()
    stolen = synthetic.encode_jpeg(synthetic.registry_photo(e.pid), 80)
    _problem(e.post_photo("selfie", stolen, turned=e.selfies()[1]), 422, "replayed_image")


def test_a_selfie_used_before_is_a_replay(enrolling, app_client, persona):
    first = enrolling()
    first.through_card()
    selfies = first.selfies(attempt=7)
    assert first.post_photo("selfie", *selfies).status_code == 200
    again = enrolling()
    again.through_card()
    if again.state["challenge"] != first.state["challenge"]:
        selfies = (selfies[0], again.selfies(attempt=7)[1])
    _problem(again.post_photo("selfie", *selfies), 422, "replayed_image")


def test_failed_selfies_are_limited_per_citizen(enrolling, settings):
    e = enrolling()
    e.through_card()
    other = next(face for face in synthetic.BASE_FACES if face != synthetic.face_of(e.pid))
    for attempt in range(settings.face_failures_per_citizen_per_day):
        _problem(e.post_photo("selfie", *e.selfies(attempt, face=other)), 422, "face_mismatch")
    _problem(e.post_photo("selfie", *e.selfies(99)), 410)
    assert e.http.get(e.base, headers=e.auth).json()["refusal_reason"] == "too_many_failures"


def test_passcode_policy_and_the_passcode_again_at_consent(enrolling, http, services):
    e = enrolling()
    e.through_card()
    assert e.post_photo("selfie", *e.selfies()).status_code == 200
    _problem(http.post(f"{e.base}/passcode", headers=e.auth,
                       json={"passcode": "12345678", "passcode_confirmation": "12345678"}), 422)
    _problem(http.post(f"{e.base}/passcode", headers=e.auth,
                       json={"passcode": PASSCODE, "passcode_confirmation": "97531864"}), 422)
    assert http.post(f"{e.base}/passcode", headers=e.auth,
                     json={"passcode": PASSCODE, "passcode_confirmation": PASSCODE}).status_code == 200
    _problem(http.post(f"{e.base}/consent", headers=e.auth, json={"accept": False, "passcode": PASSCODE}), 422)
    _problem(http.post(f"{e.base}/consent", headers=e.auth, json={"accept": True, "passcode": "97531864"}), 401)
    assert _identities(services) == 0                     # nothing applied before the last step
    done = http.post(f"{e.base}/consent", headers=e.auth, json={"accept": True, "passcode": PASSCODE})
    assert done.status_code == 201 and done.json()["ial"] == "2.1"
    assert _identities(services) == 1
    _problem(http.post(f"{e.base}/consent", headers=e.auth, json={"accept": True, "passcode": PASSCODE}), 410)


def test_an_expired_enrolment_cannot_continue(enrolling, services):
    e = enrolling()
    with services.database.transaction() as session:
        session.execute(update(Enrolment).values(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    _problem(e.post_photo("card-front", e.card_photo("front")), 410)


def test_images_are_kept_only_for_the_retention(enrolling, services):
    from tuaton.proofing.self_enrolment import purge_images

    e = enrolling()
    assert e.post_photo("card-front", e.card_photo("front")).status_code == 200
    with services.database.transaction() as session:
        assert session.execute(select(Evidence.image)).scalar_one() is not None
        purged = purge_images(session, dt.datetime.now(dt.UTC) + dt.timedelta(hours=73))
    assert purged == 1
    with services.database.reading() as session:
        row = session.execute(select(Evidence)).scalar_one()
    assert row.image is None and len(row.sha256) == 64 and row.decision == "accepted"


def test_a_key_proof_made_by_another_key_is_refused(http):
    import time

    from joserfc.jwk import ECKey

    from tuaton.identity.devices import sign_request

    claimed, signer = ECKey.generate_key("P-256"), ECKey.generate_key("P-256")
    response = http.post("/api/app/v1/enrolments", json={
        "accept_terms": True, "public_jwk": claimed.as_dict(private=False),
        "key_proof": sign_request(signer, {"purpose": "enrol", "iat": int(time.time())})})
    _problem(response, 401)
    assert response.json()["type"].endswith("bad-signature")


def test_enrolments_are_limited_per_device(http, settings):
    import time

    from joserfc.jwk import ECKey

    from tuaton.identity.devices import sign_request

    key = ECKey.generate_key("P-256")

    def start():
        return http.post("/api/app/v1/enrolments", json={
            "accept_terms": True, "public_jwk": key.as_dict(private=False),
            "key_proof": sign_request(key, {"purpose": "enrol", "iat": int(time.time())})})

    for _ in range(settings.enrolments_per_device_per_day):
        assert start().status_code == 201
    _problem(start(), 429)


def test_a_malformed_citizen_id_in_the_card_data_is_invalid_input(enrolling):
    e = enrolling()
    for side, step in (("front", "card-front"), ("back", "card-back")):
        e.state = e.post_photo(step, e.card_photo(side)).json()
    body = _problem(e.card_data(pid="1234567890123"), 422)
    assert body["type"].endswith("invalid-input") and "check digit" in body["detail"]


def test_a_refused_upload_keeps_its_hash_but_never_its_bytes(enrolling, services):
    import os

    e = enrolling()
    _problem(e.post_photo("card-front", os.urandom(200_000)), 422, "not_an_image")
    with services.database.reading() as session:
        row = session.execute(select(Evidence)).scalar_one()
    assert row.decision == "refused" and row.reason == "not_an_image"
    assert row.image is None and row.retain_until is None and len(row.sha256) == 64


def test_an_enrolment_can_send_only_so_many_photos(enrolling, services):
    limit = services.settings.photos_per_enrolment
    e = enrolling()
    for _ in range(limit):
        _problem(e.post_photo("card-front", b"not an image"), 422, "not_an_image")
    body = _problem(e.post_photo("card-front", e.card_photo("front")), 422, "too_many_failures")
    assert body["reason"] == "too_many_failures"
    _problem(e.post_photo("card-front", e.card_photo("front")), 410)          # the enrolment has ended


def test_a_device_can_send_only_so_many_megabytes_a_day(enrolling, services, monkeypatch):
    monkeypatch.setattr(services.settings, "photo_megabytes_per_device_per_day", 1)
    e = enrolling()
    big = b"\x00" * (700 * 1024)
    _problem(e.post_photo("card-front", big), 422, "not_an_image")
    _problem(e.post_photo("card-front", big), 429)


def test_a_face_engine_that_fails_answers_503_and_the_same_selfie_can_be_sent_again(enrolling, services, tmp_path,
                                                                                     monkeypatch):
    from tuaton.biometrics.onnx_faces import OnnxFaceEngine

    e = enrolling()
    e.through_card()
    selfies = e.selfies()
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    working = services.enrolments._faces
    monkeypatch.setattr(services.enrolments, "_faces", OnnxFaceEngine(broken))
    response = e.post_photo("selfie", *selfies)
    body = _problem(response, 503)
    assert body["type"].endswith("face-verification-unavailable") and int(response.headers["Retry-After"]) > 0
    assert e.http.get(e.base, headers=e.auth).json()["state"] == "card_confirmed"
    monkeypatch.setattr(services.enrolments, "_faces", working)
    response = e.post_photo("selfie", *selfies)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "face_verified"


def test_the_app_is_told_when_enrolling_moves_the_id_from_another_phone(enrolling, app_client, persona):
    first = enrolling().through_card()
    assert first["active_device_since"] is None
    app_client.enroll_card_data_only(persona["pid"], PASSCODE)          # now the ID is on a phone
    assert enrolling().through_card()["active_device_since"] is not None
