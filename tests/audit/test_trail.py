from sqlalchemy import select, text, update

from tests.conftest import exchange, signed_in_code
from tuaton.audit.models import AuditEvent
from tuaton.audit.trail import record, verify_chain


def test_a_sign_in_leaves_an_intact_chain(http, app_client, device, agency, services):
    exchange(http, agency, signed_in_code(http, app_client, device, agency))
    with services.database.reading() as session:
        report = verify_chain(session)
        kinds = [e.kind for e in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()]
    assert report.intact and report.events == len(kinds)
    wanted = ["client.created", "identity.enrolled", "signin.approved", "claims.disclosed"]
    assert set(wanted) <= set(kinds) and kinds.index("signin.approved") < kinds.index("claims.disclosed")


def test_editing_an_event_is_detected(services):
    with services.database.transaction() as session:
        for n in range(5):
            record(session, "test.event", n=n)
    with services.database.transaction() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(details={"n": 99}))
    with services.database.reading() as session:
        report = verify_chain(session)
    assert not report.intact and report.first_broken_seq == 3


def test_deleting_an_event_is_detected(services):
    with services.database.transaction() as session:
        for n in range(4):
            record(session, "test.event", n=n)
    with services.database.transaction() as session:
        session.execute(text("DELETE FROM audit_events WHERE seq = 4"))
    with services.database.reading() as session:
        assert verify_chain(session).first_broken_seq == 4


def test_an_event_rolled_back_with_its_change_leaves_no_trace(services):
    try:
        with services.database.transaction() as session:
            record(session, "test.event")
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    with services.database.reading() as session:
        assert verify_chain(session).events == 0


def test_concurrent_writers_keep_one_chain(services):
    from concurrent.futures import ThreadPoolExecutor

    def write(n):
        with services.database.transaction() as session:
            record(session, "test.concurrent", n=n)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(64)))
    with services.database.reading() as session:
        report = verify_chain(session)
    assert report.intact and report.events == 64
