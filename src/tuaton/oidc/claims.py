"""Scopes, the claims they release, and the claims' values from the civil registry.

ThaiD grants one scope per claim (``pid``, ``name``, ``given_name`` … ``date_of_expiry``), each
granted to an agency one by one; Tuaton serves those and the standard ``profile`` and ``address``
scopes of OpenID Connect Core §5.4.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tuaton.registry.models import Sex
from tuaton.registry.records import CardRecord, CitizenRecord

THAID_CLAIM_SCOPES = (
    "pid", "name", "given_name", "middle_name", "family_name", "name_en", "given_name_en",
    "middle_name_en", "family_name_en", "title", "title_en", "birthdate", "gender", "address",
    "house_address", "ial", "smartcard_code", "date_of_issuance", "date_of_expiry",
)
#: Tuaton's own: an official's organisation, unit and position, for the organisation's own back
#: offices (e-Office, e-Saraban); organisations/service.py.
TUATON_CLAIM_SCOPES = ("official",)
CLAIM_SCOPES = THAID_CLAIM_SCOPES + TUATON_CLAIM_SCOPES
STANDARD_SCOPES = {
    "profile": ("name", "given_name", "middle_name", "family_name", "birthdate", "gender"),
    "address": ("address",),
}
PROTOCOL_SCOPES = ("openid", "offline_access")
KNOWN_SCOPES = frozenset(CLAIM_SCOPES) | frozenset(STANDARD_SCOPES) | frozenset(PROTOCOL_SCOPES)

#: Bilingual labels shown to the citizen before approving (claim → (English, Thai)).
CLAIM_LABELS = {
    "pid": ("Citizen ID number", "เลขประจำตัวประชาชน"),
    "name": ("Full name (Thai)", "ชื่อ-นามสกุล (ภาษาไทย)"),
    "given_name": ("Given name (Thai)", "ชื่อ (ภาษาไทย)"),
    "middle_name": ("Middle name (Thai)", "ชื่อกลาง (ภาษาไทย)"),
    "family_name": ("Family name (Thai)", "นามสกุล (ภาษาไทย)"),
    "name_en": ("Full name (English)", "ชื่อ-นามสกุล (ภาษาอังกฤษ)"),
    "given_name_en": ("Given name (English)", "ชื่อ (ภาษาอังกฤษ)"),
    "middle_name_en": ("Middle name (English)", "ชื่อกลาง (ภาษาอังกฤษ)"),
    "family_name_en": ("Family name (English)", "นามสกุล (ภาษาอังกฤษ)"),
    "title": ("Title (Thai)", "คำนำหน้าชื่อ (ภาษาไทย)"),
    "title_en": ("Title (English)", "คำนำหน้าชื่อ (ภาษาอังกฤษ)"),
    "birthdate": ("Date of birth", "วันเดือนปีเกิด"),
    "gender": ("Sex", "เพศ"),
    "address": ("Registered address", "ที่อยู่ตามทะเบียนบ้าน"),
    "house_address": ("House registration address (in parts)", "ที่อยู่ตามทะเบียนบ้าน (แยกส่วน)"),
    "ial": ("Identity assurance level", "ระดับความน่าเชื่อถือของการพิสูจน์ตัวตน"),
    "smartcard_code": ("ID card laser code", "รหัสหลังบัตรประจำตัวประชาชน (Laser code)"),
    "date_of_issuance": ("ID card issue date", "วันออกบัตร"),
    "date_of_expiry": ("ID card expiry date", "วันบัตรหมดอายุ"),
    "official": ("Your position and unit in this organisation", "ตำแหน่งและสังกัดของท่านในหน่วยงานนี้"),
}


def claims_for_scopes(scopes: frozenset[str] | set[str]) -> tuple[str, ...]:
    """The claims released by ``scopes``, in a stable order."""
    wanted: set[str] = set()
    for scope in scopes:
        if scope in STANDARD_SCOPES:
            wanted.update(STANDARD_SCOPES[scope])
        elif scope in CLAIM_SCOPES:
            wanted.add(scope)
    return tuple(c for c in CLAIM_SCOPES if c in wanted)


@dataclass(frozen=True)
class ClaimSource:
    citizen: CitizenRecord
    card: CardRecord | None
    ial: str
    #: The ``official`` claim's value for this client's organisation, if the citizen is one.
    official: dict | None = None


def _address(c: CitizenRecord) -> dict[str, str]:
    a = c.address
    return {"formatted": a.formatted_th(), "street_address": a.street_th(),
            "locality": a.district_th, "region": a.province_th, "postal_code": a.postcode, "country": "TH"}


def _house_address(c: CitizenRecord) -> dict[str, str]:
    a = c.address
    return {"house_no": a.house_no, "moo": a.moo, "soi": a.soi, "road": a.road,
            "subdistrict": a.subdistrict_th, "district": a.district_th, "province": a.province_th,
            "subdistrict_en": a.subdistrict_en, "district_en": a.district_en,
            "province_en": a.province_en, "postcode": a.postcode}


def _date(value: dt.date | None) -> str | None:
    if value is None or value == dt.date(9999, 12, 31):
        return None if value is None else "9999-12-31"
    return value.isoformat()


def claim_values(source: ClaimSource, claims: tuple[str, ...]) -> dict[str, Any]:
    """The values of ``claims`` for one citizen; birth and card dates as ISO 8601 (Gregorian)."""
    c, card = source.citizen, source.card
    full_en = " ".join(n for n in (c.given_name_en, c.middle_name_en, c.family_name_en) if n)
    full_th = " ".join(n for n in (c.given_name_th, c.middle_name_th, c.family_name_th) if n)
    getters = {
        "pid": lambda: c.pid, "name": lambda: full_th,
        "given_name": lambda: c.given_name_th, "middle_name": lambda: c.middle_name_th,
        "family_name": lambda: c.family_name_th, "name_en": lambda: full_en,
        "given_name_en": lambda: c.given_name_en, "middle_name_en": lambda: c.middle_name_en,
        "family_name_en": lambda: c.family_name_en, "title": lambda: c.title_th,
        "title_en": lambda: c.title_en, "birthdate": lambda: c.birth_date.isoformat(),
        "gender": lambda: "male" if c.sex == Sex.MALE else "female",
        "address": lambda: _address(c), "house_address": lambda: _house_address(c),
        "ial": lambda: source.ial,
        "smartcard_code": lambda: card.laser_code if card else None,
        "date_of_issuance": lambda: _date(card.issued_on) if card else None,
        "date_of_expiry": lambda: _date(card.expires_on) if card else None,
        "official": lambda: source.official,
    }
    values = {name: getters[name]() for name in claims}
    return {k: v for k, v in values.items() if v not in (None, "")}
