"""Audit events, and the signed batches (Merkle tree heads) that seal them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, PrimaryKeyConstraint, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from tuaton.storage.db import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_identity", "identity_id", "seq"),
        Index("ix_audit_events_kind_at", "kind", "at"),
        Index("ix_audit_events_client_at", "client_id", "at"),
        Index("ix_audit_events_batch", "batch", "seq"),
        # The events not sealed yet (about a second's worth): what the sequencer takes next and what
        # the figures add to the roll-ups. Partial, so it stays that small whatever the trail's size.
        Index("ix_audit_events_unsealed", "seq", postgresql_where=text("batch IS NULL"),
              sqlite_where=text("batch IS NULL")),
    )

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(64))
    identity_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    details: Mapped[dict] = mapped_column(JSON)
    #: The sealed batch that holds this event; NULL until the sequencer seals it (about a second).
    batch: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class AuditBatch(Base):
    """A signed tree head: the Merkle root over one batch of events, chained to the batch before."""

    __tablename__ = "audit_batches"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=False)
    sealed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    size: Mapped[int] = mapped_column(Integer)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    #: hex SHA-256: the batch's Merkle root, and this head's own hash (the next batch's ``prev``)
    root: Mapped[str] = mapped_column(String(64))
    head_hash: Mapped[str] = mapped_column(String(64))
    #: The signed tree head: a compact JWS (ES256, the OP's key) over the head's JSON.
    signed_head: Mapped[str] = mapped_column(Text)


class AuditRollup(Base):
    """Events per Bangkok day, kind and client, written by the sequencer as it seals each batch (in
    the same transaction, so every sealed event is counted once): what the dashboards and the
    agencies' usage pages read instead of counting the trail."""

    __tablename__ = "audit_rollups"
    __table_args__ = (PrimaryKeyConstraint("day", "kind", "client_id", name="pk_audit_rollups"),
                      Index("ix_audit_rollups_client_day", "client_id", "day"))

    #: ``YYYY-MM-DD`` in Asia/Bangkok
    day: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(64))
    #: ``""`` for events of no client
    client_id: Mapped[str] = mapped_column(String(64))
    events: Mapped[int] = mapped_column(BigInteger)
