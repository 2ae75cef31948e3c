"""An agency's e-Service built on an ordinary OIDC library (Authlib) signs citizens in with only
the issuer, its client id and secret: discovery, PKCE, state, nonce and ID-token checks are the
library's own."""

import re
from urllib.parse import urljoin

import httpx

from tests.e2e.conftest import PASSCODE
from tuaton.appclient.client import AppClient


def _start(browser: httpx.Client, system) -> tuple[str, str, str]:
    """The e-Service's login, to Tuaton's sign-in page: its QR payload, status URL and number."""
    page = browser.get(f"{system.eservice}/login", follow_redirects=True)
    assert page.status_code == 200 and str(page.url).startswith(system.issuer + "/oauth2/authorize")
    match = re.search(r'data-payload="([^"]+)"\s+data-status="([^"]+)"', page.text)
    number = re.search(r'data-number="([0-9]{2})"', page.text).group(1)
    return match.group(1), match.group(2), number


def test_authlib_relying_party_gets_the_citizens_registry_data(live_system):
    with httpx.Client(timeout=30) as browser:
        payload, status_url, number = _start(browser, live_system)
        AppClient(live_system.issuer).decide(payload, live_system.device, PASSCODE, number=number)
        status = browser.get(status_url, headers={"Accept": "application/json"}).json()
        assert status["status"] == "approved"
        landed = browser.get(status["redirect_to"], follow_redirects=True)
    persona = live_system.persona
    assert landed.status_code == 200, landed.text
    assert f"{persona['given_name_th']} {persona['family_name_th']}" in landed.text
    assert persona["pid"] in landed.text and "1.2" in landed.text


def test_refusal_reaches_the_relying_party_as_an_error(live_system):
    with httpx.Client(timeout=30) as browser:
        payload, status_url, _ = _start(browser, live_system)
        AppClient(live_system.issuer).decide(payload, live_system.device, None, approve=False)
        status = browser.get(status_url, headers={"Accept": "application/json"}).json()
        landed = browser.get(status["redirect_to"], follow_redirects=True)
    assert landed.status_code == 400 and "access_denied" in landed.text


def test_relying_party_logout_goes_through_tuaton(live_system):
    with httpx.Client(timeout=30) as browser:
        payload, status_url, number = _start(browser, live_system)
        AppClient(live_system.issuer).decide(payload, live_system.device, PASSCODE, number=number)
        browser.get(browser.get(status_url, headers={"Accept": "application/json"}).json()["redirect_to"],
                    follow_redirects=True)
        out = browser.get(f"{live_system.eservice}/logout", follow_redirects=False)
        assert out.headers["location"].startswith(live_system.issuer + "/oauth2/logout?id_token_hint=")
        back = browser.get(urljoin(live_system.eservice, out.headers["location"]), follow_redirects=True)
    assert str(back.url).rstrip("/") == live_system.eservice and 'id="login"' in back.text
