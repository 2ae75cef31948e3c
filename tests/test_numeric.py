"""Numbers from outside are read strictly (JWT times, digit strings)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from tuaton.numeric import ascii_digits, numeric_date


@given(st.integers(min_value=-(2**62), max_value=2**62))
def test_whole_seconds_are_times(value):
    assert numeric_date(value) == value


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_float_is_a_time_only_when_finite(value):
    assert (numeric_date(value) is None) == (not math.isfinite(value))


@given(st.one_of(st.booleans(), st.text(), st.none(), st.lists(st.integers()),
                 st.dictionaries(st.text(), st.integers())))
def test_anything_else_is_not_a_time(value):
    assert numeric_date(value) is None


@given(st.text(max_size=20))
def test_only_ascii_digits_are_a_number(text):
    parsed = ascii_digits(text)
    if text and len(text) <= 18 and all("0" <= c <= "9" for c in text):
        assert parsed == int(text)
    else:
        assert parsed is None


def test_other_scripts_digits_are_not_numbers():
    assert ascii_digits("٣٠") is None and ascii_digits("๓๐") is None and ascii_digits("３０") is None
