"""What every page shares: how moments are written."""

from __future__ import annotations


def test_a_moment_is_shown_in_thai_time_with_the_buddhist_year_to_thai_readers():
    from tuaton.web_support import TEMPLATES

    template = TEMPLATES.env.from_string("{{ at | when }}")
    at = "2026-12-06T20:30:00+00:00"                      # 03:30 on 7 December in Bangkok
    assert template.render(lang="th", at=at) == "7 ธ.ค. 2569 03:30"
    assert template.render(lang="en", at=at) == "7 Dec 2026 03:30"
