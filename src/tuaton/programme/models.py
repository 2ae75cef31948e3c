"""The programme office's catalogue: organisations in their hierarchy, their service processes
(กระบวนงาน), the dated snapshots the KPI is drawn from, the reminders sent, and citizens' ratings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tuaton.storage.db import Base


class CatalogueOrganisation(Base):
    """A ministry, department, province, public organisation, … (ministry → agency)."""

    __tablename__ = "programme_organisations"
    __table_args__ = (Index("ix_programme_organisations_parent", "parent_code"),)

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    organisation_type: Mapped[str] = mapped_column(String(24))
    parent_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ServiceProcess(Base):
    """One service process of one agency, as the programme office counts it (seed 004)."""

    __tablename__ = "programme_services"
    __table_args__ = (Index("ix_programme_services_organisation", "organisation_code"),
                      Index("ix_programme_services_client", "client_id"))

    service_code: Mapped[str] = mapped_column(String(48), primary_key=True)
    organisation_code: Mapped[str] = mapped_column(ForeignKey("programme_organisations.code"))
    name_th: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    is_eservice: Mapped[bool] = mapped_column(Boolean, default=False)
    level: Mapped[str | None] = mapped_column(String(4), nullable=True)
    system_name: Mapped[str] = mapped_column(String(200), default="")
    group: Mapped[str] = mapped_column("programme_group", String(2))
    platform: Mapped[str | None] = mapped_column(String(24), nullable=True)
    platform_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    development_mode: Mapped[str | None] = mapped_column(String(24), nullable=True)
    budget_source: Mapped[str | None] = mapped_column(String(24), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(24), nullable=True)
    #: The production client that signs citizens in to this service: the digital-ID link is derived
    #: from it (approved, active, real sign-ins lately), never typed.
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: Time to service before and after it went online (minutes), where the agency reports it.
    minutes_before: Mapped[int | None] = mapped_column(Integer, nullable=True)
    minutes_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class ProgrammeSnapshot(Base):
    """The programme's figures as they stood on one Bangkok day (taken once a day)."""

    __tablename__ = "programme_snapshots"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    figures: Mapped[dict] = mapped_column(JSON)


class ProgrammeReminder(Base):
    """A reminder e-mailed to an agency whose services are behind (every 15 days at most)."""

    __tablename__ = "programme_reminders"
    __table_args__ = (Index("ix_programme_reminders_org", "organisation_code", "sent_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_code: Mapped[str] = mapped_column(String(32))
    sent_to: Mapped[str] = mapped_column(String(254))
    services_behind: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ServiceRating(Base):
    """A citizen's optional rating of one sign-in: the e-Service and Tuaton, 1–5 each. One per
    sign-in (the grant), never required; the comment is optional and kept without the citizen."""

    __tablename__ = "service_ratings"
    __table_args__ = (UniqueConstraint("grant_id", name="uq_service_ratings_grant"),
                      Index("ix_service_ratings_client", "client_id", "rated_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    grant_id: Mapped[str] = mapped_column(String(36))
    client_id: Mapped[str] = mapped_column(String(64))
    service_score: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    tuaton_score: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    comment: Mapped[str] = mapped_column(String(500), default="")
    rated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
