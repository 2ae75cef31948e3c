"""Fingerprint templates from a station's scanner, and the matcher's decisions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuaton.biometrics.fingerprints import (
    BIFURCATION,
    ENDING,
    HEIGHT,
    WIDTH,
    Minutia,
    MinutiaeMatcher,
    TemplateError,
    encode_template,
    impression,
    parse_template,
    synthetic_template,
)

minutiae = st.builds(Minutia, st.integers(0, WIDTH - 1), st.integers(0, HEIGHT - 1), st.integers(0, 359),
                     st.sampled_from([ENDING, BIFURCATION]))


@given(st.lists(minutiae, min_size=12, max_size=120))
def test_templates_round_trip(points):
    assert parse_template(encode_template(points)) == tuple(points)


@given(st.binary(max_size=400))
def test_any_bytes_either_parse_or_are_refused_with_a_reason(raw):
    try:
        parsed = parse_template(raw)
    except TemplateError as exc:
        assert str(exc)
    else:
        assert 12 <= len(parsed) <= 120


@pytest.mark.parametrize("raw, words", [
    (b"ISO\x00" + bytes(60), "TTFP"),
    (b"TTFP\x02\x0c" + bytes(84), "version"),
    (b"TTFP\x01\x0c" + bytes(10), "holds"),
    (encode_template([Minutia(1, 1, 1, ENDING)] * 12)[:6] + bytes(7 * 12), "out of range"),
])
def test_bad_templates_say_what_is_wrong(raw, words):
    with pytest.raises(TemplateError, match=words):
        parse_template(raw)


def test_too_few_minutiae_is_a_poor_impression():
    raw = b"TTFP\x01\x05" + b"".join(bytes([0, 10, 0, 10, 0, 10, 1]) for _ in range(5))
    with pytest.raises(TemplateError, match="too poor"):
        parse_template(raw)


def test_the_same_finger_matches_and_other_fingers_do_not():
    matcher = MinutiaeMatcher(threshold=0.4)
    genuine = [matcher.score(impression(synthetic_template(f"c{i}"), i), synthetic_template(f"c{i}"))
               for i in range(20)]
    impostor = [matcher.score(impression(synthetic_template(f"o{i}"), i), synthetic_template(f"c{i}"))
                for i in range(20)]
    assert min(genuine) >= matcher.threshold > max(impostor)


def test_the_two_index_fingers_of_one_citizen_differ():
    matcher = MinutiaeMatcher()
    right, left = synthetic_template("1101700207030", "right_index"), synthetic_template("1101700207030", "left_index")
    assert matcher.score(impression(left, 1), right) < matcher.threshold
