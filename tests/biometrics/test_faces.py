"""Finding the one face in a photo: what is searched, and at what size."""

from __future__ import annotations

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
