"""Face detection, quality, landmarks and the 128-d face descriptor: the FVS engine.

Faces are found with dlib's HOG face detector and its 68-point shape predictor; the descriptor is
dlib's ResNet (99.38 % on LFW), whose weights the ``face_recognition_models`` package ships (nothing
is downloaded). The product computes it with ONNX Runtime on a converted copy of those weights,
batched across concurrent requests (:mod:`tuaton.biometrics.onnx_faces`); dlib's own network stays
as the reference (``TUATON_FACE_ENGINE=dlib``). Two faces are the same person when the Euclidean
distance between descriptors is below the threshold (dlib's LFW-calibrated 0.6 by default; see BENCHMARKS.md).

A deployment that runs its own FVS plugs it in behind :class:`FaceEngine`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import cv2
import numpy as np

from tuaton.errors import ProofingRefused

#: Narrowest face box, in pixels, that we accept (phones give a selfie face several hundred).
MIN_FACE_PIXELS = 80
#: Photos whose longest side is at most this are searched again at double size when no face is found.
UPSCALE_UP_TO = 1024
#: Variance of the Laplacian inside the face box below which the face is too blurred.
MIN_FACE_SHARPNESS = 15.0
DEFAULT_THRESHOLD = 0.6
#: The detector's copy of a photo is at most this long (see :class:`FaceFinder`).
DETECT_SIDE = 320
#: The aligned face chip dlib's descriptor network reads.
CHIP_SIZE = 150
CHIP_PADDING = 0.25


@dataclass(frozen=True)
class Face:
    box: tuple[int, int, int, int]          # left, top, right, bottom
    landmarks: np.ndarray                   # (68, 2) pixel coordinates
    descriptor: np.ndarray                  # (128,) float64

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    def yaw_ratio(self) -> float:
        """Where the nose tip sits between the eyes' outer corners, measured along the eye line
        (so a tilted head reads the same): ≈0.5 facing the camera, smaller when the face turns
        to the image's left, larger to its right."""
        left_eye, right_eye, nose = self.landmarks[36], self.landmarks[45], self.landmarks[30]
        axis = right_eye - left_eye
        span = float(axis @ axis)
        return float((nose - left_eye) @ axis / span) if span else 0.5


class FaceEngine(Protocol):
    """What proofing needs from a face verification service."""

    def faces(self, image: np.ndarray) -> list[Face]: ...

    def distance(self, a: np.ndarray, b: np.ndarray) -> float: ...


@dataclass(frozen=True)
class FoundFace:
    box: tuple[int, int, int, int]
    landmarks: np.ndarray                   # (68, 2)
    chip: np.ndarray                        # (150, 150, 3) uint8: the aligned face the descriptor reads


class FaceFinder:
    """Detection, landmarks and alignment, on the CPU: dlib's HOG detector, its 68-point shape
    predictor, and ``dlib.get_face_chip`` (150×150, padding 0.25: what ``compute_face_descriptor``
    itself feeds its network). Thread-safe through one lock (dlib holds the GIL anyway).

    The detector runs on a copy no longer than :data:`DETECT_SIDE` pixels: a selfie framed by the
    app's guide has a face of a quarter of the frame or more, which the detector's 80-pixel window
    still finds there, at a fifth of the cost. Only when that copy shows no face is the whole photo
    searched, so a small face costs time, not a refusal. Landmarks and the chip are taken from the
    full-size photo."""

    def __init__(self, detect_side: int | None = None) -> None:
        import dlib
        import face_recognition_models as models

        self._dlib = dlib
        self._detector = dlib.get_frontal_face_detector()
        self._shapes = dlib.shape_predictor(models.pose_predictor_model_location())
        self._detect_side = DETECT_SIDE if detect_side is None else detect_side
        self._lock = threading.Lock()

    def find(self, image: np.ndarray) -> list[FoundFace]:
        image = np.ascontiguousarray(image, dtype=np.uint8)
        dlib = self._dlib
        with self._lock:
            rects = self._detect(image)
            found = []
            for rect in rects:
                shape = self._shapes(image, rect)
                points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
                chip = dlib.get_face_chip(image, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
                found.append(FoundFace((rect.left(), rect.top(), rect.right(), rect.bottom()), points, chip))
        return found

    def _detect(self, image: np.ndarray) -> list:
        longest = max(image.shape[:2])
        if self._detect_side and longest > self._detect_side:
            scale = self._detect_side / longest
            small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            rects = self._detector(small, 0)
            if len(rects):
                return [self._dlib.rectangle(round(r.left() / scale), round(r.top() / scale),
                                             round(r.right() / scale), round(r.bottom() / scale)) for r in rects]
        return list(self._detector(image, 0))


class DlibFaceEngine:
    """dlib's own descriptor network on the CPU, one face at a time (dlib-bin has no CUDA): the
    reference the ONNX engine is checked against."""

    def __init__(self, finder: FaceFinder | None = None) -> None:
        import dlib
        import face_recognition_models as models

        self._finder = finder or FaceFinder()
        self._encoder = dlib.face_recognition_model_v1(models.face_recognition_model_location())

    def faces(self, image: np.ndarray) -> list[Face]:
        return [Face(f.box, f.landmarks, np.array(self._encoder.compute_face_descriptor(f.chip)))
                for f in self._finder.find(image)]

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return euclidean(a, b)


def euclidean(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))


@cache
def default_engine(kind: str = "onnx", window_ms: float | None = None, max_batch: int = 32,
                   threads: int = 1) -> FaceEngine:
    """One engine per process and configuration (the models take a second to load)."""
    if kind == "dlib":
        return DlibFaceEngine()
    if kind == "onnx":
        from tuaton.biometrics.onnx_faces import OnnxFaceEngine

        return OnnxFaceEngine(window_ms=window_ms, max_batch=max_batch, threads=threads)
    raise ValueError(f"TUATON_FACE_ENGINE must be 'onnx' or 'dlib', not {kind!r}")


def the_one_face(engine: FaceEngine, image: np.ndarray) -> Face:
    """Exactly one usable face, or the reason there is not."""
    found = engine.faces(image)
    if not found and max(image.shape[:2]) <= UPSCALE_UP_TO:
        # The HOG detector misses small faces at its native scale: a small photo is tried once at
        # double size (a large one is not: four times the pixels, and its faces are not small).
        doubled = cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_LINEAR)
        found = [_halve(face) for face in engine.faces(doubled)]
    if not found:
        raise ProofingRefused("no_face")
    if len(found) > 1:
        raise ProofingRefused("several_faces", faces=len(found))
    face = found[0]
    if face.width < MIN_FACE_PIXELS:
        raise ProofingRefused("face_too_small", face_pixels=face.width)
    left, top, right, bottom = (max(0, v) for v in face.box)
    grey = cv2.cvtColor(image[top:bottom, left:right], cv2.COLOR_RGB2GRAY)
    if grey.size and float(cv2.Laplacian(grey, cv2.CV_64F).var()) < MIN_FACE_SHARPNESS:
        raise ProofingRefused("face_blurry")
    return face


def _halve(face: Face) -> Face:
    return Face(tuple(v // 2 for v in face.box), face.landmarks / 2, face.descriptor)
