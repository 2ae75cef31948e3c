"""The pages anyone may read: the terms of use, the privacy notice, and what every page carries."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path,heading_th,heading_en", [
    ("/terms", "ข้อกำหนดการใช้บริการตัวตนดิจิทัล", "Terms of use of the digital identity"),
    ("/privacy", "ประกาศความเป็นส่วนตัว", "Privacy notice")])
def test_the_terms_and_privacy_notice_are_there_in_thai_and_english(http, path, heading_th, heading_en):
    thai, english = http.get(path, params={"lang": "th"}), http.get(path, params={"lang": "en"})
    assert thai.status_code == english.status_code == 200
    assert heading_th in thai.text and heading_en in english.text
    assert "PDPA" in http.get("/privacy").text


def test_every_page_says_it_is_an_official_service_and_links_the_terms(http):
    for path in ("/", "/lost-phone", "/terms"):
        text = http.get(path, params={"lang": "th"}).text
        assert 'id="official-banner"' in text and "บริการอย่างเป็นทางการของรัฐ" in text
        assert 'href="/terms"' in text and 'href="/privacy"' in text
