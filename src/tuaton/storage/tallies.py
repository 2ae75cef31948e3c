"""Running counts written in the same transaction as what they count: what the national dashboard
reads for figures that would otherwise count a table growing with the population (identities by
status and province, registrations per channel, face checks and their refusals).

A tally is a name, a day (Asia/Bangkok; empty for a running total) and a count: ``identities|active``,
or ``registrations|app`` on ``2026-12-06``. Each is spread over :data:`SHARDS` rows so that
concurrent enrolments do not queue on one row; a reader sums them. Counts are exact: a tally is
added in the transaction that makes the change, and rolls back with it.
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Index, SmallInteger, String, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from tuaton.storage.db import Base

SHARDS = 8
BANGKOK = ZoneInfo("Asia/Bangkok")
#: The day of a running total.
TOTAL = ""


class Tally(Base):
    __tablename__ = "tallies"
    __table_args__ = (Index("ix_tallies_day", "day"),)

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)


def today() -> str:
    return dt.datetime.now(BANGKOK).date().isoformat()


def add(connection, changes: dict[tuple[str, str], int]) -> None:
    """Add each count to its (name, day) tally inside the caller's transaction (a Session or a
    Connection)."""
    changes = {key: by for key, by in changes.items() if by}
    if not changes:
        return
    table = Tally.__table__
    dialect = connection.get_bind().dialect.name if hasattr(connection, "get_bind") else connection.dialect.name
    upsert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)
    statement = upsert.on_conflict_do_update(index_elements=["name", "day", "shard"],
                                             set_={"count": table.c.count + upsert.excluded.count})
    shard = random.randrange(SHARDS)  # noqa: S311 - spreading writes, not a secret
    # In key order, so two transactions touching the same tallies take their rows in one order.
    connection.execute(statement, [{"name": name, "day": day, "shard": shard, "count": by}
                                   for (name, day), by in sorted(changes.items())])


def totals(session, prefix: str) -> dict[str, int]:
    """The running totals whose name starts with ``prefix``."""
    return {name: int(n) for name, n in session.execute(
        select(Tally.name, func.sum(Tally.count)).where(Tally.day == TOTAL, Tally.name.startswith(prefix))
        .group_by(Tally.name))}


def by_day(session, first: str, last: str) -> dict[tuple[str, str], int]:
    """Every daily tally from ``first`` to ``last`` (inclusive), by (name, day)."""
    return {(name, day): int(n) for name, day, n in session.execute(
        select(Tally.name, Tally.day, func.sum(Tally.count)).where(Tally.day >= first, Tally.day <= last)
        .group_by(Tally.name, Tally.day))}
