"""Enrolments in progress (a resumable state machine) and the evidence each step examined."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from tuaton.storage.db import Base


class EnrolmentState(enum.StrEnum):
    """The steps of seed 002, in order. An enrolment moves forward only; ``refused`` and
    ``completed`` are final, and an enrolment past ``expires_at`` is expired whatever it says."""

    STARTED = "started"                 # terms accepted, device key proven
    CARD_FRONT_READ = "card_front_read"
    CARD_BACK_READ = "card_back_read"
    CARD_CONFIRMED = "card_confirmed"   # the citizen checked the data; the registry confirmed the card
    FACE_VERIFIED = "face_verified"     # selfie matched, liveness passed
    OFFICE_PROVEN = "office_proven"     # proven at a registrar office; the app bound its key
    PASSCODE_SET = "passcode_set"
    COMPLETED = "completed"
    REFUSED = "refused"


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (Index("ix_enrolments_pid", "pid"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: SHA-256 of the bearer token the app holds for this enrolment.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    state: Mapped[EnrolmentState] = mapped_column(Enum(EnrolmentState, native_enum=False, length=20))
    device_jwk: Mapped[dict] = mapped_column(JSON)
    device_thumbprint: Mapped[str] = mapped_column(String(64))
    pid: Mapped[str | None] = mapped_column(String(13), nullable=True)
    #: What the steps established: card data read and confirmed, the liveness challenge, scores,
    #: the passcode's argon2id hash. Never an image.
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    ial: Mapped[str | None] = mapped_column(String(8), nullable=True)
    refusal_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    identity_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Evidence(Base):
    """One image a step examined: its hashes, the decision and scores; the image itself only
    until ``retain_until`` (the configured retention), then purged."""

    __tablename__ = "enrolment_evidence"
    __table_args__ = (Index("ix_evidence_pid_kind", "pid", "kind"), Index("ix_evidence_retain", "retain_until"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    enrolment_id: Mapped[str] = mapped_column(ForeignKey("enrolments.id"))
    pid: Mapped[str | None] = mapped_column(String(13), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))          # card_front, card_back, selfie, selfie_turned
    sha256: Mapped[str] = mapped_column(String(64))
    perceptual_hash: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(10))      # accepted / refused
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    image: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    retain_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class VisitState(enum.StrEnum):
    """A citizen's visit to a registrar office's station, driven by one officer."""

    CARD_READ = "card_read"                      # chip read, registry agrees
    IDENTITY_CONFIRMED = "identity_confirmed"    # fingerprint matched, or the officer compared the face
    APP_BOUND = "app_bound"                      # the app scanned the QR code; passcode and consent follow
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class OfficeVisit(Base):
    __tablename__ = "office_visits"
    __table_args__ = (Index("ix_office_visits_officer", "officer_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    officer_id: Mapped[str] = mapped_column(ForeignKey("officers.id"))
    office_code: Mapped[str] = mapped_column(String(16))
    state: Mapped[VisitState] = mapped_column(Enum(VisitState, native_enum=False, length=20))
    pid: Mapped[str] = mapped_column(String(13))
    #: The chip's fields as read (never the photo: only its SHA-256).
    chip: Mapped[dict] = mapped_column(JSON)
    chip_photo_sha256: Mapped[str] = mapped_column(String(64))
    #: Fingerprint scans: finger, scores, threshold, attempts; or the officer's reason for
    #: confirming the face instead.
    checks: Mapped[dict] = mapped_column(JSON, default=dict)
    ial: Mapped[str | None] = mapped_column(String(8), nullable=True)
    binding_code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    binding_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    enrolment_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    ended_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
