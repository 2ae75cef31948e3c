"""Assurance levels: parsing acr_values and deciding whether a citizen meets an agency's minimum."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tuaton.assurance import (
    AAL_LEVELS,
    IAL_LEVELS,
    acr_for,
    meets,
    parse_requirement,
    supported_acr_values,
)


def test_acr_names_both_levels():
    assert acr_for("2.1") == "urn:tuaton:ial:2.1:aal:2.2"


def test_a_minimum_ial_is_met_by_higher_levels_only():
    assert meets(("urn:tuaton:ial:2.1",), "2.1")
    assert meets(("urn:tuaton:ial:2.1",), "3")
    assert not meets(("urn:tuaton:ial:2.1",), "1.2")
    assert not meets(("urn:tuaton:ial:2.3:aal:2.2",), "2.1")


def test_any_listed_value_is_enough():
    assert meets(("urn:tuaton:ial:3", "urn:tuaton:ial:1.2"), "1.2")


def test_an_aal_above_what_sign_in_gives_is_not_met():
    assert not meets(("urn:tuaton:aal:3",), "3")


def test_unknown_values_are_not_requirements():
    assert meets(("urn:mace:incommon:iap:silver",), "1.2")
    assert meets((), "1.2")


def test_every_advertised_value_parses():
    assert all(parse_requirement(value) for value in supported_acr_values())


@given(st.text(max_size=40))
def test_parser_never_crashes_and_accepts_only_known_levels(value):
    requirement = parse_requirement(value)
    if requirement is not None:
        assert requirement.ial in (None, *IAL_LEVELS) and requirement.aal in (None, *AAL_LEVELS)
        assert requirement.ial or requirement.aal


@given(st.sampled_from(IAL_LEVELS), st.sampled_from(IAL_LEVELS))
def test_minimum_is_monotonic(required, held):
    assert meets((f"urn:tuaton:ial:{required}",), held) == (IAL_LEVELS.index(held) >= IAL_LEVELS.index(required))
