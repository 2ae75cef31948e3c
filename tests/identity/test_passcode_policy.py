import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuaton.errors import PasscodeRejected
from tuaton.identity.passcode import PasscodeRule, broken_rule, check_new_passcode
from tuaton.identity.passcode_verifier import Argon2Verifier

eight_digits = st.text(alphabet="0123456789", min_size=8, max_size=8)


def _has_run(code: str, step: int) -> bool:
    return any(all(int(code[j + 1]) - int(code[j]) == step for j in range(i, i + 3)) for i in range(5))


@given(eight_digits)
def test_policy_matches_its_definition(code):
    rule = broken_rule(code)
    if _has_run(code, 1) or _has_run(code, -1):
        assert rule == PasscodeRule.SEQUENCE
    elif _has_run(code, 0):
        assert rule == PasscodeRule.REPEATED
    else:
        assert rule is None


@pytest.mark.parametrize("code", ["12345678", "00001234", "98760000", "55123456", "09876543"])
def test_four_digits_in_sequence_are_refused(code):
    assert broken_rule(code) == PasscodeRule.SEQUENCE


@pytest.mark.parametrize("code", ["11115927", "50999975", "27777092", "60388880"])
def test_a_digit_four_times_in_a_row_is_refused(code):
    assert broken_rule(code) == PasscodeRule.REPEATED


@pytest.mark.parametrize("code", ["1234567", "123456789", "5073826a", "๕๐๗๓๘๒๖๑", "", " 50738261"])
def test_anything_but_eight_ascii_digits_is_refused(code):
    assert broken_rule(code) == PasscodeRule.NOT_EIGHT_DIGITS


@pytest.mark.parametrize("code", ["17051990", "19900517", "17052533", "25330517"])
def test_birth_date_in_any_common_form_is_refused(code):
    assert broken_rule(code, dt.date(1990, 5, 17)) == PasscodeRule.BIRTH_DATE


def test_a_good_passcode_passes():
    assert broken_rule("50738261", dt.date(1990, 5, 17)) is None


def test_confirmation_must_match_and_messages_are_bilingual():
    with pytest.raises(PasscodeRejected) as caught:
        check_new_passcode("50738261", "50738262", None)
    assert caught.value.extra["rule"] == "confirmation_differs"
    assert "not the same" in caught.value.detail_en and "ไม่ตรงกัน" in caught.value.detail_th


def test_hasher_uses_argon2id_and_verifies_only_the_right_passcode():
    hasher = Argon2Verifier(1, 1024, 1)
    stored = hasher.hash("50738261")
    assert stored.startswith("$argon2id$") and "50738261" not in stored
    assert hasher.verify(stored, "50738261")
    assert not hasher.verify(stored, "50738262")
    assert not hasher.verify("not-a-hash", "50738261")
