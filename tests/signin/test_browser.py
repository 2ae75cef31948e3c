"""What the app is told about the browser that started a sign-in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuaton.signin.browser import DEVICE_KINDS, describe, device_kind, new_number


@pytest.mark.parametrize(("user_agent", "kind"), [
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", "iphone"),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 Chrome/131.0 Mobile", "android"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0", "windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15", "mac"),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 Chrome/131.0", "chromeos"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "linux"),
    ("curl/8.5.0", "unknown"), (None, "unknown"), ("", "unknown"),
])
def test_the_kind_of_device_is_read_coarsely(user_agent, kind):
    assert device_kind(user_agent) == kind


@given(st.text(max_size=300))
def test_any_user_agent_gives_a_known_kind_with_both_labels(user_agent):
    described = describe(device_kind(user_agent))
    assert described["kind"] in DEVICE_KINDS and described["label_th"] and described["label_en"]


def test_the_number_is_one_of_three_different_two_digit_choices():
    for _ in range(200):
        number, choices = new_number()
        assert number in choices and len(set(choices)) == 3 and list(choices) == sorted(choices)
        assert all(len(c) == 2 and c.isdigit() and c[0] != "0" for c in choices)
