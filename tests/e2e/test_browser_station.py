"""The registrar office's station as an officer uses it, in a real headless Chromium."""

import pytest

from tests.e2e.conftest import PASSCODE
from tests.e2e.test_browser_portals import approve_qr
from tests.e2e.test_browser_signin import page  # noqa: F401 - the Chromium fixture
from tuaton.appclient.client import AppClient

pytestmark = pytest.mark.e2e
PASSWORD = "station password 1"


def test_officer_enrols_a_citizen_who_scans_the_station_qr(page, live_system, services, personas):  # noqa: F811
    # The officer is a citizen with the Tuaton app: they sign in to the station with it.
    services.officers.create("somsri", "สมศรี ตั้งใจ", "1001", "registrar", PASSWORD,
                             pid=live_system.persona["pid"])
    citizen = personas[1]
    page.goto(live_system.issuer + "/office")
    assert page.locator("html").get_attribute("lang") == "th"
    page.click("#office-signin-tuaton")
    approve_qr(page, live_system.issuer, live_system.device)
    page.wait_for_selector("#officer-name")
    assert "สมศรี ตั้งใจ" in page.locator("#officer-name").inner_text()

    page.fill("#sim-pid", citizen["pid"])
    page.click("#sim-insert")
    page.wait_for_selector("#sim-inserted")
    page.click("#read-card")
    page.wait_for_selector("#chip-pid")
    assert page.locator("#chip-pid").inner_text() == citizen["pid"]
    assert citizen["given_name_th"] in page.locator("#chip-name").inner_text()
    assert page.evaluate("document.querySelector('.chip img').naturalWidth") > 0   # the chip photo shows

    page.click("#sim-scan-other")                       # someone else's finger: refused, in both languages
    assert "ลายนิ้วมือไม่ตรง" in page.locator("#office-error").inner_text()
    assert "does not match" in page.locator("#office-error").inner_text()
    page.click("#sim-scan-own")
    page.wait_for_selector("#show-qr")
    page.click("#show-qr")
    page.wait_for_selector("#office-qr svg")
    payload = page.locator("#office-qr").get_attribute("data-payload")

    device = AppClient(live_system.issuer).enroll_at_office(payload, citizen["pid"], PASSCODE)

    assert device.ial == "3"
    page.wait_for_selector("#visit-status[data-state='completed']", timeout=15_000)
    assert "IAL 3" in page.locator("#visit-ial").inner_text()


def test_station_pages_switch_to_english_and_refuse_a_citizen_who_is_no_officer(page, live_system):  # noqa: F811
    page.goto(live_system.issuer + "/office/signin?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Officer sign-in" in page.locator("h1").inner_text()
    assert page.locator("#password").count() == 0                      # passwords are break-glass only
    page.click("#office-signin-tuaton")
    approve_qr(page, live_system.issuer, live_system.device)            # a citizen, not an officer
    page.wait_for_selector("#office-error")
    assert "registrar officer" in page.locator("#office-error").inner_text()
