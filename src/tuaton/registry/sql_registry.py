"""The default registry: the ``citizens`` and ``id_cards`` tables in Tuaton's own database."""

from __future__ import annotations

from sqlalchemy import bindparam, select, text

from tuaton.registry.models import Citizen, IdCard
from tuaton.registry.records import Address, CardRecord, CitizenRecord
from tuaton.storage.db import Database

_CITIZENS = Citizen.__table__
_CARDS = IdCard.__table__
_CITIZEN_BY_PID = select(_CITIZENS).where(_CITIZENS.c.pid == bindparam("pid"))
_CURRENT_CARD = (select(_CARDS).where(_CARDS.c.pid == bindparam("pid")).order_by(_CARDS.c.issued_on.desc())
                 .limit(1))


def to_record(row) -> CitizenRecord:
    """A citizen from a ``citizens`` row (an ORM ``Citizen`` or a Core row: the same names)."""
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

    # Core, not the ORM: every token and refresh reads a citizen.
    def citizen(self, pid: str) -> CitizenRecord | None:
        with self._db.read_connection() as connection:
            row = connection.execute(_CITIZEN_BY_PID, {"pid": pid}).first()
        return None if row is None else to_record(row)

    def current_card(self, pid: str) -> CardRecord | None:
        with self._db.read_connection() as connection:
            row = connection.execute(_CURRENT_CARD, {"pid": pid}).first()
        if row is None:
            return None
        return CardRecord(pid=row.pid, laser_code=row.laser_code, issued_on=row.issued_on,
                          expires_on=row.expires_on, state=row.state)

    def population(self) -> int:
        """PostgreSQL's own row estimate (kept by ANALYZE; counting 60 million rows takes seconds),
        or a count where there is no estimate yet and on SQLite."""
        with self._db.read_connection() as connection:
            if connection.dialect.name == "postgresql":
                estimate = connection.execute(text(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = 'citizens'::regclass")).scalar()
                if estimate and estimate > 0:
                    return int(estimate)
            return int(connection.execute(text("SELECT count(*) FROM citizens")).scalar())
