"""The figures the portals show come from roll-ups the sequencer writes as it seals, not from
counting the trail; every event is counted exactly once, sealed or not yet."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text, update

from tuaton.audit.models import AuditEvent, AuditRollup
from tuaton.audit.queries import counts_by_day, last_days
from tuaton.audit.trail import AuditSequencer, record


def _record(services, kind: str, client_id: str | None, count: int, at: dt.datetime | None = None) -> None:
    with services.database.transaction() as session:
        for _ in range(count):
            record(session, kind, client_id=client_id)
        if at is not None:
            session.execute(update(AuditEvent).where(AuditEvent.kind == kind).values(at=at))


def _counts(services, days, kinds, client_ids=None):
    with services.database.reading() as session:
        return counts_by_day(session, kinds, days, client_ids)


def test_sealing_moves_counts_into_rollups_without_changing_them(services):
    days = last_days(2)
    _record(services, "signin.approved", "agency-a", 3)
    _record(services, "signin.approved", "agency-b", 2)
    _record(services, "signin.denied", "agency-a", 1)
    _record(services, "claims.disclosed", None, 4)
    before = _counts(services, days, ["signin.approved", "signin.denied"])
    assert before == {(days[-1], "signin.approved"): 5, (days[-1], "signin.denied"): 1}

    AuditSequencer(services.database, services.keys.sign_compact, batch_limit=4).seal_all()   # several batches
    assert _counts(services, days, ["signin.approved", "signin.denied"]) == before
    assert _counts(services, days, ["signin.approved"], ["agency-b"]) == {(days[-1], "signin.approved"): 2}
    with services.database.reading() as session:
        rollups = {(r.kind, r.client_id): r.events for r in session.execute(select(AuditRollup)).scalars()
                   if r.kind != "keys.created"}                          # the fixture's signing keys
    assert rollups == {("signin.approved", "agency-a"): 3, ("signin.approved", "agency-b"): 2,
                       ("signin.denied", "agency-a"): 1, ("claims.disclosed", ""): 4}


def test_figures_do_not_read_the_sealed_trail(services):
    days = last_days(2)
    _record(services, "signin.approved", "agency-a", 3)
    services.audit.seal_all()
    with services.database.transaction() as session:     # the sealed events archived away
        session.execute(text("DELETE FROM audit_events"))
    _record(services, "signin.approved", "agency-a", 1)  # and one not sealed yet
    assert _counts(services, days, ["signin.approved"]) == {(days[-1], "signin.approved"): 4}


def test_days_are_bangkok_days(services):
    # 2026-01-01 18:30 UTC is already 2 January in Bangkok (UTC+7).
    _record(services, "signin.approved", "agency-a", 2, at=dt.datetime(2026, 1, 1, 18, 30, tzinfo=dt.UTC))
    services.audit.seal_all()
    with services.database.reading() as session:
        [rollup] = session.execute(select(AuditRollup).where(AuditRollup.kind == "signin.approved")).scalars()
    assert (rollup.day, rollup.events) == ("2026-01-02", 2)


def test_the_time_to_approve_is_kept_as_a_histogram_and_read_back_as_percentiles(services):
    from tuaton.audit.queries import latency_percentiles

    with services.database.transaction() as session:
        for seconds in [1.5] * 50 + [8.0] * 40 + [50.0] * 9 + [400.0]:
            record(session, "signin.approved", client_id="agency-a", seconds_to_approve=seconds)
    days = last_days(2)
    with services.database.reading() as session:
        unsealed = latency_percentiles(session, days)
    services.audit.seal_all()
    with services.database.reading() as session:
        sealed = latency_percentiles(session, days)
        buckets = {r.kind: r.events for r in session.execute(select(AuditRollup)).scalars()
                   if r.kind.startswith("latency:")}
    assert unsealed == sealed == {"p50": "≤ 2", "p90": "≤ 10", "p99": "≤ 60"}
    assert buckets == {"latency:signin:2": 50, "latency:signin:10": 40, "latency:signin:60": 9,
                       "latency:signin:inf": 1}
