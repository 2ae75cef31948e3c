"""Officers: the staff who enrol citizens at registrar offices, and the administrators who run the service."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, DateTime, Enum, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false as sa_false

from tuaton.storage.db import Base


class OfficerRole(enum.StrEnum):
    REGISTRAR = "registrar"          # enrols citizens at an office's station
    ADMINISTRATOR = "administrator"  # runs the service; may not enrol citizens
    PROGRAMME_OFFICE = "programme_office"  # OPDC's e-Service programme office: /programme only


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    #: The registrar office (สำนักทะเบียน) code, e.g. ``1001`` for Phra Nakhon district office.
    office_code: Mapped[str] = mapped_column(String(16))
    role: Mapped[OfficerRole] = mapped_column(Enum(OfficerRole, native_enum=False, length=20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The officer's own citizen ID: they sign in to the operators' console with Tuaton itself.
    pid: Mapped[str | None] = mapped_column(String(13), nullable=True, unique=True)
    #: Made by ``tuaton admin create`` for a new installation: the one account that signs in to the
    #: console with a password, until operators with Tuaton identities exist.
    bootstrap: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: Wrong passwords in a row, and when (epoch seconds) the next try is allowed: reserved by one
    #: conditional UPDATE before the password is checked (officers/service.py).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_login_at: Mapped[float | None] = mapped_column(Float, nullable=True)
