"""Render a citizen's ID card, front and back, in the Thai layout, and photograph it as a phone would.

The sandbox's simulated app photographs "its" card with these; the OCR benchmark reads 1,000 of
them. The canonical card is ID-1 size at about 300 dpi. ``FRONT_FIELDS``/``BACK_FIELDS`` name where
each field is printed, in canonical pixels; the OCR reads the same places after straightening the
card, as a reader built for one document type does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tuaton.registry.records import CardRecord, CitizenRecord

CARD_SIZE = (1012, 638)
FONT_DIRS = (Path("/usr/share/fonts/truetype/tlwg"), Path("/usr/share/fonts/opentype/tlwg"))
THAI_MONTHS = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
EN_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "Jun.", "Jul.", "Aug.", "Sep.", "Oct.", "Nov.", "Dec.")
LIFELONG = dt.date(9999, 12, 31)

#: Field → (left, top, right, bottom) on the canonical front/back.
FRONT_FIELDS = {
    "pid": (460, 72, 940, 136),
    "name_th": (240, 140, 1000, 214),
    "given_name_en": (240, 206, 760, 262),
    "family_name_en": (240, 258, 760, 316),
    "birth_date_th": (240, 300, 730, 356),
    "birth_date_en": (240, 354, 720, 414),
}
BACK_FIELDS = {"laser_code": (540, 30, 1000, 102)}
PHOTO_BOX = (770, 330, 980, 590)


class FontMissing(RuntimeError):
    pass


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "Garuda-Bold.ttf" if bold else "Garuda.ttf"
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    raise FontMissing("The Thai font Garuda is missing: install Debian's fonts-thai-tlwg (make system).")


def thai_date(day: dt.date) -> str:
    if day >= LIFELONG:
        return "ตลอดชีพ"
    return f"{day.day} {THAI_MONTHS[day.month - 1]} {day.year + 543}"


def english_date(day: dt.date) -> str:
    if day >= LIFELONG:
        return "LIFELONG"
    return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"


def grouped_pid(pid: str) -> str:
    return f"{pid[0]} {pid[1:5]} {pid[5:10]} {pid[10:12]} {pid[12]}"


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def _background(seed: str, tint: tuple[int, int, int]) -> Image.Image:
    """The card's pale guilloche-like background (no real security features are imitated)."""
    width, height = CARD_SIZE
    xs, ys = np.meshgrid(np.arange(width), np.arange(height))
    phase = int(hashlib.sha256(seed.encode()).hexdigest()[:4], 16) / 6553.5
    wave = (np.sin(xs / 23.0 + np.cos(ys / 31.0) * 2 + phase) + 1) * 6
    base = np.stack([np.full((height, width), c, dtype=np.float32) for c in tint], axis=-1)
    return Image.fromarray(np.clip(base - wave[..., None], 0, 255).astype(np.uint8))


def render_front(citizen: CitizenRecord, card: CardRecord, photo: np.ndarray) -> Image.Image:
    image = _background(citizen.pid, (226, 234, 242))
    draw = ImageDraw.Draw(image)
    ink, label = (20, 24, 40), (70, 80, 110)
    draw.text((40, 20), "บัตรประจำตัวประชาชน", font=font(34, True), fill=ink)
    draw.text((420, 28), "Thai National ID Card", font=font(28, True), fill=ink)
    draw.text((40, 84), "เลขประจำตัวประชาชน", font=font(24), fill=label)
    draw.text((40, 110), "Identification Number", font=font(18), fill=label)
    draw.text((FRONT_FIELDS["pid"][0], 80), grouped_pid(citizen.pid), font=font(40, True), fill=ink)
    draw.text((40, 158), "ชื่อตัวและชื่อสกุล", font=font(24), fill=label)
    name_th = " ".join(n for n in (citizen.title_th, citizen.given_name_th, citizen.middle_name_th,
                                    citizen.family_name_th) if n)
    draw.text((FRONT_FIELDS["name_th"][0], 152), name_th, font=font(38, True), fill=ink)
    draw.text((40, 218), "Name", font=font(24), fill=label)
    given_en = " ".join(n for n in (citizen.title_en, citizen.given_name_en, citizen.middle_name_en) if n)
    draw.text((FRONT_FIELDS["given_name_en"][0], 214), given_en, font=font(32, True), fill=ink)
    draw.text((40, 268), "Last name", font=font(24), fill=label)
    draw.text((FRONT_FIELDS["family_name_en"][0], 264), citizen.family_name_en, font=font(32, True), fill=ink)
    draw.text((40, 318), "เกิดวันที่", font=font(24), fill=label)
    draw.text((250, 312), thai_date(citizen.birth_date), font=font(32, True), fill=ink)
    draw.text((40, 368), "Date of Birth", font=font(24), fill=label)
    draw.text((FRONT_FIELDS["birth_date_en"][0], 362), english_date(citizen.birth_date), font=font(32, True),
              fill=ink)
    draw.text((40, 420), "ที่อยู่", font=font(24), fill=label)
    for row, line in enumerate(_wrap(citizen.address.formatted_th(), 44)[:2]):
        draw.text((130, 418 + 32 * row), line, font=font(24), fill=ink)
    draw.text((40, 520), thai_date(card.issued_on), font=font(24), fill=ink)
    draw.text((40, 550), "วันออกบัตร  Date of Issue", font=font(18), fill=label)
    draw.text((40, 574), english_date(card.issued_on), font=font(22), fill=ink)
    draw.text((430, 520), thai_date(card.expires_on), font=font(24), fill=ink)
    draw.text((430, 550), "วันบัตรหมดอายุ  Date of Expiry", font=font(18), fill=label)
    draw.text((430, 574), english_date(card.expires_on), font=font(22), fill=ink)
    left, top, right, bottom = PHOTO_BOX
    portrait = Image.fromarray(photo).convert("L").convert("RGB").resize((right - left, bottom - top))
    image.paste(portrait, (left, top))
    return image


def render_back(citizen: CitizenRecord, card: CardRecord) -> Image.Image:
    image = _background(card.laser_code, (236, 232, 226))
    draw = ImageDraw.Draw(image)
    ink = (20, 24, 40)
    draw.text((BACK_FIELDS["laser_code"][0], 42), card.laser_code, font=font(40, True), fill=ink)
    rng = np.random.default_rng(int(citizen.pid))
    x = 60
    while x < 480:                                   # a decorative barcode, not an encoding
        width = int(rng.integers(2, 7))
        draw.rectangle((x, 160, x + width, 260), fill=ink)
        x += width + int(rng.integers(2, 6))
    draw.text((60, 280), "กรมการปกครอง กระทรวงมหาดไทย", font=font(24), fill=ink)
    draw.text((60, 560), "SYNTHETIC — TUATON SANDBOX", font=font(22), fill=(150, 40, 40))
    return image


@dataclass(frozen=True)
class Photograph:
    """How the simulated phone photographs a card."""

    angle: float = 0.0        # degrees
    blur: float = 0.0         # Gaussian sigma in pixels
    noise: float = 0.0        # sensor noise, standard deviation in grey levels
    brightness: float = 1.0
    glare: float = 0.0        # 0…1: a specular highlight over part of the card
    jpeg_quality: int = 90


def photograph(card: Image.Image, shot: Photograph, seed: object = 0) -> bytes:
    """The card on a dark table, rotated, lit, blurred and JPEG-compressed: JPEG bytes."""
    digest = hashlib.sha256(repr(seed).encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
    width, height = CARD_SIZE
    canvas_w, canvas_h = int(width * 1.45), int(height * 1.6)
    table = np.array([rng.integers(40, 90), rng.integers(30, 70), rng.integers(20, 60)], dtype=np.float32)
    canvas = np.empty((canvas_h, canvas_w, 3), dtype=np.float32)
    canvas[:] = table
    canvas += rng.normal(0, 6, (canvas_h, canvas_w, 1))
    x0, y0 = (canvas_w - width) // 2, (canvas_h - height) // 2
    canvas[y0:y0 + height, x0:x0 + width] = np.asarray(card, dtype=np.float32)
    if shot.glare:
        xs, ys = np.meshgrid(np.arange(canvas_w), np.arange(canvas_h))
        cx, cy = x0 + width * rng.uniform(0.3, 0.7), y0 + height * rng.uniform(0.3, 0.7)
        spot = np.exp(-(((xs - cx) / (width * 0.18)) ** 2 + ((ys - cy) / (height * 0.22)) ** 2))
        canvas += (shot.glare * 400 * spot)[..., None]
    matrix = cv2.getRotationMatrix2D((canvas_w / 2, canvas_h / 2), shot.angle, 1.0)
    canvas = cv2.warpAffine(canvas, matrix, (canvas_w, canvas_h), borderValue=tuple(float(c) for c in table))
    canvas *= shot.brightness
    if shot.blur:
        canvas = cv2.GaussianBlur(canvas, (0, 0), shot.blur)
    if shot.noise:
        canvas += rng.normal(0, shot.noise, canvas.shape)
    image = np.clip(canvas, 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, shot.jpeg_quality])
    assert ok
    return encoded.tobytes()
