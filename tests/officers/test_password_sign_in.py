"""Officers' password sign-in under guessing: counted before checking, kept in the database,
slowed rather than locked, and the same answers for accounts that do not exist."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from tuaton.audit.models import AuditEvent
from tuaton.errors import TooManyAttempts, WrongOfficerPassword
from tuaton.officers import service as officers_service
from tuaton.officers.models import Officer
from tuaton.services import build_services
from tuaton.storage.ephemeral import MemoryStore

PASSWORD = "correct horse battery"
WRONG = "wrong password!!"


@pytest.fixture
def kanya(services) -> str:
    services.officers.create("kanya", "Kanya", "1001", "registrar", PASSWORD)
    return "kanya"


def _failures_logged(services) -> int:
    with services.database.reading() as session:
        return len(session.execute(select(AuditEvent.seq).where(AuditEvent.kind == "officer.signin_failed")).all())


def _try(services, username, password, source="192.0.2.10"):
    try:
        services.officers.sign_in(username, password, source=source)
        return "signed in"
    except WrongOfficerPassword:
        return "wrong"
    except TooManyAttempts:
        return "wait"


def _wait_is_over(services, username) -> None:
    with services.database.transaction() as session:
        session.execute(update(Officer).where(Officer.username == username).values(next_login_at=0))


def test_thirty_concurrent_guesses_check_at_most_five_passwords(services, kanya):
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: _try(services, kanya, WRONG), range(30)))
    assert answers.count("wrong") == 5 and answers.count("wait") == 25
    assert _failures_logged(services) == 5
    # The right password during the wait is not even checked.
    assert _try(services, kanya, PASSWORD) == "wait"


def test_the_count_survives_a_store_restart(services, settings, kanya):
    for _ in range(5):
        assert _try(services, kanya, WRONG) == "wrong"
    restarted = build_services(settings, database=services.database, store=MemoryStore(), migrate=False)
    assert _try(restarted, kanya, PASSWORD) == "wait"


def test_guessing_slows_the_account_down_instead_of_locking_it(services, kanya):
    for _ in range(5):
        assert _try(services, kanya, WRONG) == "wrong"
    with pytest.raises(TooManyAttempts) as caught:
        services.officers.sign_in(kanya, PASSWORD, source="192.0.2.10")
    assert 1 <= caught.value.extra["retry_after"] <= 15
    _wait_is_over(services, kanya)
    assert _try(services, kanya, WRONG) == "wrong"           # the sixth wrong one: now 30 s
    with services.database.reading() as session:
        officer = session.execute(select(Officer).where(Officer.username == kanya)).scalar_one()
    assert officer.failed_logins == 6
    _wait_is_over(services, kanya)
    assert _try(services, kanya, PASSWORD) == "signed in"   # the officer is never shut out for long
    with services.database.reading() as session:
        assert session.execute(select(Officer.failed_logins).where(Officer.username == kanya)).scalar() == 0


@pytest.mark.parametrize(("failures", "wait"), [(1, 0), (4, 0), (5, 15), (6, 30), (11, 900), (50, 900)])
def test_the_waits_grow_to_fifteen_minutes(failures, wait):
    assert officers_service.wait_after(failures) == wait


def test_an_unknown_username_costs_a_hash_check_and_answers_like_a_known_one(services, kanya, monkeypatch):
    checked = []
    real_verify = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify",
                        lambda hasher, hashed, password: checked.append(1) or real_verify(hasher, hashed, password))
    known = [_try(services, kanya, WRONG) for _ in range(6)]
    unknown = [_try(services, "nobody-here", WRONG) for _ in range(6)]
    assert known == unknown == ["wrong"] * 5 + ["wait"]
    assert len(checked) == 10                 # five real checks each: the unknown name is no faster


def test_one_address_has_a_budget_of_tries_across_accounts(services, settings, kanya):
    services.officers.create("dao", "Dao", "1001", "registrar", PASSWORD)
    limit = settings.officer_login_tries_per_source
    for i in range(limit):
        assert _try(services, f"guess{i}", WRONG, source="198.51.100.7") == "wrong"
    assert _try(services, "dao", PASSWORD, source="198.51.100.7") == "wait"
    assert _try(services, "dao", PASSWORD, source="198.51.100.8") == "signed in"


@pytest.mark.parametrize("settings", [{"office_break_glass": True}], indirect=True)
def test_the_station_answers_429_with_retry_after(http, services, kanya):
    page = http.get("/office/signin")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    for _ in range(5):
        http.post("/office/signin", data={"username": kanya, "password": WRONG, "csrf": csrf})
    waiting = http.post("/office/signin", data={"username": kanya, "password": PASSWORD, "csrf": csrf},
                        follow_redirects=False, headers={"Accept": "application/json"})
    assert waiting.status_code == 429 and 1 <= int(waiting.headers["retry-after"]) <= 15
    assert "tuaton_officer=" not in waiting.headers.get("set-cookie", "")
