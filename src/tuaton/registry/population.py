"""A realistic synthetic population: Thai names, real addresses (geothai), valid IDs and cards.

Citizen number ``i`` is a pure function of ``(i, seed)``: citizens are made in fixed blocks of
``BLOCK`` from one random generator per block, always from the block's start. So seeding is
idempotent: seeding N citizens twice inserts nothing the second time, and seeding more adds only
the new ones.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import geothai

from tuaton.registry import citizen_id
from tuaton.registry.models import CardState, LifeStatus, Sex
from tuaton.registry.names import FAMILY, FEMALE_GIVEN, MALE_GIVEN, ROADS, SOIS

#: Any number coprime to 10 makes ``i -> i * MULTIPLIER mod 10**11`` a bijection: unique IDs.
MULTIPLIER = 7_919_113
OFFSET = 31_415_926
LASER_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
REFERENCE_DAY = dt.date(2026, 11, 1)
BLOCK = 4096
LIFETIME = dt.date(9999, 12, 31)
# Enum columns store member names.
_MALE, _FEMALE = Sex.MALE.name, Sex.FEMALE.name
_ALIVE, _DECEASED = LifeStatus.ALIVE.name, LifeStatus.DECEASED.name
_ACTIVE, _EXPIRED = CardState.ACTIVE.name, CardState.EXPIRED.name
_LOST, _REVOKED = CardState.LOST.name, CardState.REVOKED.name


@dataclass(frozen=True, slots=True)
class Subdistrict:
    code: str
    name_th: str
    name_en: str
    district_th: str
    district_en: str
    province_th: str
    province_en: str
    postcode: str


@cache
def subdistricts() -> tuple[Subdistrict, ...]:
    found = []
    for province in geothai.provinces():
        for district in geothai.districts(province.code):
            for sub in geothai.subdistricts(district.code):
                if not sub.postal_codes:
                    continue
                found.append(Subdistrict(sub.code, sub.name_th, sub.name_en, district.name_th,
                                         district.name_en, province.name_th, province.name_en,
                                         sub.postal_codes[0]))
    return tuple(found)


def synthetic_pid(index: int, born: dt.date) -> str:
    body = f"{(index * MULTIPLIER + OFFSET) % 10**11:011d}"
    # Category 1: born and registered after 1984; category 3: in the house registers of 1984.
    category = "1" if born.year >= 1984 else "3"
    return citizen_id.with_check_digit(category + body)


def _birthday_in(year: int, born: dt.date) -> dt.date:
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February
        return dt.date(year, 2, 28)


def _citizen_rows(index: int, rng: random.Random, places: tuple[Subdistrict, ...],
                  today: dt.date = REFERENCE_DAY) -> tuple[dict, dict]:
    r = rng.random

    def pick(seq):  # rng.choice, without its per-call overhead (this runs a million times)
        return seq[int(r() * len(seq))]

    age = min(int(rng.triangular(7, 92, 34)), 91)
    born = today - dt.timedelta(days=age * 365 + int(r() * 365))
    male = r() < 0.49
    given_th, given_en = pick(MALE_GIVEN if male else FEMALE_GIVEN)
    family_th, family_en = pick(FAMILY)
    age_now = (today - born).days // 365
    if age_now < 15:
        title_th, title_en = ("เด็กชาย", "Master") if male else ("เด็กหญิง", "Miss")
    elif male:
        title_th, title_en = "นาย", "Mr."
    elif r() < 0.55 and age_now >= 22:
        title_th, title_en = "นาง", "Mrs."
    else:
        title_th, title_en = "นางสาว", "Miss"
    place = pick(places)
    rural = place.province_en != "Bangkok"
    house_no = str(int(r() * 999) + 1) + (f"/{int(r() * 99) + 1}" if r() < 0.3 else "")
    pid = synthetic_pid(index, born)
    citizen = {
        "pid": pid, "title_th": title_th, "title_en": title_en,
        "given_name_th": given_th, "middle_name_th": "", "family_name_th": family_th,
        "given_name_en": given_en, "middle_name_en": "", "family_name_en": family_en,
        "birth_date": born, "sex": _MALE if male else _FEMALE,
        "house_no": house_no, "moo": str(int(r() * 15) + 1) if rural else "",
        "soi": pick(SOIS) if r() < 0.35 else "", "road": pick(ROADS)[0] if r() < 0.3 else "",
        "subdistrict_code": place.code, "subdistrict_th": place.name_th, "subdistrict_en": place.name_en,
        "district_th": place.district_th, "district_en": place.district_en,
        "province_th": place.province_th, "province_en": place.province_en, "postcode": place.postcode,
        "life_status": _DECEASED if r() < 0.004 else _ALIVE,
    }
    # Cards are issued on a birthday and expire on the birthday eight years later (ages 70 and
    # over: for life, recorded as 9999-12-31); a card is renewed within the last year or lapses.
    issued = _birthday_in(max(today.year - int(r() * 9), born.year + 7), born)
    if issued > today:
        issued = _birthday_in(issued.year - 1, born)
    lifetime = (issued.year - born.year) >= 70
    expires = LIFETIME if lifetime else _birthday_in(issued.year + 8, born)
    roll = r()
    state = _LOST if roll < 0.01 else _REVOKED if roll < 0.015 else _ACTIVE
    if state == _ACTIVE and expires < today:
        state = _EXPIRED
    serial = f"{(index * MULTIPLIER + 271_828) % 10**10:010d}"
    laser = f"{pick(LASER_LETTERS)}{pick(LASER_LETTERS)}{serial[0]}-{serial[1:8]}-{serial[8:]}"
    card = {"laser_code": laser, "pid": pid, "issued_on": issued, "expires_on": expires, "state": state}
    return citizen, card


def blocks(start: int, stop: int, seed: int = 0) -> Iterator[tuple[list[dict], list[dict]]]:
    """Citizens ``start`` to ``stop - 1`` as (citizen rows, card rows), one block at a time."""
    places = subdistricts()
    for block in range(start // BLOCK, (stop + BLOCK - 1) // BLOCK):
        rng = random.Random(seed * 1_000_003 + block)
        citizens, cards = [], []
        for index in range(block * BLOCK, min((block + 1) * BLOCK, stop)):
            citizen, card = _citizen_rows(index, rng, places)
            if index >= start:
                citizens.append(citizen)
                cards.append(card)
        yield citizens, cards


def citizen_rows(index: int, seed: int = 0) -> tuple[dict, dict]:
    """Citizen ``index`` alone (tests and samples; seeding uses :func:`blocks`)."""
    citizens, cards = next(blocks(index, index + 1, seed))
    return citizens[0], cards[0]
