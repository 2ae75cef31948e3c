"""dlib's face network read from its file and rebuilt in ONNX: the same descriptors, and any other
file refused rather than half converted."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tuaton.biometrics import face_model, synthetic
from tuaton.biometrics.face_model import FaceModelError, read_layers
from tuaton.biometrics.faces import FaceFinder


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> object:
    return face_model.convert(tmp_path_factory.mktemp("model") / "face.onnx")


@pytest.fixture(scope="module")
def selfie_chips() -> np.ndarray:
    """Chips of selfies (turned, lit and framed differently from the photos the conversion checks)."""
    finder = FaceFinder()
    chips = []
    for i in range(6):
        pid = f"2{i:012d}"
        for image in (synthetic.decode(synthetic.selfie(pid, i)), synthetic.decode(synthetic.selfie(pid, i, yaw=0.4))):
            chips += [face.chip for face in finder.find(image)]
    return np.stack(chips)


def test_the_converted_network_gives_dlibs_descriptors(converted, selfie_chips):
    assert len(selfie_chips) >= 10
    assert face_model.check_against_dlib(converted, selfie_chips) < 1e-4


def test_the_model_is_named_after_its_source_and_converted_once(tmp_path, monkeypatch):
    target = face_model.model_path(tmp_path)
    assert target.parent == tmp_path and target.name.startswith("dlib_face_resnet_") and target.suffix == ".onnx"
    target.write_bytes(b"already converted")
    monkeypatch.setattr(face_model, "read_layers", lambda data: pytest.fail("converted again"))
    assert face_model.convert(target) == target and target.read_bytes() == b"already converted"


def test_a_conversion_that_disagrees_with_dlib_leaves_no_model(tmp_path, monkeypatch):
    monkeypatch.setattr(face_model, "check_against_dlib", lambda path, chips: 0.05)
    target = tmp_path / "face.onnx"
    with pytest.raises(FaceModelError, match="from dlib's"):
        face_model.convert(target)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("other", ["cnn_face_detector_model_location", "pose_predictor_five_point_model_location"])
def test_another_dlib_model_is_not_taken_for_the_face_network(other):
    import face_recognition_models

    data = open(getattr(face_recognition_models, other)(), "rb").read()
    with pytest.raises(FaceModelError):
        read_layers(data)


def test_a_network_with_a_changed_layer_is_refused():
    data = face_model.source_file().read_bytes()
    changed = data.replace(b"\x0amax_pool_2", b"\x0aavg_pool_2", 1)
    assert changed != data
    with pytest.raises(FaceModelError, match="not dlib's face ResNet"):
        face_model.folded_network(read_layers(changed))


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=22_300_000), noise=st.binary(max_size=64))
def test_a_truncated_or_damaged_file_fails_with_a_clear_error(cut, noise):
    data = face_model.source_file().read_bytes()
    with pytest.raises(FaceModelError):
        face_model.folded_network(read_layers(data[:cut] + noise))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_are_refused_as_a_model(data):
    with pytest.raises(FaceModelError):
        read_layers(b"\x01\x03\x15input_rgb_image_sized" + data)


def test_a_tensor_whose_size_overflows_is_refused():
    from tuaton.biometrics.face_model import _Reader

    huge = bytes([0x01, 0x02]) + bytes([0x08]) + (2**62).to_bytes(8, "little") * 1 + bytes([0x01, 0x10]) * 3
    with pytest.raises(FaceModelError, match="does not fit"):
        _Reader(huge).tensor()
