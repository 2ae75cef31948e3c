"""Face detection, quality, landmarks and the 128-d face descriptor: the FVS engine.

The default engine is dlib's HOG face detector, its 68-point shape predictor and its ResNet face
descriptor (99.38 % on LFW), whose weights the ``face_recognition_models`` package ships; nothing
is downloaded. Two faces are the same person when the Euclidean distance between descriptors is
below the threshold (dlib's LFW-calibrated 0.6 by default; see BENCHMARKS.md).

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


class DlibFaceEngine:
    """dlib on the CPU (dlib-bin has no CUDA). Thread-safe: dlib's models are guarded by a lock
    per engine, so run one engine per worker process for parallelism."""

    def __init__(self, upsample: int = 0) -> None:
        import dlib
        import face_recognition_models as models

        self._detector = dlib.get_frontal_face_detector()
        self._shapes = dlib.shape_predictor(models.pose_predictor_model_location())
        self._encoder = dlib.face_recognition_model_v1(models.face_recognition_model_location())
        self._upsample = upsample
        self._lock = threading.Lock()

    def faces(self, image: np.ndarray) -> list[Face]:
        image = np.ascontiguousarray(image, dtype=np.uint8)
        found = []
        with self._lock:
            for rect in self._detector(image, self._upsample):
                shape = self._shapes(image, rect)
                points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
                descriptor = np.array(self._encoder.compute_face_descriptor(image, shape))
                found.append(Face((rect.left(), rect.top(), rect.right(), rect.bottom()), points, descriptor))
        return found

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))


@cache
def default_engine() -> DlibFaceEngine:
    return DlibFaceEngine()


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
