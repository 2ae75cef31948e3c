"""Issued digital ID cards: which device holds each, and its entry in a status list."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tuaton.storage.db import Base


class CardCredential(Base):
    __tablename__ = "card_credentials"
    __table_args__ = (UniqueConstraint("list_no", "list_index", name="uq_card_status_entry"),
                      Index("ix_card_credentials_list_expires", "list_no", "expires_at"),
                      Index("ix_card_credentials_identity", "identity_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    identity_id: Mapped[str] = mapped_column(ForeignKey("identities.id"))
    #: The device whose key the card is bound to (``cnf``): a lost phone's cards stop with it.
    device_id: Mapped[str] = mapped_column(String(36))
    #: The status list (``/card/status-lists/{list_no}``) and the entry in it.
    list_no: Mapped[int] = mapped_column(Integer)
    list_index: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
