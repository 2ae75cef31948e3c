"""The default registry: the ``citizens`` and ``id_cards`` tables in Tuaton's own database."""

from __future__ import annotations

from sqlalchemy import select

from tuaton.registry.models import Citizen, IdCard
from tuaton.registry.records import Address, CardRecord, CitizenRecord
from tuaton.storage.db import Database


def to_record(row: Citizen) -> CitizenRecord:
    return CitizenRecord(
        pid=row.pid, title_th=row.title_th, title_en=row.title_en,
        given_name_th=row.given_name_th, middle_name_th=row.middle_name_th,
        family_name_th=row.family_name_th, given_name_en=row.given_name_en,
        middle_name_en=row.middle_name_en, family_name_en=row.family_name_en,
        birth_date=row.birth_date, sex=row.sex, life_status=row.life_status,
        address=Address(
            house_no=row.house_no, moo=row.moo, soi=row.soi, road=row.road,
            subdistrict_th=row.subdistrict_th, subdistrict_en=row.subdistrict_en,
            district_th=row.district_th, district_en=row.district_en,
            province_th=row.province_th, province_en=row.province_en, postcode=row.postcode,
        ),
    )


class SqlRegistry:
    def __init__(self, database: Database) -> None:
        self._db = database

    def citizen(self, pid: str) -> CitizenRecord | None:
        with self._db.reading() as session:
            row = session.get(Citizen, pid)
            return None if row is None else to_record(row)

    def current_card(self, pid: str) -> CardRecord | None:
        with self._db.reading() as session:
            row = session.execute(
                select(IdCard).where(IdCard.pid == pid).order_by(IdCard.issued_on.desc()).limit(1)
            ).scalar_one_or_none()
            if row is None:
                return None
            return CardRecord(pid=row.pid, laser_code=row.laser_code, issued_on=row.issued_on,
                              expires_on=row.expires_on, state=row.state)
