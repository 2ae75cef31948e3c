"""The national ID card as an SD-JWT VC: which claims it holds, which a citizen may show.

Every personal claim is selectively disclosable; the verifier sees only what the citizen chose.
``age_over_18`` and ``age_over_20`` are derived at issuance (Thai majority is 20; 18 is the age
for alcohol, tobacco and voting), so a shop can learn "over 20" without the birth date.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import io
from typing import Any

import numpy as np
from PIL import Image

from tuaton.registry.models import Sex
from tuaton.registry.records import CardRecord, CitizenRecord

#: The credential type (SD-JWT VC ``vct``), relative to the issuer.
VCT_PATH = "/credentials/national-id-card"
#: The SD-JWT VC media type (draft-ietf-oauth-sd-jwt-vc ≥ 09); older verifiers said vc+sd-jwt.
TYP = "dc+sd-jwt"
ACCEPTED_TYPS = (TYP, "vc+sd-jwt")
#: The audience of a presentation shown as a QR code to whoever scans it, when the verifier did
#: not name itself with a nonce of its own.
OFFLINE_AUDIENCE_PATH = "/verify"
#: The photo on the digital card: a small greyscale WebP that, with the name, fits one QR code
#: (a QR code holds 2,953 bytes; the signed card and the phone's signature take about 1,750, the
#: names about 200, leaving room for issuer URLs longer than the demo's).
PHOTO_SIZE = (44, 55)
PHOTO_MAX_BYTES = 460


class Showing(enum.StrEnum):
    """What the citizen chooses to show (the app's three buttons, plus "over 18")."""

    FULL = "full"
    NAME_PHOTO = "name-photo"
    AGE_OVER_20 = "age-over-20"
    AGE_OVER_18 = "age-over-18"


#: One QR code cannot hold every field *and* a photo a person can be recognised from, so the whole
#: card is its text, and the photo travels with the name. Names are ThaiD's full-name claims.
SHOWINGS: dict[Showing, tuple[str, ...]] = {
    Showing.FULL: ("pid", "name", "name_en", "birthdate", "gender", "address", "date_of_issuance",
                   "date_of_expiry"),
    Showing.NAME_PHOTO: ("name", "name_en", "picture"),
    Showing.AGE_OVER_20: ("age_over_20",),
    Showing.AGE_OVER_18: ("age_over_18",),
}
LABELS = {
    Showing.FULL: ("The whole card (text)", "ข้อมูลบัตรทั้งหมด (ไม่รวมรูป)"),
    Showing.NAME_PHOTO: ("Name and photo", "ชื่อและรูปถ่าย"),
    Showing.AGE_OVER_20: ("Only: 20 or older", "เฉพาะ: อายุ 20 ปีขึ้นไป"),
    Showing.AGE_OVER_18: ("Only: 18 or older", "เฉพาะ: อายุ 18 ปีขึ้นไป"),
}


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def photo_data_url(pixels: np.ndarray | None) -> str | None:
    """The registry photo as a small greyscale WebP data URL (at most PHOTO_MAX_BYTES)."""
    if pixels is None:
        return None
    image = Image.fromarray(pixels).convert("L").resize(PHOTO_SIZE, Image.Resampling.LANCZOS)
    for quality in (50, 40, 30, 20, 10):
        out = io.BytesIO()
        image.save(out, "WEBP", quality=quality, method=6)
        if out.tell() <= PHOTO_MAX_BYTES:
            break
    return "data:image/webp;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def card_claims(citizen: CitizenRecord, card: CardRecord, photo: str | None, today: dt.date) -> dict[str, Any]:
    """Every disclosable claim of the card (empty values left out)."""
    age = age_on(citizen.birth_date, today)
    values: dict[str, Any] = {
        "pid": citizen.pid, "name": citizen.full_name_th, "name_en": citizen.full_name_en,
        "birthdate": citizen.birth_date.isoformat(),
        "gender": "male" if citizen.sex == Sex.MALE else "female",
        "address": citizen.address.formatted_th(),
        "date_of_issuance": card.issued_on.isoformat(), "date_of_expiry": card.expires_on.isoformat(),
        "picture": photo,
        "age_over_18": age >= 18, "age_over_20": age >= 20,
    }
    return {k: v for k, v in values.items() if v not in (None, "")}
