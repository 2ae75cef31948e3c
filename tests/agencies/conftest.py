"""An agency's staff member, signed in to the portal, and an operator signed in to the console."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_PASSWORD, console_sign_in, portal_sign_in, prove_authority

COMPLETE = {
    "org_type": "government", "org_name_th": "กรมการขนส่งทางบก", "org_name_en": "Department of Land Transport",
    "org_identifier": "DLT-01", "contact_email": "digital@dlt.example.go.th",
    "service_name_th": "ต่ออายุใบอนุญาตขับรถ", "service_name_en": "Driving licence renewal",
    "purpose_th": "ยืนยันตัวตนผู้ขอต่ออายุใบอนุญาตขับรถออนไลน์", "purpose_en": "Confirm who renews a driving licence online",
    "claim": ["pid", "name", "birthdate"],
    "why_pid": "The licence register is keyed by the citizen ID; we match the renewal to the licence.",
    "why_name": "Printed on the renewed licence.", "why_birthdate": "Age rules for licence classes.",
    "redirect_uris": "https://dlt.example.go.th/callback",
    "contact_name_0": "Somchai Dev", "contact_email_0": "dev@dlt.example.go.th",
}


@pytest.fixture
def staff(http, app_client, device, services):
    """The agency's browser: ``http`` signed in with the persona's Tuaton identity, the owner of the
    organisation DLT-01, whose authority is proven (a verified central e-mail and a letter)."""
    portal_sign_in(http, app_client, device, "/agency")
    prove_authority(services, device.identity_id, "DLT-01")
    return http


@pytest.fixture
def operator(new_browser, services):
    services.officers.create("root", "Root Administrator", "0000", "administrator", ADMIN_PASSWORD, bootstrap=True)
    browser = new_browser()
    assert console_sign_in(browser).status_code == 303
    return browser
