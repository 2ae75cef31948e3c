"""Faces for the synthetic population, made honestly from the few real faces packages ship.

Packages ship almost no photographs of people. Two are usable here: scikit-image's ``astronaut``
(Eileen Collins) and matplotlib's ``grace_hopper``. Every synthetic citizen is given one of them
(chosen by citizen ID) as a registry photo with a person-specific variation of light and framing;
the simulated app's selfies are further variants (scale, rotation, light, noise, JPEG) of the same
face, and a head turn is simulated with a perspective warp. So a "genuine" pair here is two
variants of one photograph — easier than two photographs of one person — and an "impostor" is the
other real face. BENCHMARKS.md and docs/operators.md say what that does and does not measure.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

#: (name, how to load, face box in the source as (left, top, right, bottom)).
BASE_FACES = ("astronaut", "grace_hopper")


@cache
def base_face(name: str) -> np.ndarray:
    """A head-and-shoulders RGB crop (uint8) of one of the shipped real faces."""
    if name == "astronaut":
        from skimage import data

        image, (left, top, right, bottom) = data.astronaut(), (175, 76, 265, 166)
    elif name == "grace_hopper":
        import matplotlib

        path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
        image = np.asarray(Image.open(path).convert("RGB"))
        left, top, right, bottom = 180, 139, 366, 325
    else:
        raise KeyError(name)
    width, height = right - left, bottom - top
    # A passport-style frame: the face in the upper middle, shoulders below.
    x0, x1 = max(0, left - width // 2), min(image.shape[1], right + width // 2)
    y0, y1 = max(0, top - int(height * 0.6)), min(image.shape[0], bottom + int(height * 0.7))
    crop = image[y0:y1, x0:x1]
    # Phone cameras give the face a few hundred pixels; enlarge the small crops to match.
    factor = 480 / crop.shape[1]
    return cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def face_of(pid: str) -> str:
    """Which shipped face a synthetic citizen has (stable for a citizen ID)."""
    return BASE_FACES[int(hashlib.sha256(pid.encode()).hexdigest(), 16) % len(BASE_FACES)]


@dataclass(frozen=True)
class Variation:
    scale: float = 1.0
    angle: float = 0.0
    brightness: float = 1.0
    noise: float = 0.0
    yaw: float = 0.0          # -1 … 1: simulated head turn towards the image's left (-) or right (+)
    shift: tuple[float, float] = (0.0, 0.0)   # framing offset, as a share of width and height
    jpeg_quality: int = 92


def _rng(*parts: object) -> np.random.Generator:
    seed = int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")
    return np.random.default_rng(seed)


def vary(image: np.ndarray, variation: Variation, seed: object = 0) -> np.ndarray:
    """A photographed variant of ``image``: framing, light, sensor noise and a simulated head turn."""
    height, width = image.shape[:2]
    out = image
    if variation.yaw:
        out = _turn_head(out, variation.yaw)
    if variation.scale != 1.0 or variation.angle or variation.shift != (0.0, 0.0):
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), variation.angle, variation.scale)
        matrix[:, 2] += (variation.shift[0] * width, variation.shift[1] * height)
        out = cv2.warpAffine(out, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
    work = out.astype(np.float32) * variation.brightness
    if variation.noise:
        work += _rng("noise", seed).normal(0, variation.noise, work.shape)
    out = np.clip(work, 0, 255).astype(np.uint8)
    return decode(encode_jpeg(out, variation.jpeg_quality))


def _turn_head(image: np.ndarray, yaw: float) -> np.ndarray:
    """Simulate a head turn: slide the middle of the face (the nose) sideways more than its sides.

    A turning head moves its protruding centre further than its outline; a smooth horizontal
    displacement peaked on the face's centre line reproduces that for a landmark detector. It is
    a simulation for tests and the sandbox, not a model of a real head.
    """
    height, width = image.shape[:2]
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    centre_x, centre_y = width / 2, height * 0.48
    bump = np.exp(-((xs - centre_x) ** 2) / (2 * (0.09 * width) ** 2)
                  - ((ys - centre_y) ** 2) / (2 * (0.22 * height) ** 2))
    map_x = xs - yaw * 0.16 * width * bump
    return cv2.remap(image, map_x, ys, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def encode_jpeg(image: np.ndarray, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def registry_photo(pid: str) -> np.ndarray:
    """The photo the civil registry holds for a synthetic citizen."""
    rng = _rng("registry", pid)
    return vary(base_face(face_of(pid)), Variation(
        scale=float(rng.uniform(0.95, 1.05)), brightness=float(rng.uniform(0.9, 1.1)), jpeg_quality=90))


def selfie(pid: str, attempt: object = 0, *, yaw: float = 0.0, face: str | None = None) -> bytes:
    """A selfie as the simulated app takes it: JPEG bytes, a fresh variant every ``attempt``.

    ``face`` overrides whose face is in it (tests use it for another person's selfie).
    """
    rng = _rng("selfie", pid, attempt)
    image = vary(base_face(face or face_of(pid)), Variation(
        scale=float(rng.uniform(0.9, 1.1)), angle=float(rng.uniform(-6, 6)),
        # Turning, people also move a little in the frame.
        shift=(float(rng.uniform(-0.08, 0.08)) + 0.1 * yaw, float(rng.uniform(-0.06, 0.06))),
        brightness=float(rng.uniform(0.8, 1.2)), noise=float(rng.uniform(0, 6)), yaw=yaw,
        jpeg_quality=int(rng.integers(75, 95))), seed=(pid, attempt, yaw))
    return encode_jpeg(image, 90)
