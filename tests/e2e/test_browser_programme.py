"""The programme office's dashboard in a real headless Chromium: seed 004's figures on the page, a
filter applied with the form, an agency's page, and a report downloaded."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.e2e.test_browser_portals import shot
from tests.e2e.test_browser_signin import ARGS, CHROMIUM, page  # noqa: F401 - the Chromium fixture
from tests.programme.test_programme import programme  # noqa: F401 - the catalogue fixture

pytestmark = pytest.mark.e2e


def test_the_programme_office_reads_the_national_figures_and_filters_them(page, live_system, services,  # noqa: F811
                                                                          programme, tmp_path):  # noqa: F811
    services.officers.create("root", "Root Administrator", "0000", "administrator", ADMIN_PASSWORD, bootstrap=True)
    issuer = live_system.issuer
    page.goto(issuer + "/console/signin?lang=th")
    page.fill("#username", "root")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("#console-signin")
    page.wait_for_selector("#kpi-active")
    page.goto(issuer + "/programme?lang=th")
    assert page.inner_text("#kpi-services") == "5,146"
    assert page.inner_text("#kpi-eservices") == "3,491"
    assert page.inner_text("#kpi-agencies") == "201"
    assert "ทางรัฐ" in page.inner_text("#chart-platforms")
    assert "479" in page.inner_text("#chart-platforms")
    shot(page, tmp_path, "programme-dashboard")
    page.select_option("#f-group", "2")
    page.click("#apply-filters")
    page.wait_for_url("**group=2**")
    assert page.inner_text("#kpi-services") == "2,899"
    assert "1,424" in page.inner_text("#chart-modes") and "962" in page.inner_text("#chart-budgets")
    page.goto(issuer + "/programme/agencies/BMA?lang=en")
    assert page.inner_text("#agency-services") == "96"
    shot(page, tmp_path, "programme-agency")
    with page.expect_download() as download:
        page.goto(issuer + "/programme?lang=en")
        page.click("#report-cabinet-pdf")
    assert download.value.suggested_filename.startswith("tuaton-cabinet-")
