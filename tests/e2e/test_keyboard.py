"""Keyboard-only journeys in Chromium: signing in to an e-Service, the agency portal's form and its
error summary, and enrolling in the app. Only Tab, Shift+Tab, Enter, Space, arrows and digits are
pressed; every stop shows the focus ring (WCAG 2.1.1 keyboard, 2.4.7 focus visible)."""

from __future__ import annotations

import pytest

from tests.e2e.test_browser_app import camera_video, card_as_printed, card_photo_until_read, live, phone  # noqa: F401 - the live and phone fixtures
from tests.e2e.test_browser_portals import approve_qr, shot
from tests.e2e.test_browser_signin import page  # noqa: F401 - the Chromium fixture

pytestmark = pytest.mark.e2e
PASSCODE = "50738261"


def focused(page, selector: str) -> bool:  # noqa: F811 - any page, not the fixture
    return page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector)


def assert_focus_visible(page) -> None:  # noqa: F811
    """The focused element draws a ring: an outline or the halo (tuaton.css's :focus-visible)."""
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow,
                what: document.activeElement.outerHTML.slice(0, 80)}; }""")
    assert (style["outline"] != "none" and style["width"] != "0px") or style["shadow"] != "none", style


def tab_to(page, selector: str, *, limit: int = 80, backwards: bool = False) -> None:  # noqa: F811
    """Press Tab (or Shift+Tab) until ``selector`` has the focus; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if focused(page, selector):
            assert_focus_visible(page)
            return
    raise AssertionError(f"{selector} cannot be reached with the keyboard")


def test_signing_in_to_an_e_service_with_the_keyboard_alone(page, live_system):  # noqa: F811
    page.goto(live_system.eservice)
    tab_to(page, "#login")
    page.keyboard.press("Enter")
    page.wait_for_selector("#signin-qr svg")
    # The skip link comes first, then the way to open the app on this device.
    page.keyboard.press("Tab")
    assert focused(page, ".skip-link")
    assert_focus_visible(page)
    tab_to(page, "#signin-same-device")
    approve_qr(page, live_system.issuer, live_system.device)     # the phone approves
    page.wait_for_url(f"{live_system.eservice}/**", timeout=15_000)
    page.wait_for_selector("#logout")
    tab_to(page, "#logout")
    page.keyboard.press("Enter")
    page.wait_for_selector("#login")


def test_the_agency_form_and_its_error_summary_with_the_keyboard_alone(page, live_system, tmp_path):  # noqa: F811
    issuer = live_system.issuer
    page.goto(issuer + "/agency?lang=en")
    approve_qr(page, issuer, live_system.device)
    page.wait_for_selector("#new-application")
    # The skip link takes the keyboard past the banner and the menus, into the page.
    page.keyboard.press("Tab")
    assert focused(page, ".skip-link")
    page.keyboard.press("Enter")
    tab_to(page, "#new-application")
    page.keyboard.press("Enter")
    page.wait_for_selector("#org_name_th")
    tab_to(page, "#org-government")
    page.keyboard.press("Space")
    assert page.is_checked("#org-government")
    tab_to(page, "#org_name_en")
    page.keyboard.type("Department of Land Transport")
    tab_to(page, "#contact_email")
    page.keyboard.type("digital at dlt.go.th")
    # Saved with a malformed e-mail: the error summary opens focused, its link leads to the field.
    tab_to(page, "#save-draft")
    page.keyboard.press("Enter")
    page.wait_for_selector("#form-errors")
    assert focused(page, "#form-errors"), "the error summary is not focused"
    assert page.locator("#form-errors h2").inner_text() == "There is a problem"
    assert "not a valid address" in page.locator("#contact_email-error").inner_text()   # said at the field too
    shot(page, tmp_path, "agency-error-summary")
    tab_to(page, "#form-errors a[href='#contact_email']")
    page.keyboard.press("Enter")
    assert focused(page, "#contact_email")
    assert page.get_attribute("#contact_email", "aria-invalid") == "true"
    assert page.input_value("#org_name_en") == "Department of Land Transport"   # nothing typed was lost


def test_enrolling_in_the_app_with_the_keyboard_alone(live, phone, personas, tmp_path):  # noqa: F811
    """Self-enrolment with the sandbox's photos, every control reached with Tab; the passcode typed
    on the keyboard's digits."""
    issuer, _, _ = live
    citizen = personas[6]
    with phone(camera_video(tmp_path / "blank.y4m", None), issuer) as app:
        app.goto(issuer + "/app")
        app.wait_for_selector("#enrol-self")

        def press(selector: str, key: str = "Enter") -> None:
            app.wait_for_selector(selector)
            tab_to(app, selector)
            app.keyboard.press(key)

        press("#enrol-self")
        press("#terms", "Space")
        assert app.is_checked("#terms")
        press("#terms-next")
        # The persona chosen with the arrow keys, as a keyboard user picks from a list.
        app.wait_for_selector(f"#sandbox-persona option[value='{citizen['pid']}']", state="attached")
        tab_to(app, "#sandbox-persona")
        for _ in range(12):
            if app.input_value("#sandbox-persona") == citizen["pid"]:
                break
            app.keyboard.press("ArrowDown")
        assert app.input_value("#sandbox-persona") == citizen["pid"]
        for heading, after in (("ด้านหน้า", "h1:has-text('ด้านหลัง')"), ("ด้านหลัง", "#card-ok")):
            app.wait_for_selector(f"h1:has-text('{heading}')", timeout=30_000)
            card_photo_until_read(app, after, press)
        for field, value in card_as_printed(citizen):
            tab_to(app, f"#{field}")
            app.keyboard.press("Control+A")
            app.keyboard.type(value)
        press("#card-ok")
        app.wait_for_selector("h1:has-text('ใบหน้า')", timeout=30_000)
        press("#sandbox-photo")
        press("#use-photo")
        app.wait_for_selector("#challenge", state="attached")
        press("#sandbox-photo")
        press("#use-photo")
        app.wait_for_selector("#keypad, #error", timeout=60_000)
        assert app.locator("#error").count() == 0, app.locator("#error").inner_text()
        app.keyboard.type(PASSCODE)                               # the keyboard's digits
        app.wait_for_selector("#keypad >> text=ใส่รหัสผ่านอีกครั้ง")
        app.keyboard.type(PASSCODE[:6] + "9")
        app.keyboard.press("Backspace")                           # a slip, corrected
        app.keyboard.type(PASSCODE[6:])
        press("#consent-agree")
        app.wait_for_selector("#keypad")
        # The keypad's keys are buttons too: Tab reaches them and Enter presses them.
        for digit in PASSCODE:
            tab_to(app, f'#keypad .key[data-key="{digit}"]')
            app.keyboard.press("Enter")
        app.wait_for_selector("#enrolled", timeout=30_000)
        press("#start")
        app.wait_for_selector("#scan")
