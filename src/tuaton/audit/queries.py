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


def recent_details(session: Session, kind: str, key: str, limit: int) -> list:
    """The value of ``details[key]`` in the newest ``limit`` events of ``kind`` (where present)."""
    rows = session.execute(select(AuditEvent.details).where(AuditEvent.kind == kind)
                           .order_by(AuditEvent.seq.desc()).limit(limit)).scalars()
    return [d[key] for d in rows if isinstance(d, dict) and d.get(key) is not None]
