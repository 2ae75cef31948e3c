"""The catalogue's file layout: rows in codes or in either language's words are read the same; a
row that breaks the programme office's rules is refused with the column and what to change."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuaton.programme.catalogue import (
    SERVICE_COLUMNS,
    CatalogueRowError,
    ServiceRecord,
    code_of,
    parse_service_row,
    service_cells,
)
from tuaton.programme.synthetic import catalogue

HEADINGS = [c[0] for c in SERVICE_COLUMNS]


def row(**values) -> list[str]:
    base = {"service_code": "DLT-0001", "organisation_code": "DLT", "name_th": "ขอใบอนุญาตขับรถ", "group": "2",
            "is_eservice": "yes", "level": "L1", "platform_status": "not_linked", "development_mode": "link_only"}
    base.update(values)
    return [str(base.get(h, "")) for h in HEADINGS]


def test_a_row_in_thai_words_reads_as_the_same_codes():
    thai_headings = [c[2] for c in SERVICE_COLUMNS]
    record = parse_service_row(thai_headings, row(group="กลุ่ม 1", is_eservice="ใช่", platform="ทางรัฐ",
                                                  platform_status="เชื่อมโยงแล้ว", development_mode="",
                                                  level="L2"))
    assert (record.group, record.platform, record.platform_status, record.level) == (
        "1", "citizen_portal", "linked", "L2")


@pytest.mark.parametrize(("values", "column"), [
    ({"level": "L1", "is_eservice": "no", "development_mode": "develop_and_link"}, "level"),
    ({"group": "1", "platform": "", "platform_status": "linked", "development_mode": ""}, "platform"),
    ({"group": "4", "is_eservice": "no", "level": "", "platform_status": "not_linked", "development_mode": ""},
     "platform_status"),
    ({"group": "3", "development_mode": "link_only", "platform_status": "will_not_link"}, "development_mode"),
    ({"platform": "Facebook"}, "platform"),
    ({"service_code": "bad code!"}, "service_code"),
    ({"name_th": ""}, "name_th"),
    ({"minutes_before": "๑๒"}, "minutes_before"),
    ({"is_eservice": "maybe"}, "is_eservice"),
])
def test_a_row_that_breaks_a_rule_is_refused_naming_the_column(values, column):
    with pytest.raises(CatalogueRowError) as refused:
        parse_service_row(HEADINGS, row(**values))
    assert refused.value.column == column and refused.value.en and refused.value.th


def test_a_file_without_a_required_column_says_which():
    with pytest.raises(CatalogueRowError, match="group"):
        parse_service_row(["service_code", "organisation_code", "name_th"], ["A-1", "A", "ชื่อ"])


@given(st.text(max_size=40))
def test_any_text_is_a_code_or_a_clear_refusal(value):
    try:
        code = code_of("platform", value)
    except CatalogueRowError as exc:
        assert exc.column == "platform" and "is not one of" in exc.en
    else:
        assert code is None or code in ("biz_portal", "citizen_portal", "thai_nsw")


@given(st.sampled_from(catalogue()[1][:400]))
def test_every_synthetic_service_survives_its_own_row(record: ServiceRecord):
    assert parse_service_row(HEADINGS, service_cells(record)) == record
