from hypothesis import given
from hypothesis import strategies as st

from tuaton.registry import citizen_id
from tuaton.registry.citizen_id import InvalidCitizenId, check_digit, formatted, normalize, with_check_digit

twelve_digits = st.text(alphabet="0123456789", min_size=12, max_size=12).filter(lambda s: s[0] != "0")


def test_known_citizen_id_has_valid_check_digit():
    # 1·13 + 1·12 + 0·11 + 1·10 + 7·9 + 0·8 + 0·7 + 2·6 + 3·5 + 0·4 + 7·3 + 0·2 = 146;
    # 146 mod 11 = 3; 11 − 3 = 8.
    assert check_digit("110170023070") == 8
    assert citizen_id.is_valid("1101700230708")
    assert not citizen_id.is_valid("1101700230705")


@given(twelve_digits)
def test_every_id_made_with_its_check_digit_is_valid(first_twelve):
    assert citizen_id.is_valid(with_check_digit(first_twelve))


@given(twelve_digits, st.integers(min_value=1, max_value=9))
def test_a_wrong_check_digit_is_refused(first_twelve, shift):
    pid = with_check_digit(first_twelve)
    wrong = pid[:12] + str((int(pid[12]) + shift) % 10)
    assert not citizen_id.is_valid(wrong)


@given(twelve_digits)
def test_printed_form_round_trips(first_twelve):
    pid = with_check_digit(first_twelve)
    assert normalize(formatted(pid)) == pid
    assert normalize(" " + formatted(pid).replace("-", " ") + " ") == pid


@given(st.text(max_size=20))
def test_normalize_accepts_only_valid_ids(raw):
    try:
        pid = normalize(raw)
    except InvalidCitizenId:
        return
    assert len(pid) == 13 and pid.isdigit() and check_digit(pid[:12]) == int(pid[12])


def test_non_ascii_digits_are_refused():
    thai_digits = "๑๑๐๑๗๐๐๒๓๐๗๐๕"
    assert not citizen_id.is_valid(thai_digits)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_the_mask_shows_the_printed_groups_with_the_middle_hidden(first_twelve):
    pid = with_check_digit(first_twelve)
    shown = citizen_id.masked(pid)
    assert shown == f"{pid[0]}-xxxx-xxxxx-{pid[10:12]}-{pid[12]}"
    assert pid[1:10] not in shown.replace("-", "") and len(shown) == len(formatted(pid))
