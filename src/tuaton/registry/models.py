"""Citizen and ID-card records, shaped like DOPA's population register."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tuaton.storage.db import Base


class Sex(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class LifeStatus(enum.StrEnum):
    ALIVE = "alive"
    DECEASED = "deceased"


class CardState(enum.StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    LOST = "lost"
    REVOKED = "revoked"


class Citizen(Base):
    __tablename__ = "citizens"

    pid: Mapped[str] = mapped_column(String(13), primary_key=True)
    title_th: Mapped[str] = mapped_column(String(32))
    title_en: Mapped[str] = mapped_column(String(32))
    given_name_th: Mapped[str] = mapped_column(String(100))
    middle_name_th: Mapped[str] = mapped_column(String(100), default="")
    family_name_th: Mapped[str] = mapped_column(String(100))
    given_name_en: Mapped[str] = mapped_column(String(100))
    middle_name_en: Mapped[str] = mapped_column(String(100), default="")
    family_name_en: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[Sex] = mapped_column(Enum(Sex, native_enum=False, length=8))
    house_no: Mapped[str] = mapped_column(String(32))
    moo: Mapped[str] = mapped_column(String(8), default="")
    soi: Mapped[str] = mapped_column(String(100), default="")
    road: Mapped[str] = mapped_column(String(100), default="")
    subdistrict_code: Mapped[str] = mapped_column(String(6))
    subdistrict_th: Mapped[str] = mapped_column(String(100))
    subdistrict_en: Mapped[str] = mapped_column(String(100))
    district_th: Mapped[str] = mapped_column(String(100))
    district_en: Mapped[str] = mapped_column(String(100))
    province_th: Mapped[str] = mapped_column(String(100))
    province_en: Mapped[str] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(5))
    life_status: Mapped[LifeStatus] = mapped_column(
        Enum(LifeStatus, native_enum=False, length=10), default=LifeStatus.ALIVE
    )


class IdCard(Base):
    """One physical card; a citizen's current card is the newest issued."""

    __tablename__ = "id_cards"
    __table_args__ = (Index("ix_id_cards_pid_issued", "pid", "issued_on"),)

    laser_code: Mapped[str] = mapped_column(String(14), primary_key=True)
    pid: Mapped[str] = mapped_column(ForeignKey("citizens.pid"))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[CardState] = mapped_column(Enum(CardState, native_enum=False, length=10))
