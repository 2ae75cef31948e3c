"""Typed, read-only views of registry records, and the Registry Protocol a deployment plugs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from tuaton.registry.models import CardState, LifeStatus, Sex


@dataclass(frozen=True, slots=True)
class Address:
    house_no: str
    moo: str
    soi: str
    road: str
    subdistrict_th: str
    subdistrict_en: str
    district_th: str
    district_en: str
    province_th: str
    province_en: str
    postcode: str

    def street_th(self) -> str:
        parts = [self.house_no]
        if self.moo:
            parts.append(f"หมู่ {self.moo}")
        if self.soi:
            parts.append(f"ซอย{self.soi}")
        if self.road:
            parts.append(f"ถนน{self.road}")
        return " ".join(parts)

    def formatted_th(self) -> str:
        bangkok = self.province_en == "Bangkok"
        sub = ("แขวง" if bangkok else "ตำบล") + self.subdistrict_th
        district = self.district_th if self.district_th.startswith(("เขต", "อำเภอ")) else (
            ("เขต" if bangkok else "อำเภอ") + self.district_th)
        province = self.province_th if bangkok else "จังหวัด" + self.province_th
        return f"{self.street_th()} {sub} {district} {province} {self.postcode}"


@dataclass(frozen=True, slots=True)
class CitizenRecord:
    pid: str
    title_th: str
    title_en: str
    given_name_th: str
    middle_name_th: str
    family_name_th: str
    given_name_en: str
    middle_name_en: str
    family_name_en: str
    birth_date: dt.date
    sex: Sex
    address: Address
    life_status: LifeStatus

    @property
    def full_name_th(self) -> str:
        names = [self.title_th + self.given_name_th, self.middle_name_th, self.family_name_th]
        return " ".join(n for n in names if n)

    @property
    def full_name_en(self) -> str:
        names = [self.title_en, self.given_name_en, self.middle_name_en, self.family_name_en]
        return " ".join(n for n in names if n)


@dataclass(frozen=True, slots=True)
class CardRecord:
    pid: str
    laser_code: str
    issued_on: dt.date
    expires_on: dt.date
    state: CardState

    def effective_state(self, today: dt.date) -> CardState:
        if self.state == CardState.ACTIVE and self.expires_on < today:
            return CardState.EXPIRED
        return self.state


class Registry(Protocol):
    """What Tuaton needs from a civil registry. Ours is SQL; a government points it at its own."""

    def citizen(self, pid: str) -> CitizenRecord | None: ...

    def current_card(self, pid: str) -> CardRecord | None: ...

    def population(self) -> int:
        """How many citizens the registry holds (an estimate is fine: it is the denominator of the
        sign-up rate on the programme dashboard)."""
        ...
