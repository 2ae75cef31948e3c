"""An agency's owner proves the organisation's authority in a real headless Chromium: registers it from
the catalogue, has the verification link e-mailed (a real SMTP server) and opens it, uploads the signed
letter, and reads the public criteria."""

from __future__ import annotations

import pytest

from tests.conftest import a_pdf
from tests.e2e.test_browser_portals import approve_qr, shot
from tests.e2e.test_browser_signin import ARGS, CHROMIUM, page  # noqa: F401 - the Chromium fixture
from tests.programme.test_programme import programme  # noqa: F401 - the catalogue fixture

pytestmark = pytest.mark.e2e


@pytest.fixture
def settings(base_settings, smtp_server):
    return base_settings.model_copy(update={"smtp_url": smtp_server.url})


def test_an_owner_proves_the_organisations_authority(page, live_system, programme, smtp_server,  # noqa: F811
                                                     tmp_path):
    issuer = live_system.issuer
    page.goto(issuer + "/criteria?lang=th")
    assert "saraban@" in page.inner_text("#criteria-page")
    page.click("a[href='/agency/organisations']")
    approve_qr(page, issuer, live_system.device)
    page.wait_for_selector("#register-organisation")
    page.fill("#code", "DLT")
    page.click("#register-submit")
    page.wait_for_selector("#org-name")
    assert page.inner_text("#org-name") == "กรมการขนส่งทางบก"

    page.fill("#central_email", "thungsong103@gmail.com")              # free mail: refused, with the reason
    page.click("#send-verification")
    assert "อีเมลฟรี" in page.inner_text("#form-errors")
    page.fill("#central_email", "saraban@dlt.go.th")
    page.click("#send-verification")
    page.wait_for_selector("#portal-notice")
    notice = page.inner_text("#portal-notice")                          # in both languages, as every notice
    assert "ส่งลิงก์ยืนยัน" in notice and "A verification link was sent" in notice
    link = smtp_server.link("saraban@dlt.go.th", r"(http://127\.0\.0\.1:\d+/organisations/verify/[\w-]+)")
    mailbox = page.context.browser.new_context().new_page()             # whoever reads the saraban mailbox
    mailbox.goto(link)
    mailbox.click("#confirm-email")
    mailbox.wait_for_selector("#email-verified")

    page.reload()
    assert "ยืนยันแล้ว" in page.inner_text("#central-email")
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(a_pdf())
    page.set_input_files("#letter", str(pdf))
    page.fill("#letter_number", "คค 0401/2569")
    page.fill("#letter_date", "2026-12-01")
    page.fill("#issuing_division", "กองกลาง")
    page.click("#upload-letter")
    page.wait_for_selector("#authority-proven")
    assert "คค 0401/2569" in page.inner_text("#letters")
    assert page.locator("#join-qr svg").count() == 1
    shot(page, tmp_path, "agency-organisation")
