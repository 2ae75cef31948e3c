"""Face finding, descriptors and the liveness rules on the sandbox's faces."""

from __future__ import annotations

import numpy as np
import pytest

from tuaton.biometrics import liveness, synthetic
from tuaton.biometrics.faces import default_engine, the_one_face
from tuaton.errors import ProofingRefused

PID = "1000000000001"


@pytest.fixture(scope="module")
def engine():
    return default_engine()


def face(engine, jpeg: bytes):
    return the_one_face(engine, synthetic.decode(jpeg))


def test_the_same_person_is_near_and_the_other_is_far(engine):
    mine = face(engine, synthetic.selfie(PID, 1)).descriptor
    again = face(engine, synthetic.selfie(PID, 2)).descriptor
    other_name = next(f for f in synthetic.BASE_FACES if f != synthetic.face_of(PID))
    other = face(engine, synthetic.selfie(PID, 3, face=other_name)).descriptor
    assert engine.distance(mine, again) < 0.6 < engine.distance(mine, other)


@pytest.mark.parametrize("direction,yaw", [("left", -0.45), ("right", 0.45)])
def test_a_turn_in_the_asked_direction_passes_and_the_other_fails(engine, direction, yaw):
    front = face(engine, synthetic.selfie(PID, 4))
    turned = face(engine, synthetic.selfie(PID, 4, yaw=yaw))
    assert liveness.check_turn(front, turned, direction).passed
    opposite = "right" if direction == "left" else "left"
    assert liveness.check_turn(front, turned, opposite).reason == "no_turn"


def test_a_face_too_small_is_refused(engine):
    small = synthetic.decode(synthetic.selfie(PID, 5))
    small = np.ascontiguousarray(small[::4, ::4])
    with pytest.raises(ProofingRefused) as refused:
        the_one_face(engine, small)
    assert refused.value.reason in ("face_too_small", "no_face")


def test_perceptual_hash_sees_through_re_encoding_but_not_a_new_photo():
    first = synthetic.decode(synthetic.selfie(PID, 6))
    re_encoded = synthetic.decode(synthetic.encode_jpeg(first, 60))
    new = synthetic.decode(synthetic.selfie(PID, 7))
    same = liveness.hash_distance(liveness.perceptual_hash(first), liveness.perceptual_hash(re_encoded))
    different = liveness.hash_distance(liveness.perceptual_hash(first), liveness.perceptual_hash(new))
    assert same <= liveness.SAME_PICTURE_BITS < different


def test_challenges_are_both_directions():
    assert {liveness.new_challenge() for _ in range(200)} == set(liveness.DIRECTIONS)
