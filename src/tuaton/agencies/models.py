"""An agency's application to use Tuaton for one e-Service, and the operators' decisions on it.

One application is one e-Service of one organisation (an organisation with three e-Services files
three applications); the organisation's details travel with each, so a reviewer sees them together.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from tuaton.storage.db import Base


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"            # being written; sandbox credentials already work
    SUBMITTED = "submitted"    # waiting for review (first time, or a change of claims)
    APPROVED = "approved"      # production credentials exist
    REJECTED = "rejected"      # the agency may edit and submit again


class OrganisationType(enum.StrEnum):
    GOVERNMENT = "government"
    PRIVATE = "private"


class AgencyApplication(Base):
    __tablename__ = "agency_applications"
    __table_args__ = (Index("ix_agency_applications_owner", "owner_identity_id"),
                      Index("ix_agency_applications_status", "status", "submitted_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: The staff member who applied (a Tuaton identity); only they see and change the application.
    owner_identity_id: Mapped[str] = mapped_column(ForeignKey("identities.id"))
    status: Mapped[ApplicationStatus] = mapped_column(Enum(ApplicationStatus, native_enum=False, length=12))
    org_type: Mapped[str] = mapped_column(String(12), default="")
    org_name_th: Mapped[str] = mapped_column(String(200), default="")
    org_name_en: Mapped[str] = mapped_column(String(200), default="")
    #: Government: the agency's code; private: the 13-digit juristic person number.
    org_identifier: Mapped[str] = mapped_column(String(32), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    service_name_th: Mapped[str] = mapped_column(String(200), default="")
    service_name_en: Mapped[str] = mapped_column(String(200), default="")
    purpose_th: Mapped[str] = mapped_column(String(1000), default="")
    purpose_en: Mapped[str] = mapped_column(String(1000), default="")
    #: scope → the agency's justification for it.
    requested_claims: Mapped[dict] = mapped_column(JSON, default=dict)
    redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    #: [{"name", "email", "phone"}]
    technical_contacts: Mapped[list] = mapped_column(JSON, default=list)
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sandbox_client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    production_client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The scopes production may ask for, from the latest approval.
    granted_claims: Mapped[list] = mapped_column(JSON, default=list)
    decision_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ApplicationDecision(Base):
    """One operator's decision, kept for the history (the application keeps only the latest)."""

    __tablename__ = "agency_application_decisions"
    __table_args__ = (Index("ix_agency_application_decisions_app", "application_id", "decided_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("agency_applications.id"))
    decision: Mapped[str] = mapped_column(String(12))       # approved / rejected
    reason: Mapped[str] = mapped_column(String(1000))
    #: scope → true (granted) / false (refused)
    claims: Mapped[dict] = mapped_column(JSON, default=dict)
    reviewer_id: Mapped[str] = mapped_column(String(36))
    reviewer_name: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: The permission letter this decision accepted (organisations/), kept with it.
    letter_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
