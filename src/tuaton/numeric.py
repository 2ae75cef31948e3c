"""Numbers from outside, read strictly: JWT times (RFC 7519 NumericDate) and digit strings.

``float("nan")`` compares false with everything, so ``exp < now`` never refuses it; ``True`` is an
``int`` in Python; ``"٣٠".isdigit()`` is true and ``int("٣٠") == 30``. Every time claim and every
number typed as text goes through here.
"""

from __future__ import annotations

import math


def numeric_date(value: object) -> int | None:
    """A JWT time claim as whole seconds, or None if it is not a finite number (booleans,
    strings, NaN and infinities are not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    return None


def ascii_digits(text: str, *, max_length: int = 18) -> int | None:
    """``text`` as a non-negative integer when it is only the ASCII digits 0–9, else None."""
    if not text or len(text) > max_length or not text.isascii() or not text.isdigit():
        return None
    return int(text)
