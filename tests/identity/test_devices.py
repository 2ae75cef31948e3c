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
