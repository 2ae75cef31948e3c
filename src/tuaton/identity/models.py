"""A citizen's digital identity and the device (public key) bound to it."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tuaton.storage.db import Base


class IdentityStatus(enum.StrEnum):
    ACTIVE = "active"
    LOCKED = "locked"


class DeviceStatus(enum.StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class Identity(Base):
    __tablename__ = "identities"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pid: Mapped[str] = mapped_column(ForeignKey("citizens.pid"), unique=True)
    status: Mapped[IdentityStatus] = mapped_column(Enum(IdentityStatus, native_enum=False, length=10))
    #: Identity assurance level, ETDA ขมธอ. 19-2561 notation ("1.2", "2.3", "3").
    ial: Mapped[str] = mapped_column(String(8))
    enrolment_channel: Mapped[str] = mapped_column(String(32))
    enrolled_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    passcode_hash: Mapped[str] = mapped_column(String(200))
    failed_passcodes: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (Index("ix_devices_identity_status", "identity_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    identity_id: Mapped[str] = mapped_column(ForeignKey("identities.id"))
    #: The device's P-256 public key as a JWK; the private key never leaves the device.
    public_jwk: Mapped[dict] = mapped_column(JSON)
    status: Mapped[DeviceStatus] = mapped_column(Enum(DeviceStatus, native_enum=False, length=10))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
