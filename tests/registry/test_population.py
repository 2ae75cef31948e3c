import datetime as dt

from sqlalchemy import func, select

from tuaton.registry import citizen_id
from tuaton.registry.models import Citizen, IdCard
from tuaton.registry.population import blocks, citizen_rows, subdistricts
from tuaton.registry.seeding import population_size, seed_population


def test_generated_citizens_have_valid_unique_ids_and_real_places():
    citizens, cards = next(blocks(0, 3000))
    pids = [c["pid"] for c in citizens]
    assert len(set(pids)) == len(pids)
    assert all(citizen_id.is_valid(p) for p in pids)
    assert len({k["laser_code"] for k in cards}) == len(cards)
    codes = {s.code: s for s in subdistricts()}
    for c in citizens[:200]:
        place = codes[c["subdistrict_code"]]
        assert (c["province_th"], c["district_th"], c["postcode"]) == (place.province_th, place.district_th,
                                                                       place.postcode)


def test_generated_population_is_plausible():
    citizens, cards = next(blocks(0, 4000))
    today = dt.date(2026, 11, 1)
    ages = [(today - c["birth_date"]).days // 365 for c in citizens]
    assert min(ages) >= 7 and max(ages) <= 92
    assert 0.4 < sum(c["sex"] == "MALE" for c in citizens) / len(citizens) < 0.6
    assert len({c["province_en"] for c in citizens}) > 60
    assert all(k["issued_on"] <= today and k["expires_on"] > k["issued_on"] for k in cards)
    children = [c for c, a in zip(citizens, ages, strict=True) if a < 15]
    assert children and all(c["title_th"] in ("เด็กชาย", "เด็กหญิง") for c in children)


def test_citizen_is_the_same_whichever_batch_makes_it():
    whole = next(blocks(0, 100))[0]
    assert citizen_rows(57)[0] == whole[57]
    assert next(blocks(57, 58))[0][0] == whole[57]


def test_seeding_is_idempotent_and_extends(database):
    before = population_size(database)
    assert seed_population(database, before, processes=1) == 0
    added = seed_population(database, before + 25, processes=1)
    assert added == 25
    assert population_size(database) == before + 25
    with database.reading() as session:
        assert session.execute(select(func.count()).select_from(IdCard)).scalar_one() == before + 25
        assert session.execute(select(func.count()).select_from(Citizen)).scalar_one() == before + 25
