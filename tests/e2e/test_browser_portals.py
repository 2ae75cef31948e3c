"""The whole agency journey and a citizen withdrawing consent, in a real headless Chromium:
apply → an operator approves → production credentials → a real QR sign-in with the scriptable app
→ the usage page shows it → the citizen withdraws the consent.

Set TUATON_SCREENSHOTS=docs/screenshots to refresh the screenshots in the docs."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, prove_authority
from tests.e2e.conftest import PASSCODE
from tests.e2e.test_browser_signin import ARGS, CHROMIUM, page  # noqa: F401 - the Chromium fixture
from tuaton.appclient.client import AppClient

pytestmark = pytest.mark.e2e
REDIRECT = "https://dlt.example.go.th/callback"


def shot(page, tmp_path: Path, name: str) -> None:  # noqa: F811
    folder = Path(os.environ.get("TUATON_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def approve_qr(page, issuer: str, device) -> None:  # noqa: F811
    page.wait_for_selector("#signin-qr svg")
    AppClient(issuer).decide(page.locator("#signin-qr").get_attribute("data-payload"), device, PASSCODE,
                             number=page.locator("#signin-number").get_attribute("data-number"))


def test_agency_applies_is_approved_signs_a_citizen_in_and_the_citizen_withdraws(page, live_system,  # noqa: F811
                                                                                 services, tmp_path):
    issuer, device = live_system.issuer, live_system.device
    services.officers.create("root", "ผู้ดูแลระบบ", "0000", "administrator", ADMIN_PASSWORD, bootstrap=True)
    # The organisation's authority (central e-mail, letter) is proven: tests/organisations/ walk that part.
    prove_authority(services, device.identity_id, "DLT-01")

    # 1. the agency's staff member signs in to the portal with the Tuaton app, and applies
    page.goto(issuer + "/agency?lang=en")
    approve_qr(page, issuer, device)
    page.wait_for_selector("#new-application")
    page.click("#new-application")
    page.check("#org-government")
    for field, value in {"#org_name_th": "กรมการขนส่งทางบก", "#org_name_en": "Department of Land Transport",
                         "#org_identifier": "DLT-01", "#contact_email": "digital@dlt.example.go.th",
                         "#service_name_th": "ต่ออายุใบอนุญาตขับรถ", "#service_name_en": "Driving licence renewal",
                         "#purpose_th": "ยืนยันตัวตนผู้ขอต่ออายุใบอนุญาตขับรถออนไลน์",
                         "#purpose_en": "Confirm who renews a driving licence online",
                         "#redirect_uris": REDIRECT, "#contact-name-0": "Somchai Dev",
                         "#contact-email-0": "dev@dlt.example.go.th"}.items():
        page.fill(field, value)
    page.check("#claim-name")
    page.fill("#why-name", "Printed on the renewed licence.")
    page.check("#claim-birthdate")
    page.fill("#why-birthdate", "Age rules for licence classes.")
    page.click("#save-draft")
    page.wait_for_selector("#new-secret")
    assert page.locator("#application-status").get_attribute("data-status") == "draft"
    shot(page, tmp_path, "agency-application")
    page.click("#submit-application")
    page.wait_for_selector("#application-status[data-status='submitted']")

    # 2. an operator approves it in the console
    console = page.context.browser.new_context(locale="en-GB").new_page()
    console.goto(issuer + "/console/signin?lang=en")
    console.fill("#username", "root")
    console.fill("#password", ADMIN_PASSWORD)
    console.click("#console-signin")
    console.wait_for_selector("#kpi-active")
    shot(console, tmp_path, "console-dashboard")
    console.click("#nav-reviews")
    console.click("#review-queue a")
    console.wait_for_selector("#review-form")
    shot(console, tmp_path, "console-review")
    console.click("#approve")
    console.wait_for_selector("#queue-empty")

    # 3. the agency creates its production secret (shown once)
    page.reload()
    page.wait_for_selector("#application-status[data-status='approved']")
    page.click("#rotate-production")
    page.wait_for_selector("#new-secret")
    client_id = page.locator("#secret-client-id").inner_text()
    secret = page.locator("#secret-value").inner_text()

    # 3b. and turns on backchannel sign-in (CIBA) in ping mode: a plain-http endpoint is explained
    # and kept as typed, then corrected
    page.select_option("#backchannel-production-mode", "ping")
    page.fill("#backchannel-production-endpoint", "http://dlt.example.go.th/ciba")
    page.click("#save-backchannel-production")
    page.wait_for_selector("#form-errors li[data-field='backchannel_production']")
    assert "https" in page.locator("#form-errors").inner_text()
    assert page.locator("#backchannel-production-mode").input_value() == "ping"
    page.fill("#backchannel-production-endpoint", "https://dlt.example.go.th/ciba")
    page.click("#save-backchannel-production")
    page.wait_for_selector("#portal-notice")
    assert "บันทึกแล้ว" in page.locator("#portal-notice").inner_text()
    assert page.locator("#backchannel-production-mode").input_value() == "ping"
    assert page.locator("#backchannel-production-endpoint").input_value() == "https://dlt.example.go.th/ciba"
    shot(page, tmp_path, "agency-backchannel")

    # 4. a real QR sign-in to the agency's e-Service with the production credentials
    citizen = page.context.browser.new_context(locale="th-TH").new_page()
    citizen.route(REDIRECT + "*", lambda route: route.fulfill(status=200, body="signed in"))
    citizen.goto(issuer + "/oauth2/authorize?" + urlencode({
        "client_id": client_id, "redirect_uri": REDIRECT, "response_type": "code", "scope": "openid name birthdate",
        "state": "st", "nonce": "nn"}))
    approve_qr(citizen, issuer, device)
    citizen.wait_for_url(re.compile(re.escape(REDIRECT) + r"\?code=.*"), timeout=15_000)
    code = parse_qs(urlsplit(citizen.url).query)["code"][0]
    tokens = httpx.post(issuer + "/oauth2/token", auth=(client_id, secret), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}).json()
    assert tokens["token_type"] == "Bearer" and "birthdate" in tokens["scope"]

    # 5. the usage page shows the sign-in
    page.click("#usage-link")
    assert page.locator("#usage-approved").inner_text() == "1"
    shot(page, tmp_path, "agency-usage")

    # 6. the citizen withdraws the consent; the agency's refresh token stops working
    page.goto(issuer + "/me/consents?lang=en")
    page.wait_for_selector(f"#revoke-{client_id}")
    shot(page, tmp_path, "citizen-consents")
    page.click(f"#revoke-{client_id}")
    page.wait_for_selector("#withdraw-effects")          # what withdrawing does, before it is done
    page.click("#confirm-withdraw")
    page.wait_for_selector("#portal-notice")
    assert page.locator(f"#revoke-{client_id}").count() == 0
    refreshed = httpx.post(issuer + "/oauth2/token", auth=(client_id, secret), data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    page.goto(issuer + "/me/history?lang=en")
    assert "Driving licence renewal" in page.locator("#history").inner_text()


def test_portal_pages_work_on_a_phone_in_thai(page, live_system):  # noqa: F811
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_system.issuer + "/lost-phone")
    assert page.locator("html").get_attribute("lang") == "th"
    page.fill("#lp-pid", live_system.persona["pid"])
    page.fill("#lp-laser", "AA0-0000000-00")
    page.fill("#lp-birth", "2000-01-01")
    page.click("#lost-phone-lock")
    assert "ข้อมูลไม่ตรงกับตัวตนดิจิทัลใด" in page.locator("#lost-phone-error").inner_text()
    assert "do not match a digital identity" in page.locator("#lost-phone-error").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390                                   # nothing runs off the side of the phone
    # The sign-in button in the menu: white on navy, not navy on navy.
    colours = page.evaluate("(() => { const s = getComputedStyle(document.getElementById('portal-signin'));"
                            " return [s.color, s.backgroundColor]; })()")
    assert colours[0] == "rgb(255, 255, 255)" and colours[0] != colours[1]
