"""Reading photographed cards: fields, look-alike characters, and refusals with their reasons."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuaton.biometrics import synthetic
from tuaton.errors import ProofingRefused
from tuaton.proofing import card_ocr
from tuaton.registry.card_render import (
    EN_MONTHS,
    Photograph,
    english_date,
    photograph,
    render_back,
    render_front,
    thai_date,
)


@pytest.fixture
def citizen_and_card(services, persona):
    return services.registry.citizen(persona["pid"]), services.registry.current_card(persona["pid"])


def test_front_and_back_of_a_tilted_noisy_photo_are_read(citizen_and_card):
    citizen, card = citizen_and_card
    shot = Photograph(angle=7, blur=0.8, noise=5, brightness=0.9, jpeg_quality=75)
    front_photo = photograph(render_front(citizen, card, synthetic.registry_photo(citizen.pid)), shot, 1)
    front, quality = card_ocr.read_front(card_ocr.decode_image(front_photo))
    assert front.pid == citizen.pid
    assert (front.given_name_th, front.family_name_th) == (citizen.given_name_th, citizen.family_name_th)
    assert front.title_th == citizen.title_th and quality.sharpness > card_ocr.BLUR_THRESHOLD
    back, _ = card_ocr.read_back(card_ocr.decode_image(photograph(render_back(citizen, card), shot, 2)))
    assert back.laser_code == card.laser_code


@pytest.mark.parametrize("data", [b"", b"GIF89a", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, b"<svg/>"])
def test_what_is_not_an_image_is_refused(data):
    with pytest.raises(ProofingRefused) as refused:
        card_ocr.decode_image(data)
    assert refused.value.reason == "not_an_image"


def test_a_blank_photo_has_no_card():
    blank = synthetic.encode_jpeg(synthetic.decode(synthetic.selfie("1000000000001"))[:, :, :] * 0)
    with pytest.raises(ProofingRefused) as refused:
        card_ocr.find_card(card_ocr.decode_image(blank))
    assert refused.value.reason == "no_card"


def test_laser_code_look_alikes_are_read_by_position():
    assert card_ocr._laser_by_position("JT0-1234567-89") == "JT0123456789"
    assert card_ocr._laser_by_position("JTO-I2345S7-B9") == "JT0123455789"
    assert card_ocr._laser_by_position("0T0-1234567-89") == "OT0123456789"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_english_dates_as_printed_parse_back(day):
    assert card_ocr.parse_english_date(english_date(day)) == day
    squeezed = english_date(day).replace(" ", "")                   # OCR often drops the spaces
    assert card_ocr.parse_english_date(squeezed) == day


@given(st.text(max_size=30))
def test_date_parser_never_crashes(text):
    parsed = card_ocr.parse_english_date(text)
    assert parsed is None or isinstance(parsed, dt.date)
    thai = card_ocr.parse_thai_date(text)
    assert thai is None or isinstance(thai, dt.date)


@pytest.mark.parametrize("read, day", [            # what Tesseract made of rendered cards' birth dates
    ("15.Nov.1952", dt.date(1952, 11, 15)),
    ("24 Ju n. 1987", dt.date(1987, 6, 24)),
    ("12-Jun.1995", dt.date(1995, 6, 12)),
    ("SJun.1987", dt.date(1987, 6, 5)),
    ("19Ap.1977.", dt.date(1977, 4, 19)),
])
def test_english_dates_as_ocr_bends_them(read, day):
    assert card_ocr.parse_english_date(read) == day


@pytest.mark.parametrize("read", ["20.wun.1972", "24 Ju. 1987", "3 Ma. 1990", "Jun. 1987"])
def test_an_english_date_that_cannot_be_told_is_not_guessed(read):
    assert card_ocr.parse_english_date(read) is None


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_thai_dates_as_printed_parse_back(day):
    assert card_ocr.parse_thai_date(thai_date(day)) == day
    assert card_ocr.parse_thai_date(thai_date(day).replace(".", "").replace(" ", "")) == day


def test_month_table_matches_the_card():
    assert [m[:3] for m in EN_MONTHS] == ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                          "Nov", "Dec"]


def _png(size: tuple[int, int], mode: str = "L") -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, size, 200).save(out, "PNG")
    return out.getvalue()


def test_a_small_file_with_too_many_pixels_is_refused_before_decoding():
    data = _png((6000, 6000), "1")                 # a few KB on the wire, 36 megapixels inside
    assert len(data) < 100_000
    with pytest.raises(ProofingRefused) as caught:
        card_ocr.decode_image(data)
    assert caught.value.reason == "not_an_image" and "megapixels" in caught.value.detail_en


def test_a_large_photo_is_brought_down_to_the_working_size_as_it_is_decoded():
    pixels = card_ocr.decode_image(_png((4500, 4500)))
    assert pixels.shape == (card_ocr.WORKING_SIZE, card_ocr.WORKING_SIZE, 3)
    wide = card_ocr.decode_image(_png((4000, 1000)))
    assert wide.shape == (card_ocr.WORKING_SIZE // 4, card_ocr.WORKING_SIZE, 3)
