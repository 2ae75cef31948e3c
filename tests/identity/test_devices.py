"""Device-signed requests: the time in them is a real, recent number."""

from __future__ import annotations

import time

import pytest
from joserfc.jwk import ECKey

from tuaton.errors import BadSignature
from tuaton.identity.devices import sign_request, verify_signed_request


@pytest.fixture(scope="module")
def key() -> ECKey:
    return ECKey.generate_key("P-256")


def test_a_fresh_request_is_accepted(key):
    payload = verify_signed_request(sign_request(key, {"purpose": "inbox", "iat": int(time.time())}),
                                    key.as_dict(private=False), purpose="inbox")
    assert payload["purpose"] == "inbox"


@pytest.mark.parametrize("iat", [float("nan"), float("inf"), True, "now", None, 0])
def test_a_request_whose_time_is_not_a_recent_number_is_refused(key, iat):
    token = sign_request(key, {"purpose": "inbox", "iat": iat})
    with pytest.raises(BadSignature):
        verify_signed_request(token, key.as_dict(private=False), purpose="inbox")


def test_a_request_made_before_the_store_forgot_its_nonces_is_not_taken_again(key, monkeypatch):
    from tuaton.identity.devices import claim_nonce
    from tuaton.storage import ephemeral

    before = ephemeral.MemoryStore()
    payload = {"purpose": "inbox", "iat": int(time.time()), "nonce": "n" * 16}
    claim_nonce(before, "device-1", payload)                    # used once before the restart
    later = time.time() + 10
    monkeypatch.setattr(ephemeral.time, "time", lambda: later)
    restarted = ephemeral.MemoryStore()                         # ten seconds on, its memory gone
    monkeypatch.undo()
    with pytest.raises(BadSignature) as caught:
        claim_nonce(restarted, "device-1", payload)
    assert "restarted" in caught.value.detail_en
    claim_nonce(restarted, "device-1", {**payload, "iat": int(later), "nonce": "m" * 16})   # a new one is fine


def test_a_request_signed_just_before_the_mark_was_written_is_taken(key):
    from tuaton.identity.devices import claim_nonce
    from tuaton.storage.ephemeral import MemoryStore

    store = MemoryStore()                                       # the mark: this second
    claim_nonce(store, "device-1", {"purpose": "inbox", "iat": int(time.time()) - 1, "nonce": "p" * 16})
