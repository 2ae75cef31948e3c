"""The national dashboard and an agency's usage page over a large audit trail and a large
registered population (issue "Country scale II" §2), on PostgreSQL:

    .venv/bin/python bench/dashboard.py --events 10000000 [--identities 1000000]

With ``--identities N``, N citizens are seeded and registered (identities spread over the last 30
days and three channels, one in fifty locked) with two selfies' evidence each, written at schema
0010; the upgrade to the newest schema then counts them into the tallies (its time is reported).
The registration, province and face-check figures are timed both ways too: counting the tables, as
before tallies (``count_tables`` below is that code), and reading the tallies.

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
from tuaton.identity.models import IdentityStatus  # noqa: E402
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


def count_tables(session, days) -> dict:
    """Identities, provinces, registrations and face checks as they were counted before tallies."""
    from tuaton.identity.models import Identity
    from tuaton.proofing.models import Evidence
    from tuaton.registry.models import Citizen

    since = queries.since_start_of(days[0])
    statuses = dict(session.execute(select(Identity.status, func.count()).group_by(Identity.status)).all())
    day = queries.bangkok_day(session, Identity.enrolled_at)
    registrations = {(d, c): n for d, c, n in session.execute(
        select(day, Identity.enrolment_channel, func.count()).where(Identity.enrolled_at >= since)
        .group_by(day, Identity.enrolment_channel))}
    provinces = [tuple(r) for r in session.execute(
        select(Citizen.province_th, Citizen.province_en, func.count()).join(Identity, Identity.pid == Citizen.pid)
        .group_by(Citizen.province_th, Citizen.province_en).order_by(func.count().desc()).limit(10))]
    evidence_day = queries.bangkok_day(session, Evidence.created_at)
    faces = {(d, decision): n for d, decision, n in session.execute(
        select(evidence_day, Evidence.decision, func.count()).where(Evidence.kind == "selfie",
                                                                     Evidence.created_at >= since)
        .group_by(evidence_day, Evidence.decision))}
    reasons = dict(session.execute(select(Evidence.reason, func.count()).where(
        Evidence.decision == "refused", Evidence.created_at >= since).group_by(Evidence.reason)).all())
    return {"statuses": statuses, "registrations": registrations, "provinces": provinces, "faces": faces,
            "reasons": reasons}


def register(database: Database, identities: int) -> None:
    """N registered citizens with two selfies' evidence each, written straight in SQL."""
    started = time.perf_counter()
    seed_population(database, identities)
    print(f"{identities:,} citizens seeded in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    with database.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO identities (id, pid, status, ial, enrolment_channel, enrolled_at, passcode_hash, "
            "failed_passcodes) SELECT 'identity-' || pid, pid, CASE WHEN random() < 0.02 THEN 'LOCKED' ELSE "
            "'ACTIVE' END, '2.1', (ARRAY['app', 'office', 'sandbox-simulated'])[1 + floor(random() * 3)::int], "
            "now() - random() * interval '30 days', 'x', 0 FROM citizens LIMIT :n"), {"n": identities})
        connection.execute(text(
            "INSERT INTO enrolments (id, token_hash, device_jwk, device_thumbprint, state, channel, data, "
            "created_at, expires_at) SELECT 'enrolment-' || pid, md5(pid), '{}'::json, md5(pid), 'COMPLETED', "
            "'app', '{}'::json, now(), now() FROM identities"))
        connection.execute(text(
            "INSERT INTO enrolment_evidence (id, enrolment_id, pid, kind, sha256, perceptual_hash, decision, "
            "reason, scores, created_at) SELECT 'evidence-' || i.pid || '-' || n, 'enrolment-' || i.pid, i.pid, "
            "'selfie', md5(i.pid || n), md5(i.pid), "
            "CASE WHEN n = 1 AND random() < 0.1 THEN 'refused' ELSE 'accepted' END, NULL, '{}'::json, "
            "i.enrolled_at FROM identities i, generate_series(1, 2) n"))
        connection.execute(text(
            "UPDATE enrolment_evidence SET reason = 'face_mismatch' WHERE decision = 'refused'"))
    print(f"{identities:,} identities and their evidence written in {time.perf_counter() - started:.0f} s",
          flush=True)


def prepare(events: int, identities: int) -> tuple[Database, float | None]:
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {NAME}"))
        connection.execute(text(f"CREATE DATABASE {NAME}"))
    admin.dispose()
    database = Database(Settings(database_url=f"{SERVER}/{NAME}"))
    migrated = None
    if identities:
        from tuaton.storage.migrate import upgrade

        upgrade(database, "0010")
        register(database, identities)
        started = time.perf_counter()
        upgrade(database)                   # 0011 counts what is there into the tallies
        migrated = round(time.perf_counter() - started, 1)
    else:
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
    return database, migrated


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
    parser.add_argument("--identities", type=int, default=0)
    parser.add_argument("--reuse", action="store_true", help="time the database a previous run wrote")
    args = parser.parse_args()
    if args.reuse:
        database, migrated = Database(Settings(database_url=f"{SERVER}/{NAME}")), None
    else:
        database, migrated = prepare(args.events, args.identities)
    settings = Settings(database_url=f"{SERVER}/{NAME}", dashboard_cache_seconds=0)
    dashboard = NationalDashboard(database, MemoryStore(), settings)
    days = queries.last_days(30)
    results: dict = {"events": args.events, "identities": args.identities, "migration_0011_seconds": migrated}

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

    def from_tables():
        with database.reading() as session:
            return count_tables(session, days)

    results["population_figures_by_counting_tables"] = timed(from_tables, args.runs)
    counted = from_tables()
    results["same_population_figures"] = (
        after.active_identities == counted["statuses"].get(IdentityStatus.ACTIVE, 0)
        and after.locked_identities == counted["statuses"].get(IdentityStatus.LOCKED, 0)
        # the top ten by count (the order of ties is the database's)
        and sorted(after.provinces, key=lambda p: (-p[2], p[0])) == sorted(counted["provinces"],
                                                                            key=lambda p: (-p[2], p[0]))
        and after.face_checks_passed == [counted["faces"].get((d, "accepted"), 0) for d in days]
        and after.face_checks_failed == [counted["faces"].get((d, "refused"), 0) for d in days]
        and after.registrations == {c: [counted["registrations"].get((d, c), 0) for d in days]
                                    for c in sorted({c for _, c in counted["registrations"]})})
    print(json.dumps(results, indent=2))
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "bench" / "dashboard.json").write_text(json.dumps(results, indent=2))
    database.dispose()


if __name__ == "__main__":
    main()
