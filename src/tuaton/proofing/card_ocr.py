"""Read a photographed Thai ID card: find the card, judge the photo, read the fields.

The card is found as the largest bright quadrilateral, straightened to the canonical size of
``registry.card_render`` and read field by field with Tesseract (Thai and English), each field
from where the card prints it. The 13-digit ID must pass its check digit and the laser code its
pattern, or the read is refused as unreadable: a wrong number is worse than asking again.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field

import cv2
import numpy as np
import pytesseract
from PIL import Image, UnidentifiedImageError

from tuaton.errors import ProofingRefused
from tuaton.registry import citizen_id
from tuaton.registry.card_render import BACK_FIELDS, CARD_SIZE, EN_MONTHS, FRONT_FIELDS, PHOTO_BOX, THAI_MONTHS
from tuaton.registry.card_status import normalize_laser_code

#: Photos larger than this are refused before decoding (a phone's JPEG is a few MB).
MAX_IMAGE_BYTES = 8 * 1024 * 1024
#: Refused before decoding: 24 Mpx is a 6000×4000 photo (phones save 12 Mpx by default).
MAX_PIXELS = 24_000_000
#: Every photo is brought down to this longest side as it is decoded, before any detector sees it:
#: the card needs ~1,000 px across (CARD_SIZE), a face 80 px, and the work per photo stays bounded.
WORKING_SIZE = 2048
#: Variance of the Laplacian of the straightened card below which it is too blurred to read.
BLUR_THRESHOLD = 60.0
#: Share of the card's pixels burnt to white above which glare hides its print.
GLARE_THRESHOLD = 0.02
THAI_TITLES = ("นางสาว", "เด็กชาย", "เด็กหญิง", "นาย", "นาง")
ENGLISH_TITLES = ("Mr.", "Mrs.", "Miss", "Master", "Ms.")


@dataclass(frozen=True)
class CardFront:
    pid: str
    title_th: str
    given_name_th: str
    family_name_th: str
    title_en: str
    given_name_en: str
    family_name_en: str
    birth_date: dt.date | None
    #: The photo printed on the card, cut from the straightened card (RGB pixels).
    portrait: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class CardBack:
    laser_code: str


@dataclass(frozen=True)
class PhotoQuality:
    sharpness: float
    glare: float


def decode_image(data: bytes, what: str = "photo") -> np.ndarray:
    """RGB pixels of an uploaded JPEG/PNG/WebP, at most WORKING_SIZE on its longest side; refuses
    what is not an image, or has more than MAX_PIXELS (read from the header, before decoding)."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ProofingRefused("not_an_image", f"The {what} is larger than 8 MB.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("JPEG", "PNG", "WEBP"):
                raise ProofingRefused("not_an_image", f"The {what} must be a JPEG, PNG or WebP image.")
            if image.width * image.height > MAX_PIXELS:
                raise ProofingRefused("not_an_image", f"The {what} has too many pixels "
                                                      f"(at most {MAX_PIXELS // 1_000_000} megapixels).")
            image.draft("RGB", (WORKING_SIZE, WORKING_SIZE))    # JPEG: decoded at 1/2, 1/4 or 1/8 scale
            picture = image.convert("RGB")
        picture.thumbnail((WORKING_SIZE, WORKING_SIZE))
        return np.asarray(picture)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ProofingRefused("not_an_image", f"The {what} is not an image we can read.") from exc


def _order_corners(points: np.ndarray) -> np.ndarray:
    """top-left, top-right, bottom-right, bottom-left, with the long side horizontal."""
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    ordered = points[np.argsort(angles)]            # starts at the top-left for a landscape card
    start = int(np.argmin(ordered.sum(axis=1)))
    ordered = np.roll(ordered, -start, axis=0)
    if np.linalg.norm(ordered[1] - ordered[0]) < np.linalg.norm(ordered[3] - ordered[0]):
        ordered = np.roll(ordered, 1, axis=0)       # portrait shot: rotate to landscape
    return ordered.astype(np.float32)


def find_card(image: np.ndarray) -> np.ndarray:
    """The card straightened to the canonical size, or ``no_card`` if none is in the photo."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    scale = 800 / max(grey.shape)
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    _, mask = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        raise ProofingRefused("no_card")
    contour = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(contour)
    if area < 0.15 * small.size or area > 0.98 * small.size:
        raise ProofingRefused("no_card")
    rect = cv2.minAreaRect(contour)
    (_, _), (w, h), _ = rect
    ratio = max(w, h) / max(1.0, min(w, h))
    if not 1.35 < ratio < 1.85 or area < 0.85 * w * h:   # ID-1 cards are 1.586:1 and solid
        raise ProofingRefused("no_card")
    corners = _order_corners(cv2.boxPoints(rect) / scale)
    width, height = CARD_SIZE
    target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(corners, target)
    return cv2.warpPerspective(image, matrix, CARD_SIZE, flags=cv2.INTER_CUBIC)


def judge(card: np.ndarray) -> PhotoQuality:
    """Refuse a blurred or glared photo with the reason, before trying to read it."""
    grey = cv2.cvtColor(card, cv2.COLOR_RGB2GRAY)
    sharpness = float(cv2.Laplacian(grey, cv2.CV_64F).var())
    glare = float((card.min(axis=2) >= 250).mean())
    quality = PhotoQuality(round(sharpness, 1), round(glare, 4))
    if glare > GLARE_THRESHOLD:
        raise ProofingRefused("glare", quality=quality.__dict__)
    if sharpness < BLUR_THRESHOLD:
        raise ProofingRefused("blurry", quality=quality.__dict__)
    return quality


def _read(card: np.ndarray, box: tuple[int, int, int, int], lang: str, whitelist: str | None = None) -> str:
    left, top, right, bottom = box
    crop = cv2.cvtColor(card[top:bottom, left:right], cv2.COLOR_RGB2GRAY)
    crop = cv2.resize(crop, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC)
    crop = cv2.GaussianBlur(crop, (3, 3), 0)
    # Print is dark on a pale patterned ground: Otsu separates them; a white margin helps Tesseract.
    _, crop = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    crop = cv2.copyMakeBorder(crop, 16, 16, 16, 16, cv2.BORDER_CONSTANT, value=255)
    config = "--psm 7 --oem 1"
    if whitelist:
        config += f" -c tessedit_char_whitelist={whitelist}"
    words = pytesseract.image_to_string(crop, lang=lang, config=config).split()
    # Specks read as stray punctuation at the ends of a line are not part of the field.
    return " ".join(w for w in words if any(ch.isalnum() for ch in w))


def _split_title(text: str, titles: tuple[str, ...]) -> tuple[str, str]:
    for title in titles:
        if text.startswith(title):
            return title, text[len(title):].strip()
    return "", text


def _drop_specks(name: str) -> str:
    """Romanised Thai names have no one-letter words; a lone letter is a speck read as text."""
    return " ".join(word for word in name.split() if len(word) > 1)


_DAY_OR_YEAR = "0-9OQDIlSB"


def _date(year: str, month: int, day: str, era_offset: int = 0) -> dt.date | None:
    try:
        return dt.date(int(year.translate(_AS_DIGIT)) - era_offset, month, int(day.translate(_AS_DIGIT)))
    except ValueError:
        return None


def parse_english_date(text: str) -> dt.date | None:
    """``15 Nov. 1952`` as printed, and as OCR bends it: spaces lost or inside the month
    (``Ju n.``), dots or dashes between the parts, look-alike digits (``S`` for 5), a month cut to
    a unique prefix (``Ap.``). Real digits are tried before look-alikes."""
    squeezed = re.sub(r"\s+", "", text)
    months = [m[:3].lower() for m in EN_MONTHS]
    for digits in ("0-9", _DAY_OR_YEAR):
        match = re.search(rf"([{digits}]{{1,2}})[.,\-]*([A-Za-z]{{2,4}}?)\.?[.,\-]*([{digits}]{{4}})", squeezed)
        if not match:
            continue
        word = match[2].lower()
        candidates = [i for i, m in enumerate(months) if m == word[:3] or (len(word) == 2 and m.startswith(word))]
        if len(candidates) == 1:
            return _date(match[3], candidates[0] + 1, match[1])
    return None


def parse_thai_date(text: str) -> dt.date | None:
    """``15 พ.ย. 2495`` (Buddhist era), dots optional, as the card's Thai line prints it."""
    squeezed = re.sub(r"\s+", "", text)
    months = [m.replace(".", "") for m in THAI_MONTHS]
    for digits in ("0-9", _DAY_OR_YEAR):
        match = re.search(rf"([{digits}]{{1,2}})([\u0e01-\u0e4e.]{{2,6}})([{digits}]{{4}})", squeezed)
        if match and match[2].replace(".", "") in months:
            return _date(match[3], months.index(match[2].replace(".", "")) + 1, match[1], era_offset=543)
    return None


_AS_LETTER = str.maketrans("0125868", "OIZSBBB")
_AS_DIGIT = str.maketrans("OQDIlZSB", "00011258")


def _laser_by_position(raw: str) -> str:
    """Two letters then ten digits: read look-alikes (0/O, 1/I, 2/Z, 5/S, 8/B) by position."""
    chars = "".join(ch for ch in raw if ch.isalnum())
    if len(chars) != 12:
        return raw
    return chars[:2].translate(_AS_LETTER) + chars[2:].translate(_AS_DIGIT)


def read_front(image: np.ndarray) -> tuple[CardFront, PhotoQuality]:
    card = find_card(image)
    quality = judge(card)
    digits = re.sub(r"\D", "", _read(card, FRONT_FIELDS["pid"], "eng", "0123456789"))
    if not citizen_id.is_valid(digits):
        raise ProofingRefused("unreadable", "The 13-digit ID number could not be read; take the photo again "
                              "in good light, holding the phone still.")
    # Tesseract writes sara am as nikhahit + sara aa; the registry stores the one code point.
    name_line = _read(card, FRONT_FIELDS["name_th"], "tha").replace("\u0e4d\u0e32", "\u0e33")
    title_th, name_th = _split_title(name_line, THAI_TITLES)
    given_th, _, family_th = name_th.partition(" ")
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-"
    title_en, given_en = _split_title(_read(card, FRONT_FIELDS["given_name_en"], "eng", letters),
                                      ENGLISH_TITLES)
    given_en = _drop_specks(given_en)
    family_en = _drop_specks(_read(card, FRONT_FIELDS["family_name_en"], "eng", letters))
    # The English line first; the Thai line (Buddhist era) only when the English one cannot be read.
    birth = parse_english_date(_read(card, FRONT_FIELDS["birth_date_en"], "eng", letters + "0123456789")) \
        or parse_thai_date(_read(card, FRONT_FIELDS["birth_date_th"], "tha"))
    left, top, right, bottom = PHOTO_BOX
    portrait = np.ascontiguousarray(card[top:bottom, left:right])
    return CardFront(digits, title_th, given_th, family_th.strip(), title_en, given_en, family_en, birth,
                     portrait), quality


def read_back(image: np.ndarray) -> tuple[CardBack, PhotoQuality]:
    card = find_card(image)
    quality = judge(card)
    raw = _read(card, BACK_FIELDS["laser_code"], "eng", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
    try:
        laser = normalize_laser_code(_laser_by_position(raw))
    except ValueError as exc:
        raise ProofingRefused("unreadable", "The laser code on the card's back could not be read; take the "
                              "photo again in good light.") from exc
    return CardBack(laser), quality
