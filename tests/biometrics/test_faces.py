"""Finding the one face in a photo: what is searched, and at what size."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tuaton.biometrics.faces import UPSCALE_UP_TO, the_one_face
from tuaton.errors import ProofingRefused


class NoFaces:
    """A face engine that finds nothing and notes the sizes it was shown."""

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []

    def faces(self, image):
        self.sizes.append(image.shape[:2])
        return []

    def distance(self, a, b) -> float:
        return 0.0


def test_a_small_photo_is_searched_again_at_double_size():
    engine = NoFaces()
    with pytest.raises(ProofingRefused) as caught:
        the_one_face(engine, np.zeros((480, 640, 3), np.uint8))
    assert caught.value.reason == "no_face" and engine.sizes == [(480, 640), (960, 1280)]


def test_a_large_photo_is_never_upscaled():
    engine = NoFaces()
    with pytest.raises(ProofingRefused):
        the_one_face(engine, np.zeros((1536, UPSCALE_UP_TO * 2, 3), np.uint8))
    assert engine.sizes == [(1536, UPSCALE_UP_TO * 2)]


def test_a_face_filling_a_quarter_of_the_frame_is_found_on_the_small_copy():
    from tuaton.biometrics.faces import DETECT_SIDE, FaceFinder
    from tuaton.biometrics.synthetic import registry_photo

    photo = registry_photo("6000000000001")
    large = cv2.resize(photo, None, fx=2, fy=2)                   # longer than DETECT_SIDE
    assert max(large.shape[:2]) > DETECT_SIDE
    copy, whole = FaceFinder().find(large), FaceFinder(detect_side=0).find(large)
    assert len(copy) == len(whole) == 1
    # The boxes differ by the detector's step at each scale; the landmarks (what aligns the chip) do not.
    width = whole[0].box[2] - whole[0].box[0]
    assert np.abs(copy[0].landmarks - whole[0].landmarks).mean() < 0.02 * width


def test_a_small_face_in_a_large_photo_is_still_found():
    from tuaton.biometrics.faces import FaceFinder
    from tuaton.biometrics.synthetic import registry_photo

    photo = registry_photo("6000000000002")
    canvas = np.full((1800, 1800, 3), 200, np.uint8)              # the face is a seventh of the frame
    canvas[600:600 + photo.shape[0], 700:700 + photo.shape[1]] = photo
    found = FaceFinder().find(canvas)
    assert len(found) == 1 and found[0].box[0] > 650 and found[0].chip.shape == (150, 150, 3)
