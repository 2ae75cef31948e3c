"""The sign-in as a person sees it, in a real headless Chromium (Debian's, driven by Playwright)."""

import datetime as dt
import re
import shutil

import pytest

from tests.conftest import REQUIRE_SERVICES
from tests.e2e.conftest import PASSCODE
from tuaton.appclient.client import AppClient

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def page():
    if not shutil.which("chromium"):
        message = "Debian chromium is not installed (make browser installs it)"
        if REQUIRE_SERVICES:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(locale="th-TH")
        yield context.new_page()
        browser.close()


def test_citizen_signs_in_to_an_eservice_by_qr(page, live_system, tmp_path):
    page.goto(live_system.eservice)
    page.click("#login")
    page.wait_for_selector("#signin-qr svg")
    assert page.locator("html").get_attribute("lang") == "th"
    assert "ตรวจสอบข้อมูลทะเบียนราษฎร" in page.content()
    qr = page.locator("#signin-qr")
    payload = qr.get_attribute("data-payload")
    assert payload.startswith(live_system.issuer + "/s/")
    assert re.fullmatch(r"\d+:\d{2}", page.locator("#signin-countdown").inner_text())
    # While the page waits, only what the person can do now shows (not "new QR code" or "back").
    assert not page.locator("#signin-restart").is_visible() and not page.locator("#signin-back").is_visible()
    from tests.e2e.test_browser_portals import shot  # (that module imports this one's fixture)
    shot(page, tmp_path, "signin-qr")
    app = AppClient(live_system.issuer)
    app.read_signin(payload)
    page.wait_for_selector("#signin-status[data-state='scanned']", timeout=10_000)
    number = page.locator("#signin-number").inner_text()      # what the person reads on the screen
    assert re.fullmatch(r"[0-9]{2}", number) and number in app.read_signin(payload)["number_choices"]
    app.decide(payload, live_system.device, PASSCODE, number=number)
    page.wait_for_url(live_system.eservice + "/", timeout=15_000)
    persona = live_system.persona
    assert f"{persona['given_name_th']} {persona['family_name_th']}" in page.locator("#greeting").inner_text()
    # The e-Service shows the data in words, not as claim keys and codes: a Buddhist-era birth date.
    shown = page.locator("dl").inner_text()
    assert "sub" not in shown.split() and "วันเดือนปีเกิด" in shown
    born = dt.date.fromisoformat(persona["birth_date"])
    assert str(born.year + 543) in page.locator("[data-claim='birthdate']").inner_text()
    assert page.locator("[data-claim='gender']").inner_text() in ("ชาย / Male", "หญิง / Female")


def test_sign_in_page_switches_to_english(page, live_system):
    page.goto(live_system.eservice + "/login")
    page.wait_for_selector("#signin-qr")
    page.click("a.lang")
    page.wait_for_selector("#signin-qr")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Sign in with the Tuaton app" in page.locator("h1").inner_text()


def test_refused_sign_in_returns_the_person_to_the_eservice_with_an_error(page, live_system):
    page.goto(live_system.eservice + "/login")
    payload = page.locator("#signin-qr").get_attribute("data-payload")
    AppClient(live_system.issuer).decide(payload, live_system.device, None, approve=False)
    page.wait_for_selector("#error", timeout=15_000)
    assert "access_denied" in page.locator("#error").inner_text()


def test_a_sign_in_lost_by_the_session_store_tells_the_person_to_start_again(page, live_system):
    """Redis restarted without its data: the page stops waiting and offers a new QR code."""
    page.goto(live_system.eservice + "/login")
    page.wait_for_selector("#signin-qr svg")
    signin_id = page.locator("#signin-qr").get_attribute("data-payload").rsplit("/", 1)[1]
    live_system.store.delete(f"signin:{signin_id}")
    page.wait_for_selector("#signin-status[data-state='lost']", timeout=15_000)
    assert "QR code ใหม่" in page.locator("#signin-status").inner_text()
    assert page.locator("#signin-restart").is_visible()
    back = page.locator("#signin-back")                  # back to the e-Service, which hears access_denied
    assert back.is_visible() and back.get_attribute("href").startswith(live_system.eservice + "/callback?")
    assert "error=access_denied" in back.get_attribute("href")
