import base64
import json

import pytest
from sqlalchemy import select, text, update

from tests.conftest import exchange, signed_in_code
from tuaton.audit import merkle
from tuaton.audit.models import AuditBatch, AuditEvent
from tuaton.audit.trail import AuditSequencer, inclusion_proofs, record, verify_trail


def _verify(services):
    with services.database.reading() as session:
        return verify_trail(session, services.keys.key_for_kid)


def _events(services, count, kind="test.event"):
    with services.database.transaction() as session:
        for n in range(count):
            record(session, kind, n=n)


def test_a_sign_in_is_sealed_into_a_signed_batch_that_verifies(http, app_client, device, agency, services):
    exchange(http, agency, signed_in_code(http, app_client, device, agency))
    with services.database.reading() as session:
        kinds = [e.kind for e in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()]
    assert _verify(services).unsealed == len(kinds)
    assert services.audit.seal_all() == len(kinds)
    report = _verify(services)
    assert report.intact and report.events == len(kinds) and report.unsealed == 0 and report.batches == 1
    wanted = ["client.created", "identity.enrolled", "signin.approved", "claims.disclosed"]
    assert set(wanted) <= set(kinds) and kinds.index("signin.approved") < kinds.index("claims.disclosed")


def test_batches_chain_and_each_head_is_a_jws_by_a_published_key(services):
    sequencer = AuditSequencer(services.database, services.keys.sign_compact, batch_limit=3)
    _events(services, 7)
    assert sequencer.seal_all() == 7
    with services.database.reading() as session:
        batches = session.execute(select(AuditBatch).order_by(AuditBatch.id)).scalars().all()
    assert [b.size for b in batches] == [3, 3, 1]
    heads = [json.loads(base64.urlsafe_b64decode(b.signed_head.split(".")[1] + "==")) for b in batches]
    assert heads[1]["prev"] == batches[0].head_hash and heads[2]["prev"] == batches[1].head_hash
    kid = json.loads(base64.urlsafe_b64decode(batches[0].signed_head.split(".")[0] + "=="))["kid"]
    assert kid in {k["kid"] for k in services.keys.view().jwks["keys"]}
    assert _verify(services).intact


def test_editing_a_sealed_event_is_detected(services):
    _events(services, 5)
    services.audit.seal_all()
    with services.database.reading() as session:
        third = session.execute(select(AuditEvent.seq).order_by(AuditEvent.seq).offset(2)).scalar()
    with services.database.transaction() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == third).values(details={"n": 99}))
    report = _verify(services)
    assert not report.intact and "were edited, removed or added" in report.problems[0]
    first, last = report.broken_ranges[0]
    assert first <= third <= last


def test_deleting_a_sealed_event_is_detected(services):
    _events(services, 4)
    services.audit.seal_all()
    with services.database.transaction() as session:
        session.execute(text("DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)"))
    report = _verify(services)
    assert not report.intact and "3 found, 4 sealed" in report.problems[0]


def test_moving_an_event_out_of_its_batch_is_detected(services):
    _events(services, 4)
    services.audit.seal_all()
    with services.database.transaction() as session:
        session.execute(text("UPDATE audit_events SET batch = NULL WHERE seq = (SELECT MIN(seq) FROM audit_events)"))
    assert not _verify(services).intact


def test_a_forged_tree_head_is_detected(services):
    _events(services, 3)
    services.audit.seal_all()
    _events(services, 2)
    services.audit.seal_all()
    with services.database.transaction() as session:
        batch = session.execute(select(AuditBatch).order_by(AuditBatch.id.desc()).limit(1)).scalar_one()
        # an attacker rewrites the last batch's events and root, and signs with a key of their own
        from joserfc import jws
        from joserfc.jwk import ECKey
        session.execute(text("DELETE FROM audit_events WHERE batch = :b"), {"b": batch.id})
        fake = ECKey.generate_key("P-256", parameters={"kid": json.loads(
            base64.urlsafe_b64decode(batch.signed_head.split(".")[0] + "=="))["kid"]})
        batch.size, batch.root = 0, merkle.root([]).hex()
        payload = base64.urlsafe_b64decode(batch.signed_head.split(".")[1] + "==")
        body = json.loads(payload)
        body.update(size=0, root=batch.root)
        batch.signed_head = jws.serialize_compact({"alg": "ES256", "kid": fake.kid},
                                                  json.dumps(body, sort_keys=True, separators=(",", ":")).encode(),
                                                  fake)
    report = _verify(services)
    assert not report.intact and any("signed tree head does not verify" in p for p in report.problems)


def test_removing_a_whole_batch_breaks_the_chain(services):
    for _ in range(3):
        _events(services, 2)
        services.audit.seal_all()
    with services.database.transaction() as session:
        session.execute(text("DELETE FROM audit_events WHERE batch = 2"))
        session.execute(text("DELETE FROM audit_batches WHERE id = 2"))
    report = _verify(services)
    assert not report.intact and "batch 2 is missing" in report.problems[0]


def test_an_event_rolled_back_with_its_change_leaves_no_trace(services):
    with pytest.raises(RuntimeError):
        with services.database.transaction() as session:
            record(session, "test.event")
            raise RuntimeError("the change failed")
    assert services.audit.seal_all() == 0 and _verify(services).events == 0


def test_concurrent_writers_take_no_shared_lock_and_every_event_is_sealed(services):
    from concurrent.futures import ThreadPoolExecutor

    def write(n):
        with services.database.transaction() as session:
            record(session, "test.concurrent", n=n)
        if n % 16 == 0:
            services.audit.seal()       # sealing while others write

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(64)))
    services.audit.seal_all()
    report = _verify(services)
    assert report.intact and report.events == 64 and report.unsealed == 0


def test_an_inclusion_proof_leads_from_the_event_to_the_signed_root(services):
    _events(services, 6)
    services.audit.seal_all()
    with services.database.reading() as session:
        rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        proofs = inclusion_proofs(session, [r.seq for r in rows])
        batch = session.execute(select(AuditBatch)).scalar_one()
    for row in rows:
        proof = proofs[row.seq]
        computed = merkle.root_from_path(bytes.fromhex(proof["leaf_hash"]), proof["leaf_index"], proof["tree_size"],
                                         [bytes.fromhex(n) for n in proof["audit_path"]])
        assert computed.hex() == batch.root and proof["signed_tree_head"] == batch.signed_head
