"""The 8-digit passcode: policy (seed 002) and how the server keeps and checks it.

Policy: exactly 8 digits; no 4 consecutive ascending or descending digits (1234, 9876); no digit
4 times in a row (1111); not the citizen's birth date, written day-month-year or year-month-day in
the Gregorian or the Buddhist era (17051990, 17052533, 19900517, 25330517).
"""

from __future__ import annotations

import datetime as dt
import enum

from tuaton.errors import PasscodeRejected

RUN = 4
BUDDHIST_ERA_OFFSET = 543


class PasscodeRule(enum.StrEnum):
    NOT_EIGHT_DIGITS = "not_eight_digits"
    SEQUENCE = "sequence"
    REPEATED = "repeated"
    BIRTH_DATE = "birth_date"
    CONFIRMATION_DIFFERS = "confirmation_differs"
    UNCHANGED = "unchanged"


MESSAGES = {
    PasscodeRule.NOT_EIGHT_DIGITS: ("The passcode must be exactly 8 digits (0-9).",
                                    "รหัสผ่านต้องเป็นตัวเลข 8 หลักเท่านั้น"),
    PasscodeRule.SEQUENCE: ("The passcode must not contain 4 digits in sequence, such as 1234 or 9876.",
                            "รหัสผ่านต้องไม่มีตัวเลขเรียงกัน 4 ตัว เช่น 1234 หรือ 9876"),
    PasscodeRule.REPEATED: ("The passcode must not repeat one digit 4 times in a row, such as 1111.",
                            "รหัสผ่านต้องไม่มีตัวเลขซ้ำกัน 4 ตัวติดกัน เช่น 1111"),
    PasscodeRule.BIRTH_DATE: ("The passcode must not be your birth date.",
                              "รหัสผ่านต้องไม่ใช่วันเกิดของท่าน"),
    PasscodeRule.CONFIRMATION_DIFFERS: ("The two passcodes entered are not the same.",
                                        "รหัสผ่านที่ใส่ทั้งสองครั้งไม่ตรงกัน"),
    PasscodeRule.UNCHANGED: ("The new passcode is the same as the current one; choose another.",
                             "รหัสผ่านใหม่ต้องไม่ซ้ำกับรหัสผ่านเดิม"),
}


def birth_date_forms(born: dt.date) -> set[str]:
    forms = set()
    for year in (born.year, born.year + BUDDHIST_ERA_OFFSET):
        forms.add(f"{born.day:02d}{born.month:02d}{year:04d}")
        forms.add(f"{year:04d}{born.month:02d}{born.day:02d}")
    return forms


def broken_rule(passcode: str, birth_date: dt.date | None = None) -> PasscodeRule | None:
    """The first rule ``passcode`` breaks, or None when it is acceptable."""
    if len(passcode) != 8 or not passcode.isascii() or not passcode.isdigit():
        return PasscodeRule.NOT_EIGHT_DIGITS
    digits = [int(d) for d in passcode]
    windows = [{digits[j + 1] - digits[j] for j in range(i, i + RUN - 1)} for i in range(len(digits) - RUN + 1)]
    if {1} in windows or {-1} in windows:
        return PasscodeRule.SEQUENCE
    if {0} in windows:
        return PasscodeRule.REPEATED
    if birth_date is not None and passcode in birth_date_forms(birth_date):
        return PasscodeRule.BIRTH_DATE
    return None


def check_new_passcode(passcode: str, confirmation: str, birth_date: dt.date | None,
                       current: str | None = None) -> None:
    """Raise :class:`PasscodeRejected` with the rule and a bilingual message, or return.
    ``current``: when changing, the passcode being replaced (the new one must differ)."""
    rule = broken_rule(passcode, birth_date)
    if rule is None and passcode != confirmation:
        rule = PasscodeRule.CONFIRMATION_DIFFERS
    if rule is None and current is not None and passcode == current:
        rule = PasscodeRule.UNCHANGED
    if rule is not None:
        en, th = MESSAGES[rule]
        raise PasscodeRejected(en, th, rule=rule.value)


