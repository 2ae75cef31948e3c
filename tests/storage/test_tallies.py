"""Tallies: exact running counts, written with what they count, and migrated from what was there."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import PASSCODE
from tuaton.storage import tallies


def test_a_tally_spread_over_shards_reads_as_one_count(services):
    with services.database.transaction() as session:
        for _ in range(40):                       # random shards: several rows for one name
            tallies.add(session, {("faces|accepted", "2026-12-01"): 1, ("identities|active", tallies.TOTAL): 2})
    with services.database.reading() as session:
        assert tallies.totals(session, "identities|") == {"identities|active": 80}
        assert tallies.by_day(session, "2026-12-01", "2026-12-01") == {("faces|accepted", "2026-12-01"): 40}
        assert tallies.by_day(session, "2026-12-02", "2026-12-31") == {}
        rows = session.execute(text("SELECT count(*) FROM tallies WHERE name = 'faces|accepted'")).scalar()
    assert 1 < rows <= tallies.SHARDS


def test_a_tally_rolls_back_with_the_change_it_counts(services):
    with pytest.raises(RuntimeError), services.database.transaction() as session:
        tallies.add(session, {("identities|active", tallies.TOTAL): 1})
        raise RuntimeError("the enrolment failed half-way")
    with services.database.reading() as session:
        assert tallies.totals(session, "identities|") == {}


def test_locking_and_enrolling_again_move_the_identity_between_counts(services, app_client, personas):
    first, second = personas[0], personas[1]
    device = app_client.enroll_card_data_only(first["pid"], PASSCODE)
    app_client.enroll_card_data_only(second["pid"], PASSCODE)
    figures = services.dashboard.count()
    assert (figures.active_identities, figures.locked_identities) == (2, 0)
    from tuaton.errors import IdentityLocked, WrongPasscode

    for _ in range(services.settings.passcode_max_failures):
        with pytest.raises((WrongPasscode, IdentityLocked)):
            services.identities.check_passcode(device.identity_id, "13572468")
    figures = services.dashboard.count()
    assert (figures.active_identities, figures.locked_identities) == (1, 1)
    app_client.enroll_card_data_only(first["pid"], PASSCODE)      # a new device unlocks it
    figures = services.dashboard.count()
    assert (figures.active_identities, figures.locked_identities) == (2, 0)
    assert sum(figures.registrations["sandbox-simulated"]) == 3    # three enrolments
    assert sum(n for _, _, n in figures.provinces) == 2            # two people


def test_the_migration_counts_what_was_there_before(tmp_path):
    from tuaton.registry.seeding import seed_population
    from tuaton.settings import Settings
    from tuaton.storage.db import Database
    from tuaton.storage.migrate import upgrade

    database = Database(Settings(database_url=f"sqlite:///{tmp_path}/old.db"))
    upgrade(database, "0010")
    seed_population(database, 3, processes=1)
    with database.engine.begin() as connection:
        pids = [row[0] for row in connection.execute(text("SELECT pid FROM citizens ORDER BY pid"))]
        for i, (pid, status) in enumerate(zip(pids, ("ACTIVE", "ACTIVE", "LOCKED"), strict=True)):
            connection.execute(text(
                "INSERT INTO identities (id, pid, status, ial, enrolment_channel, enrolled_at, passcode_hash, "
                "failed_passcodes) VALUES (:id, :pid, :status, '2.1', 'app', '2026-12-05 20:00:00', 'x', 0)"),
                {"id": f"identity-{i}", "pid": pid, "status": status})
        provinces = connection.execute(text(
            "SELECT province_th, province_en, count(*) FROM citizens GROUP BY 1, 2")).all()
    upgrade(database)
    with database.reading() as session:
        assert tallies.totals(session, "identities|") == {"identities|active": 2, "identities|locked": 1}
        assert tallies.totals(session, "province|") == {f"province|{th}|{en}": n for th, en, n in provinces}
        # 20:00 UTC is the next day in Bangkok.
        assert tallies.by_day(session, "2026-12-01", "2026-12-31") == {("registrations|app", "2026-12-06"): 3}
    database.dispose()
