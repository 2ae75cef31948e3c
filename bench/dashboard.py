"""The national dashboard and an agency's usage page over a large audit trail (issue "Country
scale II" §2), on PostgreSQL:

    .venv/bin/python bench/dashboard.py --events 10000000

Writes N synthetic sign-in events straight into a fresh database ``tuaton_dashboard`` (server-side,
over the last 30 Bangkok days and 200 agencies, as sealed), with their roll-ups as the sequencer
writes them. Then it times the figures both ways: counting the trail, as before roll-ups
(``count_trail`` below is that code), and reading the roll-ups. Loopback only; bounded by N.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from tuaton.audit import queries  # noqa: E402
from tuaton.audit.models import AuditEvent  # noqa: E402
from tuaton.dashboard import service as dashboard_service  # noqa: E402
from tuaton.dashboard.service import SIGNIN_KINDS, NationalDashboard  # noqa: E402
from tuaton.registry.seeding import seed_population  # noqa: E402
from tuaton.settings import Settings  # noqa: E402
from tuaton.storage.db import Database  # noqa: E402
from tuaton.storage.ephemeral import MemoryStore  # noqa: E402

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
NAME = "tuaton_dashboard"
KINDS = ["signin.approved"] * 8 + ["signin.denied", "signin.wrong_passcode", "signin.sandbox_refused",
                                    "claims.disclosed"]


def count_trail(session, kinds, days, client_ids=None):
    """The figures as they were counted before roll-ups: straight from the trail."""
    day = queries.bangkok_day(session, AuditEvent.at)
    query = (select(day, AuditEvent.kind, func.count())
             .where(AuditEvent.kind.in_(list(kinds)), AuditEvent.at >= queries.since_start_of(days[0]))
             .group_by(day, AuditEvent.kind))
    if client_ids is not None:
        query = query.where(AuditEvent.client_id.in_(list(client_ids)))
    return {(d, k): n for d, k, n in session.execute(query)}


def latency_from_trail(session, days):
    """The time-to-approve figures as they were before the histogram: the newest 10,000 approvals."""
    rows = session.execute(select(AuditEvent.details).where(AuditEvent.kind == "signin.approved")
                           .order_by(AuditEvent.seq.desc()).limit(10_000)).scalars()
    values = sorted(float(d["seconds_to_approve"]) for d in rows if isinstance(d, dict) and "seconds_to_approve" in d)
    return {"p50": values[len(values) // 2]} if values else {}


def prepare(events: int) -> Database:
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {NAME}"))
        connection.execute(text(f"CREATE DATABASE {NAME}"))
    admin.dispose()
    database = Database(Settings(database_url=f"{SERVER}/{NAME}"))
    database.create_schema()
    seed_population(database, 10_000)
    kinds = "ARRAY[" + ", ".join(f"'{k}'" for k in KINDS) + "]"
    started = time.perf_counter()
    with database.engine.begin() as connection:
        synthetic = ("INSERT INTO audit_events (at, kind, identity_id, client_id, details, batch) "  # noqa: S608
                     f"SELECT now() - random() * interval '30 days', "
                     f"({kinds})[1 + floor(random() * {len(KINDS)})::int], "
                     "NULL, 'agency-' || floor(random() * 200)::int, '{}'::json, 1 FROM generate_series(1, :n)")
        connection.execute(text(synthetic), {"n": events})
        connection.execute(text(
            "INSERT INTO audit_rollups (day, kind, client_id, events) "
            "SELECT to_char(timezone('Asia/Bangkok', at), 'YYYY-MM-DD'), kind, client_id, count(*) "
            "FROM audit_events WHERE batch IS NOT NULL GROUP BY 1, 2, 3"))
    with database.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    print(f"{events:,} events and their roll-ups written in {time.perf_counter() - started:.0f} s", flush=True)
    return database


def timed(call, runs: int) -> dict:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return {"runs": runs, "median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="time the database a previous run wrote")
    args = parser.parse_args()
    database = Database(Settings(database_url=f"{SERVER}/{NAME}")) if args.reuse else prepare(args.events)
    settings = Settings(database_url=f"{SERVER}/{NAME}", dashboard_cache_seconds=0)
    dashboard = NationalDashboard(database, MemoryStore(), settings)
    days = queries.last_days(30)
    results: dict = {"events": args.events}

    def agency_counts(counter):
        with database.reading() as session:
            return counter(session, SIGNIN_KINDS, days, ["agency-7"])

    real = dashboard_service.counts_by_day, dashboard_service.latency_percentiles
    dashboard_service.counts_by_day, dashboard_service.latency_percentiles = count_trail, latency_from_trail
    try:
        results["national_before"] = timed(dashboard.count, args.runs)
        results["agency_before"] = timed(lambda: agency_counts(count_trail), args.runs)
        before = dashboard.count()
    finally:
        dashboard_service.counts_by_day, dashboard_service.latency_percentiles = real
    results["national_after"] = timed(dashboard.count, args.runs)
    results["agency_after"] = timed(lambda: agency_counts(queries.counts_by_day), args.runs)
    after = dashboard.count()
    results["same_figures"] = (before.signins_approved == after.signins_approved
                               and before.signins_failed == after.signins_failed)
    print(json.dumps(results, indent=2))
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "bench" / "dashboard.json").write_text(json.dumps(results, indent=2))
    database.dispose()


if __name__ == "__main__":
    main()
