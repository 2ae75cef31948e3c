"""The 13-digit Thai citizen identification number and its mod-11 check digit.

Digit 13 is ``(11 - (Σ d_i × (14 - i) for i = 1..12) mod 11) mod 10``.
"""

from __future__ import annotations

_WEIGHTS = tuple(range(13, 1, -1))


class InvalidCitizenId(ValueError):
    """Not 13 digits, or the check digit does not match."""


def check_digit(first_twelve: str) -> int:
    if len(first_twelve) != 12 or not first_twelve.isascii() or not first_twelve.isdigit():
        raise InvalidCitizenId("the first part of a citizen ID is 12 digits")
    total = sum(map(int.__mul__, map(int, first_twelve), _WEIGHTS))
    return (11 - total % 11) % 10


def normalize(raw: str) -> str:
    """Accept the printed forms ``1-2345-67890-12-1`` and ``1 2345 67890 12 1``; return 13 digits."""
    digits = raw.strip().replace("-", "").replace(" ", "")
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
        raise InvalidCitizenId("a citizen ID is 13 digits")
    if digits[0] == "0":
        raise InvalidCitizenId("a citizen ID never starts with 0")
    if check_digit(digits[:12]) != int(digits[12]):
        raise InvalidCitizenId("the check digit (the 13th digit) does not match")
    return digits


def is_valid(raw: str) -> bool:
    try:
        normalize(raw)
    except InvalidCitizenId:
        return False
    return True


def with_check_digit(first_twelve: str) -> str:
    return first_twelve + str(check_digit(first_twelve))


def formatted(pid: str) -> str:
    """The printed form: ``1-2345-67890-12-1``."""
    return f"{pid[0]}-{pid[1:5]}-{pid[5:10]}-{pid[10:12]}-{pid[12]}"


def masked(pid: str) -> str:
    """The form shown to citizens on screens: ``1-xxxx-xxxxx-12-1`` (the printed groups, the middle
    hidden). One mask everywhere: the portals (Jinja filter ``masked_pid``) and the app (app.js writes
    the same); the demo meeting, an agency's app that imports nothing of Tuaton's, writes it too."""
    return f"{pid[0]}-xxxx-xxxxx-{pid[10:12]}-{pid[12]}"
