import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuaton.registry.card_status import CardQuery, CardStatus, check_card, normalize_laser_code
from tuaton.registry.models import CardState, LifeStatus
from tuaton.registry.records import CardRecord


def _query(persona: dict, **changes) -> CardQuery:
    query = CardQuery(pid=persona["pid"], given_name_th=persona["given_name_th"],
                      family_name_th=persona["family_name_th"],
                      birth_date=dt.date.fromisoformat(persona["birth_date"]), laser_code=persona["laser_code"])
    return dataclasses.replace(query, **changes)


def test_matching_card_is_valid(services, persona):
    assert check_card(services.registry, _query(persona)) == CardStatus.VALID


def test_printed_laser_code_forms_are_accepted(services, persona):
    spaced = persona["laser_code"].replace("-", " ").lower()
    assert check_card(services.registry, _query(persona, laser_code=spaced)) == CardStatus.VALID


@pytest.mark.parametrize("field,value", [
    ("given_name_th", "ผิดชื่อ"), ("family_name_th", "ผิดนามสกุล"), ("birth_date", dt.date(1901, 1, 1)),
    ("laser_code", "ZZ9-9999999-99"),
])
def test_any_wrong_field_answers_mismatch_without_naming_it(services, persona, field, value):
    # An anonymous caller must not learn which field was wrong: one answer for all.
    assert check_card(services.registry, _query(persona, **{field: value})) == CardStatus.MISMATCH


def test_unknown_citizen_is_not_found(services, persona):
    from tuaton.registry.citizen_id import with_check_digit
    assert check_card(services.registry, _query(persona, pid=with_check_digit("899999999999"))) \
        == CardStatus.NOT_FOUND


def test_malformed_id_is_a_mismatch_not_an_error(services, persona):
    assert check_card(services.registry, _query(persona, pid="1234")) == CardStatus.MISMATCH


class _FixedRegistry:
    def __init__(self, real, card: CardRecord, life: LifeStatus = LifeStatus.ALIVE):
        self._real, self._card, self._life = real, card, life

    def citizen(self, pid):
        return dataclasses.replace(self._real.citizen(pid), life_status=self._life)

    def current_card(self, pid):
        return self._card


@pytest.mark.parametrize("state,expires,expected", [
    (CardState.ACTIVE, dt.date(2020, 1, 1), CardStatus.EXPIRED),
    (CardState.EXPIRED, dt.date(2020, 1, 1), CardStatus.EXPIRED),
    (CardState.LOST, dt.date(2099, 1, 1), CardStatus.REVOKED),
    (CardState.REVOKED, dt.date(2099, 1, 1), CardStatus.REVOKED),
])
def test_card_state_is_reported_once_the_data_match(services, persona, state, expires, expected):
    real = services.registry.current_card(persona["pid"])
    registry = _FixedRegistry(services.registry, dataclasses.replace(real, state=state, expires_on=expires))
    assert check_card(registry, _query(persona)) == expected


def test_deceased_citizens_card_is_revoked(services, persona):
    registry = _FixedRegistry(services.registry, services.registry.current_card(persona["pid"]),
                              LifeStatus.DECEASED)
    assert check_card(registry, _query(persona)) == CardStatus.REVOKED


@given(st.text(max_size=20))
def test_laser_code_normalizer_returns_canonical_form_or_refuses(raw):
    try:
        code = normalize_laser_code(raw)
    except ValueError:
        return
    assert len(code) == 14 and code[3] == "-" and code[11] == "-"
    assert code[:2].isalpha() and code[:2].isupper() and code.replace("-", "")[2:].isdigit()
    assert normalize_laser_code(code) == code
