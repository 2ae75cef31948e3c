"""Fill the registry with the synthetic population (``tuaton seed --citizens N``)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable

from sqlalchemy import func, select

from tuaton.registry.models import Citizen, IdCard
from tuaton.registry.population import BLOCK, blocks
from tuaton.storage.db import Database

SEED_CACHE_KIB = 512 * 1024
CITIZEN_COLUMNS = [c.name for c in Citizen.__table__.columns]
CARD_COLUMNS = [c.name for c in IdCard.__table__.columns]


def _block(args: tuple[int, int, int, str]) -> tuple[list, list]:
    """Rows of one block as tuples in column order: for SQLite with ISO dates (its fast path),
    for PostgreSQL as they are (COPY adapts them)."""
    start, stop, seed, dialect = args
    citizens, cards = [], []
    for c, k in blocks(start, stop, seed):
        citizens += c
        cards += k
    plain = _plain if dialect == "sqlite" else (lambda value: value)
    citizens = [tuple(plain(row[col]) for col in CITIZEN_COLUMNS) for row in citizens]
    cards = [tuple(plain(row[col]) for col in CARD_COLUMNS) for row in cards]
    return citizens, cards


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _insert_ignoring_existing(database: Database, table, rows: list, connection) -> int:
    if database.engine.dialect.name == "sqlite":
        # SQLAlchemy's per-row bind processing costs more than SQLite's insert; for a million
        # rows go straight to the driver (same column types: dates as ISO text).
        columns = [c.name for c in table.columns]
        sql = (f"INSERT OR IGNORE INTO {table.name} ({', '.join(columns)}) "  # noqa: S608 - fixed names
               f"VALUES ({', '.join('?' * len(columns))})")
        cursor = connection.connection.driver_connection.cursor()
        before = connection.connection.driver_connection.total_changes
        cursor.executemany(sql, rows)
        return connection.connection.driver_connection.total_changes - before
    # PostgreSQL: COPY into a temporary table (emptied at each commit), then one INSERT … SELECT that
    # skips rows already there — so a seed can be run again, or resumed after an interruption.
    columns = ", ".join(c.name for c in table.columns)
    staging = f"seed_{table.name}"
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table.name}) ON COMMIT DELETE ROWS")
        with cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:  # noqa: S608 - fixed names
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {staging} "  # noqa: S608
                       "ON CONFLICT DO NOTHING")
        return cursor.rowcount


def seed_population(database: Database, count: int, seed: int = 0,
                    progress: Callable[[int], None] | None = None,
                    processes: int | None = None) -> int:
    """Make sure citizens 0..count-1 exist; return how many were newly inserted.

    Generation runs in worker processes (it is pure Python); this process inserts.
    """
    dialect = database.engine.dialect.name
    as_tuples = dialect == "sqlite"
    work = [(s, min(s + BLOCK, count), seed, dialect) for s in range(0, count, BLOCK)]
    processes = processes or (os.cpu_count() or 1)
    inserted = 0

    with database.engine.connect() as connection:
        if as_tuples:
            # Random citizen IDs land all over the B-trees: a large page cache for the load saves
            # ≈ 15 % of the insert time at a million citizens (BENCHMARKS.md); given back after.
            connection.exec_driver_sql(f"PRAGMA cache_size=-{SEED_CACHE_KIB}")
            connection.commit()

        def store(citizens: list, cards: list) -> None:
            nonlocal inserted
            with connection.begin():
                inserted += _insert_ignoring_existing(database, Citizen.__table__, citizens, connection)
                _insert_ignoring_existing(database, IdCard.__table__, cards, connection)
            if progress:
                progress(len(citizens))

        try:
            if processes > 1 and count > 4 * BLOCK:
                with multiprocessing.get_context("fork").Pool(processes) as pool:
                    for citizens, cards in pool.imap(_block, work):
                        store(citizens, cards)
            else:
                for item in work:
                    store(*_block(item))
        finally:
            if as_tuples:
                connection.exec_driver_sql("PRAGMA cache_size=-2000")   # SQLite's default
                connection.commit()
    return inserted


def population_size(database: Database) -> int:
    with database.transaction() as session:
        return session.execute(select(func.count()).select_from(Citizen)).scalar_one()
