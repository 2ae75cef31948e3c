"""Organisations that use Tuaton: their members, the proof of their authority (a verified central
e-mail and a signed permission letter), and their officials."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tuaton.storage.db import Base


class Organisation(Base):
    """A government body (its code in the programme office's catalogue) or a private company (its
    13-digit juristic person number), as one agency applying for e-Services."""

    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("campaign_code", name="uq_organisations_campaign_code"),)

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))            # government / private
    name_th: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    central_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: The staff enrolment drive's link code (seed 002 asks agencies to invite staff and families).
    campaign_code: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class OrganisationMember(Base):
    """Someone who acts for an organisation in the agency portal: owner, developer or viewer."""

    __tablename__ = "organisation_members"
    __table_args__ = (Index("ix_organisation_members_org", "organisation_code", "status"),
                      Index("ix_organisation_members_identity", "identity_id"),
                      UniqueConstraint("invite_token_hash", name="uq_organisation_members_invite_token_hash"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_code: Mapped[str] = mapped_column(String(32))
    #: Set when the invitation is accepted (a Tuaton identity).
    identity_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(12))           # owner / developer / viewer
    status: Mapped[str] = mapped_column(String(12))         # invited / active / removed
    invited_email: Mapped[str] = mapped_column(String(254), default="")
    invite_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    invited_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    joined_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuthorityLetter(Base):
    """A signed permission letter (หนังสืออนุญาต) proving the organisation's authority: a PDF of at
    most 5 MB, kept with the operators' decision on it."""

    __tablename__ = "organisation_letters"
    __table_args__ = (Index("ix_organisation_letters_org", "organisation_code", "uploaded_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_code: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    letter_number: Mapped[str] = mapped_column(String(64))
    letter_date: Mapped[dt.date] = mapped_column(Date)
    issuing_division: Mapped[str] = mapped_column(String(200))
    uploaded_by: Mapped[str] = mapped_column(String(36))
    uploaded_by_name: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12))         # submitted / accepted / rejected
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)


class Official(Base):
    """A government official of the organisation (e-Office, e-Saraban): position and unit, sent to its
    own back-office clients in the ``official`` claim."""

    __tablename__ = "organisation_officials"
    __table_args__ = (Index("ix_organisation_officials_pid", "pid"),
                      Index("ix_organisation_officials_org", "organisation_code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_code: Mapped[str] = mapped_column(String(32))
    pid: Mapped[str] = mapped_column(String(13))
    position: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(36))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
