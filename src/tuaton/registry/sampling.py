"""Test personas: citizens who can enrol (alive, with a current card)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tuaton.registry.models import CardState, Citizen, IdCard, LifeStatus
from tuaton.storage.db import Database


def sample_personas(database: Database, count: int, today: dt.date | None = None) -> list[dict]:
    today = today or dt.date.today()
    with database.reading() as session:
        rows = session.execute(
            select(Citizen, IdCard).join(IdCard, IdCard.pid == Citizen.pid)
            .where(Citizen.life_status == LifeStatus.ALIVE, IdCard.state == CardState.ACTIVE,
                   IdCard.expires_on > today, Citizen.birth_date < dt.date(today.year - 20, 1, 1))
            .order_by(Citizen.pid).limit(count)
        ).all()
    return [persona(c, k) for c, k in rows]


def persona(citizen: Citizen, card: IdCard) -> dict:
    return {
        "pid": citizen.pid, "title_th": citizen.title_th, "given_name_th": citizen.given_name_th,
        "family_name_th": citizen.family_name_th, "title_en": citizen.title_en,
        "given_name_en": citizen.given_name_en, "family_name_en": citizen.family_name_en,
        "birth_date": citizen.birth_date.isoformat(), "laser_code": card.laser_code,
        "card_expires_on": card.expires_on.isoformat(),
    }
