"""Counting the audit trail for the portals: events per day (Bangkok days) and per kind.

The trail is the one record every process writes in the same transaction as the change, so the
agency's usage page and the national dashboard count the same facts; they read the sequencer's
roll-ups of it (``audit_rollups``), not the trail itself. Days are Thai days
(Asia/Bangkok, UTC+7, no daylight saving), as the people reading the charts live them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, literal_column, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from tuaton.audit.models import AuditEvent, AuditRollup

BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")


def bangkok_day(session: Session, column) -> ColumnElement[str]:
    """``YYYY-MM-DD`` of a timestamp column in Bangkok time, in SQL, for SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(literal_column("'Asia/Bangkok'"), column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column, "+7 hours")


def last_days(days: int, today: dt.date | None = None) -> list[str]:
    """The last ``days`` Bangkok days, oldest first, as ``YYYY-MM-DD``."""
    today = today or dt.datetime.now(BANGKOK).date()
    return [(today - dt.timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]


def since_start_of(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=BANGKOK).astimezone(dt.UTC)


def counts_by_day(session: Session, kinds: Iterable[str], days: list[str],
                  client_ids: Iterable[str] | None = None) -> dict[tuple[str, str], int]:
    """{(day, kind): events} over ``days`` (from :func:`last_days`), optionally for some clients.

    Sealed events are read from the roll-ups (the sequencer's counts, per day, kind and client);
    only the events not sealed yet (about a second's worth) are counted from the trail. Both in one
    statement, so an event sealed meanwhile is counted exactly once."""
    kinds = list(kinds)
    day = bangkok_day(session, AuditEvent.at)
    unsealed = (select(day.label("day"), AuditEvent.kind.label("kind"), func.count().label("n"))
                .where(AuditEvent.batch.is_(None), AuditEvent.kind.in_(kinds),
                       AuditEvent.at >= since_start_of(days[0]))
                .group_by(day, AuditEvent.kind))
    rolled = (select(AuditRollup.day.label("day"), AuditRollup.kind.label("kind"), AuditRollup.events.label("n"))
              .where(AuditRollup.kind.in_(kinds), AuditRollup.day >= days[0]))
    if client_ids is not None:
        client_ids = list(client_ids)
        unsealed = unsealed.where(AuditEvent.client_id.in_(client_ids))
        rolled = rolled.where(AuditRollup.client_id.in_(client_ids))
    both = union_all(unsealed, rolled).subquery()
    query = select(both.c.day, both.c.kind, func.sum(both.c.n)).group_by(both.c.day, both.c.kind)
    return {(d, k): int(n) for d, k, n in session.execute(query)}



def counts_by_client(session: Session, kind: str, first_day: str) -> dict[str, int]:
    """{client_id: events of ``kind``} from ``first_day`` (a Bangkok day) on, read like
    :func:`counts_by_day`: the roll-ups, and the trail for what is not sealed yet."""
    unsealed = (select(AuditEvent.client_id.label("client_id"), func.count().label("n"))
                .where(AuditEvent.batch.is_(None), AuditEvent.kind == kind, AuditEvent.client_id.is_not(None),
                       AuditEvent.at >= since_start_of(first_day))
                .group_by(AuditEvent.client_id))
    rolled = (select(AuditRollup.client_id.label("client_id"), AuditRollup.events.label("n"))
              .where(AuditRollup.kind == kind, AuditRollup.day >= first_day))
    both = union_all(unsealed, rolled).subquery()
    query = select(both.c.client_id, func.sum(both.c.n)).group_by(both.c.client_id)
    return {c: int(n) for c, n in session.execute(query) if c}

#: Upper bounds (seconds, QR shown → approval) of the sign-in latency histogram the sequencer keeps
#: in the roll-ups as kinds ``latency:signin:<bound>`` (``inf`` above the last).
LATENCY_BOUNDS = (2, 3, 5, 7, 10, 15, 20, 30, 45, 60, 90, 120, 180)


def latency_bucket(seconds: float) -> str:
    for bound in LATENCY_BOUNDS:
        if seconds <= bound:
            return f"latency:signin:{bound}"
    return "latency:signin:inf"


LATENCY_KINDS = [f"latency:signin:{b}" for b in (*LATENCY_BOUNDS, "inf")]


def latency_percentiles(session: Session, days: list[str]) -> dict[str, str]:
    """p50/p90/p99 of the sign-ins' time to approve over ``days``, as the histogram bucket each
    falls in (``"≤ 15"`` seconds, or ``"> 180"``). Read from the roll-ups, plus the approvals not
    sealed yet."""
    counts = {k: 0 for k in LATENCY_KINDS}
    for (_, kind), n in counts_by_day(session, LATENCY_KINDS, days).items():
        counts[kind] += n
    since = since_start_of(days[0])
    for details in session.execute(select(AuditEvent.details).where(
            AuditEvent.batch.is_(None), AuditEvent.kind == "signin.approved", AuditEvent.at >= since)).scalars():
        value = details.get("seconds_to_approve") if isinstance(details, dict) else None
        if isinstance(value, int | float):
            counts[latency_bucket(value)] += 1
    total = sum(counts.values())
    if not total:
        return {}
    out, seen = {}, 0
    wanted = [(50, "p50"), (90, "p90"), (99, "p99")]
    for kind in LATENCY_KINDS:
        seen += counts[kind]
        while wanted and seen * 100 >= wanted[0][0] * total:
            bound = kind.rsplit(":", 1)[1]
            out[wanted.pop(0)[1]] = f"> {LATENCY_BOUNDS[-1]}" if bound == "inf" else f"≤ {bound}"
    return out
