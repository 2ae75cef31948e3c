"""The card-status check, as DOPA offers it to agencies.

Given the citizen ID, names, birth date and the laser code on the card's back, answer one of
valid / mismatch / expired / revoked / not_found. The answer never says which field was wrong:
an anonymous caller must not be able to probe the registry field by field.
"""

from __future__ import annotations

import datetime as dt
import enum
import unicodedata
from dataclasses import dataclass

from tuaton.registry import citizen_id
from tuaton.registry.models import CardState, LifeStatus
from tuaton.registry.records import Registry


class CardStatus(enum.StrEnum):
    VALID = "valid"
    MISMATCH = "mismatch"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NOT_FOUND = "not_found"


#: The proofing refusal reason (``ProofingRefused.REASONS``) for each answer but ``valid``.
REFUSAL_REASON = {CardStatus.MISMATCH: "data_mismatch", CardStatus.EXPIRED: "card_expired",
                  CardStatus.REVOKED: "card_revoked", CardStatus.NOT_FOUND: "card_not_found"}


@dataclass(frozen=True)
class CardQuery:
    pid: str
    given_name_th: str
    family_name_th: str
    birth_date: dt.date
    laser_code: str


def normalize_laser_code(raw: str) -> str:
    """``jt0 1234567 89`` / ``JT012345678 9`` → ``JT0-1234567-89``; raises ValueError if not one."""
    compact = "".join(ch for ch in raw.upper() if ch.isalnum())
    if len(compact) != 12 or not (compact[:2].isalpha() and compact[:2].isascii()
                                  and compact[2:].isdigit() and compact[2:].isascii()):
        raise ValueError("a laser code is 2 letters and 10 digits, e.g. JT0-1234567-89")
    return f"{compact[:3]}-{compact[3:10]}-{compact[10:]}"


def _same_name(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFC", s).split())
    return norm(a) == norm(b)


def check_card(registry: Registry, query: CardQuery, today: dt.date | None = None) -> CardStatus:
    today = today or dt.date.today()
    try:
        pid = citizen_id.normalize(query.pid)
        laser = normalize_laser_code(query.laser_code)
    except ValueError:
        return CardStatus.MISMATCH
    citizen = registry.citizen(pid)
    card = registry.current_card(pid)
    if citizen is None or card is None:
        return CardStatus.NOT_FOUND
    matches = (
        card.laser_code == laser
        and _same_name(citizen.given_name_th, query.given_name_th)
        and _same_name(citizen.family_name_th, query.family_name_th)
        and citizen.birth_date == query.birth_date
    )
    if not matches:
        return CardStatus.MISMATCH
    if citizen.life_status != LifeStatus.ALIVE:
        return CardStatus.REVOKED
    state = card.effective_state(today)
    if state in (CardState.LOST, CardState.REVOKED):
        return CardStatus.REVOKED
    if state == CardState.EXPIRED:
        return CardStatus.EXPIRED
    return CardStatus.VALID
