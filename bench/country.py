"""The registry at national size on PostgreSQL (issue "Country scale II" §1), opt-in:

    .venv/bin/python bench/country.py --citizens 60000000        # make bench-country
    .venv/bin/python bench/country.py --citizens 2000000 --resume

Seeds N synthetic citizens with their cards into the database ``tuaton_country`` (created fresh
unless ``--resume``: then seeding continues where an interrupted run stopped, skipping what is
there). Reports the time, citizens/s and the disk used (bytes per million). Then, against 10,000
citizens and against N, it times what every enrolment and sign-in asks of the registry: the
card-status check, and the citizen read that the ID token and userinfo claims come from. It gives
p50 and p99 over random citizens (TABLESAMPLE) and the EXPLAIN of the statements, and writes
``var/bench/country.json``. Loopback only; bounded by N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import create_engine, text  # noqa: E402

from tuaton.registry.card_status import CardQuery, check_card  # noqa: E402
from tuaton.registry.seeding import seed_population  # noqa: E402
from tuaton.registry.sql_registry import _CITIZEN_BY_PID, _CURRENT_CARD, SqlRegistry  # noqa: E402
from tuaton.settings import Settings  # noqa: E402
from tuaton.storage.db import Database  # noqa: E402

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
VAR = ROOT / "var" / "bench"


def fresh_database(name: str, drop: bool) -> Database:
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if drop and exists:
            connection.execute(text(f'DROP DATABASE "{name}"'))
        if drop or not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    database = Database(Settings(database_url=f"{SERVER}/{name}"))
    database.create_schema()
    return database


def sample(database: Database, count: int, population: int) -> list[CardQuery]:
    """Random citizens with their current card, as an enrolment would present them."""
    percent = min(100.0, 100.0 * count * 4 / max(population, 1))
    with database.read_connection() as connection:
        sql = ("SELECT c.pid, c.given_name_th, c.family_name_th, c.birth_date, k.laser_code "  # noqa: S608
               f"FROM citizens c TABLESAMPLE SYSTEM ({percent:.6f}) JOIN id_cards k ON k.pid = c.pid "
               "LIMIT :n")
        rows = connection.execute(text(sql), {"n": count}).all()
    return [CardQuery(r.pid, r.given_name_th, r.family_name_th, r.birth_date, r.laser_code) for r in rows]


def timed(call, items) -> dict:
    times = []
    for item in items:
        started = time.perf_counter()
        call(item)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"n": len(times), "p50_ms": round(statistics.median(times), 3),
            "p99_ms": round(times[int(len(times) * 0.99) - 1], 3)}


def lookups(database: Database, population: int, count: int) -> dict:
    registry = SqlRegistry(database)
    queries = sample(database, count, population)
    for query in queries[:200]:              # warm the pool and the statement cache
        check_card(registry, query)
    checks = [check_card(registry, q).value for q in queries]
    return {"population": population, "valid": checks.count("valid"),
            "card_status_check": timed(lambda q: check_card(registry, q), queries),
            "citizen_read": timed(lambda q: registry.citizen(q.pid), queries)}


def explain(database: Database, pid: str) -> list[str]:
    plans = []
    with database.read_connection() as connection:
        for statement in (_CITIZEN_BY_PID, _CURRENT_CARD):
            sql = str(statement.params(pid=pid).compile(database.engine, compile_kwargs={"literal_binds": True}))
            rows = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}").all()
            plans.append("\n".join(r[0] for r in rows))
    return plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=60_000_000)
    parser.add_argument("--resume", action="store_true", help="continue an interrupted seed")
    parser.add_argument("--lookups", type=int, default=5000)
    args = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    results: dict = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "citizens": args.citizens,
                     "command": " ".join(["bench/country.py", *sys.argv[1:]])}

    small = fresh_database("tuaton_country_small", drop=True)
    seed_population(small, 10_000)
    results["at_10k"] = lookups(small, 10_000, args.lookups)
    small.dispose()

    big = fresh_database("tuaton_country", drop=not args.resume)
    started, done = time.perf_counter(), 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        if done % 1_000_000 < n:
            rate = done / (time.perf_counter() - started)
            print(f"  {done:,} citizens, {rate:,.0f}/s", flush=True)

    added = seed_population(big, args.citizens, progress=progress)
    seconds = time.perf_counter() - started
    with big.read_connection() as connection:
        size = connection.execute(text("SELECT pg_total_relation_size('citizens') + "
                                       "pg_total_relation_size('id_cards')")).scalar()
        database_size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
    results["seed"] = {"added": added, "seconds": round(seconds, 1), "per_second": round(added / seconds),
                       "registry_bytes": size, "database_bytes": database_size,
                       "gb_per_million": round(size / args.citizens * 1e6 / 1e9, 3)}
    results[f"at_{args.citizens}"] = lookups(big, args.citizens, args.lookups)
    results["explain"] = explain(big, sample(big, 200, args.citizens)[0].pid)
    big.dispose()
    (VAR / "country.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps({k: v for k, v in results.items() if k != "explain"}, indent=2))
    print("\n\n".join(results["explain"]))


if __name__ == "__main__":
    main()
