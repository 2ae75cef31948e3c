"""The pages anyone may read: the terms of use, the privacy notice, and what every page carries."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path,heading_th,heading_en", [
    ("/terms", "ข้อกำหนดการใช้บริการตัวตนดิจิทัล", "Terms of use of the digital identity"),
    ("/privacy", "ประกาศความเป็นส่วนตัว", "Privacy notice"),
    ("/help", "ความช่วยเหลือ", "Help"),
    ("/accessibility", "คำแถลงการเข้าถึงบริการ", "Accessibility statement")])
def test_the_reading_pages_are_there_in_thai_and_english(http, path, heading_th, heading_en):
    thai, english = http.get(path, params={"lang": "th"}), http.get(path, params={"lang": "en"})
    assert thai.status_code == english.status_code == 200
    assert heading_th in thai.text and heading_en in english.text
    assert "PDPA" in http.get("/privacy").text


def test_every_page_says_it_is_an_official_service_and_links_the_terms(http):
    for path in ("/", "/lost-phone", "/terms"):
        text = http.get(path, params={"lang": "th"}).text
        assert 'id="official-banner"' in text and "บริการอย่างเป็นทางการของรัฐ" in text
        for link in ("/terms", "/privacy", "/help", "/accessibility", "/lost-phone"):
            assert f'href="{link}"' in text
        assert 'class="skip-link" href="#main"' in text and '<main id="main"' in text


def test_the_pages_thai_typeface_is_served_to_phones_that_lack_it(http):
    """Loma, from Debian's fonts-thai-tlwg-web, named by the stylesheet and served with a week's cache."""
    assert 'src: url("/fonts/loma.woff")' in http.get("/static/tuaton.css").text
    for name in ("loma", "loma-bold"):
        font = http.get(f"/fonts/{name}.woff")
        assert font.status_code == 200, font.text
        assert font.content[:4] == b"wOFF" and font.headers["content-type"] == "font/woff"
        assert "max-age=604800" in font.headers["cache-control"]
    # Only the stylesheet's fonts: no path, no other file of the system's.
    for wrong in ("Loma", "../../../etc/passwd", "garuda"):
        assert http.get(f"/fonts/{wrong}.woff").status_code == 404


def test_the_language_a_reader_chooses_is_kept_for_the_next_pages(http):
    """The header's switch adds ?lang; the choice is remembered (a form's answer comes back in it)."""
    assert "Terms of use of the digital identity" not in http.get("/terms").text   # Thai by default here
    chosen = http.get("/terms", params={"lang": "en"})
    assert "tuaton_lang=en" in chosen.headers["set-cookie"]
    assert "<h1>Privacy notice</h1>" in http.get("/privacy").text                   # another page: English
    assert "Terms of use of the digital identity" in http.get("/terms").text       # no ?lang: still English
    http.get("/terms", params={"lang": "th"})
    assert "ข้อกำหนดการใช้บริการตัวตนดิจิทัล" in http.get("/terms").text
    # A language that is not one of the two is not remembered.
    assert "set-cookie" not in http.get("/terms", params={"lang": "fr"}).headers
