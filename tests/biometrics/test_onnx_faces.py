"""The product's face engine: dlib's decisions, computed in batches, and a clear 503 when it fails."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tuaton.biometrics import synthetic
from tuaton.biometrics.faces import DEFAULT_THRESHOLD, DlibFaceEngine, FaceFinder, the_one_face
from tuaton.biometrics.onnx_faces import DescriptorBatcher, OnnxFaceEngine
from tuaton.errors import FaceVerificationUnavailable


@pytest.fixture(scope="module")
def finder() -> FaceFinder:
    return FaceFinder()


@pytest.fixture(scope="module")
def reference(finder) -> DlibFaceEngine:
    return DlibFaceEngine(finder)


@pytest.fixture(scope="module")
def engine(finder) -> OnnxFaceEngine:
    return OnnxFaceEngine(finder=finder, window_ms=50, max_batch=8)


def test_the_engine_decides_as_dlib_does(engine, reference):
    for i in range(4):
        pid = f"3{i:012d}"
        other = next(f for f in synthetic.BASE_FACES if f != synthetic.face_of(pid))
        registry = synthetic.registry_photo(pid)
        for face, same in ((None, True), (other, False)):
            selfie = synthetic.decode(synthetic.selfie(pid, i, face=face))
            ours = engine.distance(the_one_face(engine, selfie).descriptor, the_one_face(engine, registry).descriptor)
            theirs = reference.distance(the_one_face(reference, selfie).descriptor,
                                        the_one_face(reference, registry).descriptor)
            assert abs(ours - theirs) < 1e-4
            assert (ours < DEFAULT_THRESHOLD) is same


def test_concurrent_requests_share_a_pass_and_each_gets_its_own_face(engine):
    images = [synthetic.decode(synthetic.selfie(f"4{i:012d}", i)) for i in range(6)]
    alone = [engine.faces(image)[0].descriptor for image in images]
    passes, results = engine.batcher.passes, [None] * len(images)
    start = threading.Barrier(len(images))

    def verify(i: int) -> None:
        start.wait()
        results[i] = engine.faces(images[i])[0].descriptor

    threads = [threading.Thread(target=verify, args=(i,)) for i in range(len(images))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert engine.batcher.passes - passes < len(images) and engine.batcher.largest_batch > 1
    for got, expected in zip(results, alone, strict=True):
        assert np.linalg.norm(got - expected) < 1e-4


def test_a_photo_without_a_face_runs_no_pass(engine):
    passes = engine.batcher.passes
    assert engine.faces(np.full((400, 300, 3), 128, np.uint8)) == []
    assert engine.batcher.passes == passes


def test_a_failed_pass_answers_every_waiter_and_the_next_pass_works():
    calls = []

    def run(chips):
        calls.append(len(chips))
        if len(calls) == 1:
            raise RuntimeError("device lost")
        return np.ones((len(chips), 128), np.float32)

    batcher = DescriptorBatcher(run, window_ms=0, max_batch=4)
    with pytest.raises(FaceVerificationUnavailable) as caught:
        batcher.descriptors(np.zeros((2, 150, 150, 3), np.uint8))
    assert caught.value.status == 503 and caught.value.extra["retry_after"] > 0
    assert batcher.descriptors(np.zeros((3, 150, 150, 3), np.uint8)).shape == (3, 128)


def test_a_model_that_will_not_load_is_unavailable_not_a_crash(tmp_path, finder):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx model")
    with pytest.raises(FaceVerificationUnavailable):
        OnnxFaceEngine(broken, finder=finder).faces(synthetic.registry_photo("5000000000001"))
