"""Every main page passes axe-core (the copy axe-playwright-python ships; nothing is fetched) with no
serious or critical violation, in Thai and in English, signed out and signed in, in Chromium."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.e2e.test_browser_portals import approve_qr, shot
from tests.e2e.test_browser_signin import ARGS, CHROMIUM, page  # noqa: F401 - the Chromium fixture
from tests.programme.test_programme import programme  # noqa: F401 - the catalogue fixture

pytestmark = pytest.mark.e2e
PUBLIC = ["/", "/terms", "/privacy", "/help", "/accessibility", "/criteria", "/lost-phone", "/verify", "/app",
          "/office/signin", "/console/signin"]
CITIZEN_AND_AGENCY = ["/me", "/me/history", "/me/consents", "/agency", "/agency/new", "/agency/organisations",
                      "/agency/services"]
OPERATOR = ["/console", "/console/reviews", "/console/officers", "/console/keys", "/console/audit", "/programme",
            "/programme/agencies/BMA", "/programme/import"]


def serious(page, url: str) -> list[str]:  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    if url:
        page.goto(url)
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    assert results.response["testEngine"]["name"] == "axe-core" and results.response["passes"], url
    url = url or page.url
    return [f"{url}: {v['id']} ({v['impact']}) {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_the_main_pages_have_no_serious_accessibility_violations(page, live_system, services,  # noqa: F811
                                                                programme, tmp_path):  # noqa: F811
    issuer = live_system.issuer
    found: list[str] = []
    for lang in ("th", "en"):
        for path in PUBLIC:
            found += serious(page, f"{issuer}{path}?lang={lang}")
    for path, name in (("/?lang=th", "home"), ("/help?lang=th", "help")):
        page.goto(issuer + path)
        shot(page, tmp_path, name)
    # The pages' Thai typeface is the one served (Loma), not whatever the machine has.
    assert page.evaluate("document.fonts.ready.then(() => [...document.fonts].some("
                         "(f) => f.family.replaceAll('\"', '') === 'Loma' && f.status === 'loaded'))")
    # The QR sign-in page an e-Service sends citizens to, waiting and after approval.
    page.goto(live_system.eservice)
    page.click("#login")
    page.wait_for_selector("#signin-qr svg")
    found += serious(page, "")
    page.goto(issuer + "/me?lang=th")
    approve_qr(page, issuer, live_system.device)
    page.wait_for_url("**/me**")
    for lang in ("th", "en"):
        for path in CITIZEN_AND_AGENCY:
            found += serious(page, f"{issuer}{path}?lang={lang}")
    services.officers.create("root", "ผู้ดูแลระบบ", "0000", "administrator", ADMIN_PASSWORD, bootstrap=True)
    console = page.context.browser.new_context(locale="th-TH").new_page()
    console.goto(issuer + "/console/signin")
    console.fill("#username", "root")
    console.fill("#password", ADMIN_PASSWORD)
    console.click("#console-signin")
    console.wait_for_selector("#kpi-active")
    for lang in ("th", "en"):
        for path in OPERATOR:
            found += serious(console, f"{issuer}{path}?lang={lang}")
    assert not found, "\n".join(found)
