"""The OP's store records survive the store (JSON) unchanged, and records an older process wrote
are still read."""

from __future__ import annotations

import orjson
from hypothesis import given
from hypothesis import strategies as st

from tuaton.oidc.records import (
    AccessToken,
    ApprovedSignin,
    AuthorizationCode,
    BackchannelRequest,
    BackchannelTransaction,
    TokenBasis,
)

text = st.text(max_size=40)
words = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12), max_size=5).map(tuple)
stamp = st.integers(min_value=0, max_value=2**40)
seconds = st.floats(min_value=0, max_value=2**40, allow_nan=False)

approved = st.builds(ApprovedSignin, text, text, text, text, stamp, text, words,
                     st.none() | st.floats(min_value=0, max_value=600, allow_nan=False))
basis = st.builds(TokenBasis, text, text, text, text, stamp, text, words)
codes = st.builds(AuthorizationCode, basis, text, text, words, st.none() | text, st.none() | text)
claims = st.none() | st.dictionaries(text, st.none() | text | st.integers(-2**50, 2**50) | st.booleans(), max_size=6)
access_tokens = st.builds(AccessToken, text, text, text, text, text, text, words, stamp, stamp, claims)
backchannel_requests = st.builds(BackchannelRequest, text, words, text, st.none() | text, st.none() | text,
                                 st.none() | st.integers(30, 600), words)
transactions = st.builds(BackchannelTransaction, backchannel_requests, text, seconds, seconds, st.integers(1, 60),
                         st.sampled_from(["pending", "approved", "denied"]), seconds, st.none() | text,
                         st.none() | text, st.none() | approved)


def through_the_store(value: dict) -> dict:
    """What the store gives back: the record as JSON, read again."""
    return orjson.loads(orjson.dumps(value))


@given(approved)
def test_an_approved_sign_in_reads_back_equal(record):
    assert ApprovedSignin.from_store(through_the_store(record.to_store())) == record


@given(codes)
def test_an_authorization_code_reads_back_equal(record):
    assert AuthorizationCode.from_store(through_the_store(record.to_store())) == record


@given(access_tokens)
def test_an_access_token_reads_back_equal(record):
    assert AccessToken.from_store(through_the_store(record.to_store())) == record


@given(transactions)
def test_a_backchannel_transaction_reads_back_equal(record):
    assert BackchannelTransaction.from_store(through_the_store(record.to_store())) == record


def test_an_access_token_written_before_claims_were_kept_still_reads():
    older = {"grant_id": "g", "client_id": "c", "identity_id": "i", "pid": "1101700203451", "ial": "2.3",
             "sub": "s", "scopes": ["openid", "pid"], "iat": 1, "exp": 2}
    token = AccessToken.from_store(older)
    assert token.claims is None and token.scopes == ("openid", "pid")


def test_a_pending_backchannel_transaction_keeps_no_outcome():
    request = BackchannelRequest("c", ("openid",), "hint", None, None, None, ())
    stored = BackchannelTransaction(request, "i", 1.0, 61.0, 5).to_store()
    assert stored["status"] == "pending"
    assert not {"approved", "grant_id", "reason"} & stored.keys()
