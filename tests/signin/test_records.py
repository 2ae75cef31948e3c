"""The QR sign-in's store records survive the store (JSON) unchanged."""

from __future__ import annotations

import orjson
from hypothesis import given
from hypothesis import strategies as st

from tuaton.oidc.authorization import PROMPTS, AuthorizationRequest
from tuaton.signin.records import SigninDecision, SigninRecord

text = st.text(max_size=40)
words = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.", min_size=1, max_size=12), max_size=4).map(tuple)
requests = st.builds(
    AuthorizationRequest, text, text, words, st.none() | text, st.none() | text, st.none() | text,
    st.none() | st.just("S256"), st.frozensets(st.sampled_from(sorted(PROMPTS))), st.none() | st.integers(0, 10**6),
    st.lists(st.sampled_from(["th", "en"]), max_size=2).map(tuple),
    st.none() | st.from_regex(r"\d{13}", fullmatch=True), words)
records = st.builds(SigninRecord, requests, text, text, text, st.integers(0, 2**40),
                    st.none() | st.floats(min_value=0, max_value=2**40, allow_nan=False))


@given(records)
def test_a_sign_in_reads_back_equal(record):
    assert SigninRecord.from_store(orjson.loads(orjson.dumps(record.to_store()))) == record


@given(st.sampled_from(["approved", "denied"]), text)
def test_a_decision_reads_back_equal(status, redirect_to):
    decision = SigninDecision(status, redirect_to)
    assert SigninDecision.from_store(orjson.loads(orjson.dumps(decision.to_store()))) == decision


def test_a_sign_in_written_before_started_at_was_kept_still_reads():
    stored = SigninRecord(AuthorizationRequest("c", "https://a.example/cb", ("openid",)), "ABC234", "ch", "h",
                          100, 40.0).to_store()
    del stored["started_at"]
    assert SigninRecord.from_store(stored).started_at is None
