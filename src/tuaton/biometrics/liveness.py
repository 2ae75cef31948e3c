"""Active liveness: a frontal selfie, then a head turn the server asked for, in one enrolment.

What it checks: the first selfie faces the camera; the second is the same person with the nose
moved towards the requested side (dlib landmarks); neither image, nor a near copy of it, was
seen before for this citizen, and neither is a copy of the registry photo.

What it does not stop (docs/architecture.md): a video replay or a deepfake stream that follows
the instruction, a 3-D mask, or an injected camera feed. Those need passive presentation-attack
detection (ISO/IEC 30107-3 tested) and device attestation, which a deployment adds behind
:class:`tuaton.biometrics.faces.FaceEngine`'s neighbour here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import cv2
import numpy as np

from tuaton.biometrics.faces import Face

DIRECTIONS = ("left", "right")
#: Facing the camera: the nose between 38 % and 68 % of the way from one eye corner to the other.
FRONTAL_RANGE = (0.38, 0.68)
#: How far the nose must move along the eye line, as a share of the eye span, for a head turn.
#: Calibrated on the sandbox's simulated turns (smallest seen 0.038); a real turn moves it 0.1–0.3,
#: so an operator with real data should raise it (BENCHMARKS.md).
MIN_TURN = 0.03
#: Perceptual hashes this close (bits of 256) are the same picture re-encoded or resized; measured:
#: re-encodes differ by ≤ 6 bits, two selfies of one sitting by ≥ 17.
SAME_PICTURE_BITS = 12
HASH_SIDE = 16


def new_challenge() -> str:
    return secrets.choice(DIRECTIONS)


def perceptual_hash(image: np.ndarray) -> str:
    """256-bit difference hash (dHash) as 64 hex digits: survives re-encoding and resizing."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    small = cv2.resize(grey, (HASH_SIDE + 1, HASH_SIDE), interpolation=cv2.INTER_AREA)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):064x}"


def hash_distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


@dataclass(frozen=True)
class LivenessResult:
    passed: bool
    frontal_ratio: float
    turned_ratio: float
    turn: float
    reason: str | None = None


def check_turn(front: Face, turned: Face, direction: str) -> LivenessResult:
    frontal, after = front.yaw_ratio(), turned.yaw_ratio()
    turn = after - frontal
    result = dict(frontal_ratio=round(frontal, 3), turned_ratio=round(after, 3), turn=round(turn, 3))
    if not FRONTAL_RANGE[0] <= frontal <= FRONTAL_RANGE[1]:
        return LivenessResult(False, reason="not_frontal", **result)
    moved = turn <= -MIN_TURN if direction == "left" else turn >= MIN_TURN
    if not moved:
        return LivenessResult(False, reason="no_turn", **result)
    return LivenessResult(True, **result)
