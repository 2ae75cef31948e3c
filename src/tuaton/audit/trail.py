"""Write the audit trail, seal it, and verify it.

Every event is written in the same transaction as the change it records, as a plain insert: no
lock is shared between writers, so processes and threads append in parallel. About every second a
**sequencer** seals the events written since the last batch: it computes the Merkle tree hash
(RFC 6962) over them in order of ``seq``, chains it to the previous batch's head, and signs that
head with the OpenID Provider's ES256 key (a compact JWS). One sequencer works at a time — on
PostgreSQL through a transaction-level advisory lock (others skip their turn), on SQLite through
its single writer. Editing or deleting a sealed event changes its batch's root; forging a head needs
the signing key; dropping a batch breaks the chain; :func:`verify_trail` reports each of these.
Events not yet sealed are reported as such (the window is the sealing interval).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from joserfc import jws
from joserfc.errors import JoseError
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tuaton.audit import merkle
from tuaton.audit.models import AuditBatch, AuditEvent, AuditRollup
from tuaton.audit.queries import BANGKOK, latency_bucket
from tuaton.storage.db import Database

GENESIS = "0" * 64
HEAD_TYPE = "tuaton-audit-head+jwt"
#: PostgreSQL advisory lock key of the sequencer ("TUATON" in ASCII, as an integer).
SEQUENCER_LOCK = 0x545541544F4E
_EVENTS = AuditEvent.__table__
_INSERT_EVENT = insert(_EVENTS)   # built once: every sign-in, token and userinfo writes one


def record(session: Session, kind: str, *, identity_id: str | None = None,
           client_id: str | None = None, **details: Any) -> None:
    """Append one event. ``details`` must never hold a secret, passcode, token or image."""
    at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    details = orjson.loads(orjson.dumps(details, default=str))   # as it will read back: plain JSON
    session.execute(_INSERT_EVENT, {"at": at, "kind": kind, "identity_id": identity_id, "client_id": client_id,
                                    "details": details})


def _canonical(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def event_leaf(seq: int, at: dt.datetime, kind: str, identity_id: str | None, client_id: str | None,
               details: dict) -> bytes:
    """The Merkle leaf hash of one event (its sequence number and every field)."""
    at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return merkle.leaf_hash(_canonical({"seq": seq, "at": at.isoformat(), "kind": kind, "identity_id": identity_id,
                                        "client_id": client_id, "details": details}))


def head_body(batch: AuditBatch, prev: str) -> dict:
    sealed = batch.sealed_at if batch.sealed_at.tzinfo else batch.sealed_at.replace(tzinfo=dt.UTC)
    return {"batch": batch.id, "size": batch.size, "first_seq": batch.first_seq, "last_seq": batch.last_seq,
            "root": batch.root, "prev": prev, "sealed_at": sealed.isoformat()}


_COLUMNS = (AuditEvent.seq, AuditEvent.at, AuditEvent.kind, AuditEvent.identity_id, AuditEvent.client_id,
            AuditEvent.details)


def add_to_rollups(session: Session, rows) -> None:
    """Count sealed events into ``audit_rollups`` (day, kind, client), in the sealing transaction."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for row in rows:
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC)
        day, client = at.astimezone(BANGKOK).date().isoformat(), row.client_id or ""
        counts[(day, row.kind, client)] += 1
        seconds = row.details.get("seconds_to_approve") if isinstance(row.details, dict) else None
        if row.kind == "signin.approved" and isinstance(seconds, int | float):
            counts[(day, latency_bucket(seconds), client)] += 1     # the latency histogram
    if not counts:
        return
    table = AuditRollup.__table__
    upsert = (postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)
    statement = upsert.on_conflict_do_update(index_elements=["day", "kind", "client_id"],
                                             set_={"events": table.c.events + upsert.excluded.events})
    session.execute(statement, [{"day": d, "kind": k, "client_id": c, "events": n} for (d, k, c), n in counts.items()])


class AuditSequencer:
    """Seals unsealed events into signed batches. ``sign(payload, header) -> compact JWS``."""

    def __init__(self, database: Database, sign: Callable[[bytes, dict], str], batch_limit: int = 5000) -> None:
        self._db = database
        self._sign = sign
        self._limit = batch_limit

    def seal(self) -> int:
        """Seal up to ``batch_limit`` events as one batch; the number sealed (0: nothing to do,
        or another process is sealing now)."""
        with self._db.transaction() as session:
            if session.get_bind().dialect.name == "postgresql" and not session.execute(
                    text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SEQUENCER_LOCK}).scalar():
                return 0
            rows = session.execute(select(*_COLUMNS).where(AuditEvent.batch.is_(None))
                                   .order_by(AuditEvent.seq).limit(self._limit)).all()
            if not rows:
                return 0
            last = session.execute(select(AuditBatch).order_by(AuditBatch.id.desc()).limit(1)).scalar()
            sealed_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
            batch = AuditBatch(id=(last.id + 1) if last else 1, sealed_at=sealed_at, size=len(rows),
                               first_seq=rows[0].seq, last_seq=rows[-1].seq,
                               root=merkle.root([event_leaf(*row) for row in rows]).hex())
            body = _canonical(head_body(batch, last.head_hash if last else GENESIS))
            batch.head_hash = hashlib.sha256(body).hexdigest()
            batch.signed_head = self._sign(body, {"typ": HEAD_TYPE})
            session.add(batch)
            seqs = [row.seq for row in rows]
            for start in range(0, len(seqs), 1000):
                session.execute(update(AuditEvent).where(AuditEvent.seq.in_(seqs[start:start + 1000]))
                                .values(batch=batch.id))
            add_to_rollups(session, rows)
            return len(rows)

    def seal_all(self) -> int:
        total = 0
        while sealed := self.seal():
            total += sealed
        return total


@dataclass
class AuditReport:
    events: int = 0
    batches: int = 0
    unsealed: int = 0
    #: what does not verify, in words, in order
    problems: list[str] = field(default_factory=list)
    #: the sequence numbers (first, last) of the batches whose events do not match their head
    broken_ranges: list[tuple[int, int]] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"events": self.events, "batches": self.batches, "unsealed": self.unsealed, "intact": self.intact,
                "problems": self.problems, "broken_ranges": self.broken_ranges}


def verify_trail(session: Session, key_for_kid: Callable[[str], Any]) -> AuditReport:
    """Check every signed head (signature, chain) and every sealed event (its batch's root)."""
    report = AuditReport()
    prev, expected_id = GENESIS, 1
    for batch in session.execute(select(AuditBatch).order_by(AuditBatch.id)).scalars():
        report.batches += 1
        if batch.id != expected_id:
            report.problems.append(f"batch {expected_id} is missing (next found: {batch.id})")
        expected_id = batch.id + 1
        body = _canonical(head_body(batch, prev))
        try:
            header = jws.extract_compact(batch.signed_head.encode()).headers()
            key = key_for_kid(header.get("kid", ""))
            if key is None:
                raise JoseError(f"unknown key {header.get('kid')!r}")
            signed = jws.deserialize_compact(batch.signed_head, key, algorithms=["ES256"])
            if signed.payload != body or hashlib.sha256(body).hexdigest() != batch.head_hash:
                raise JoseError("the signed head does not match the batch")
        except (JoseError, ValueError) as exc:
            report.problems.append(f"batch {batch.id}: the signed tree head does not verify ({exc})")
        rows = session.execute(select(*_COLUMNS).where(AuditEvent.batch == batch.id).order_by(AuditEvent.seq)).all()
        report.events += len(rows)
        leaves = [event_leaf(*row) for row in rows]
        if len(rows) != batch.size or merkle.root(leaves).hex() != batch.root:
            report.problems.append(f"batch {batch.id}: events {batch.first_seq}–{batch.last_seq} were edited, "
                                   f"removed or added ({len(rows)} found, {batch.size} sealed)")
            report.broken_ranges.append((batch.first_seq, batch.last_seq))
        prev = batch.head_hash
    report.unsealed = session.execute(select(func.count()).select_from(AuditEvent)
                                      .where(AuditEvent.batch.is_(None))).scalar_one()
    return report


def inclusion_proofs(session: Session, seqs: list[int]) -> dict[int, dict]:
    """For each sealed event of ``seqs``: its batch, index, audit path and the signed tree head, so
    anyone holding Tuaton's public keys can check that the event is in the signed trail."""
    proofs: dict[int, dict] = {}
    batches = session.execute(select(AuditEvent.seq, AuditEvent.batch).where(
        AuditEvent.seq.in_(seqs), AuditEvent.batch.is_not(None))).all()
    for batch_id in {b for _, b in batches}:
        head = session.get(AuditBatch, batch_id)
        rows = session.execute(select(*_COLUMNS).where(AuditEvent.batch == batch_id).order_by(AuditEvent.seq)).all()
        leaves = [event_leaf(*row) for row in rows]
        index_of = {row.seq: i for i, row in enumerate(rows)}
        for seq, b in batches:
            if b == batch_id and seq in index_of:
                i = index_of[seq]
                proofs[seq] = {"batch": batch_id, "leaf_index": i, "tree_size": len(rows),
                               "leaf_hash": leaves[i].hex(),
                               "audit_path": [node.hex() for node in merkle.audit_path(leaves, i)],
                               "signed_tree_head": head.signed_head if head else None}
    return proofs
