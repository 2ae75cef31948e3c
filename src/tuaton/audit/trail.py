"""Write and verify the audit trail.

Every event is written in the same transaction as the change it records, and carries
``hash = SHA-256(prev_hash || canonical JSON of the event)``; the single ``audit_head`` row is
locked while the chain is extended, so concurrent writers (threads or processes) queue. Editing or
deleting an event breaks every later hash, which :func:`verify_chain` reports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tuaton.audit.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _digest(prev_hash: str, seq: int, at: dt.datetime, kind: str, identity_id: str | None,
            client_id: str | None, details: dict[str, Any]) -> str:
    body = json.dumps(
        {"seq": seq, "at": at.isoformat(), "kind": kind, "identity_id": identity_id,
         "client_id": client_id, "details": details},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(session: Session, kind: str, *, identity_id: str | None = None,
           client_id: str | None = None, **details: Any) -> AuditEvent:
    """Append one event. ``details`` must never hold a secret, passcode, token or image."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    details = json.loads(json.dumps(details, default=str))
    seq = head.seq + 1
    event = AuditEvent(seq=seq, at=at, kind=kind, identity_id=identity_id, client_id=client_id,
                       details=details, prev_hash=head.hash,
                       hash=_digest(head.hash, seq, at, kind, identity_id, client_id, details))
    session.add(event)
    head.seq, head.hash = seq, event.hash
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    events: int
    first_broken_seq: int | None

    @property
    def intact(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Recompute every hash from the start; report the first event that does not match."""
    prev, count, last_seq = GENESIS, 0, 0
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for event in rows:
            at = event.at if event.at.tzinfo else event.at.replace(tzinfo=dt.UTC)
            expected = _digest(prev, event.seq, at, event.kind, event.identity_id, event.client_id,
                               event.details)
            if event.prev_hash != prev or event.hash != expected or event.seq != last_seq + 1:
                return ChainReport(count, event.seq)
            prev, last_seq, count = event.hash, event.seq, count + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != last_seq or head.hash != prev):
        return ChainReport(count, last_seq + 1)
    return ChainReport(count, None)
