"""FAPI 2.0 with an independent client: panva's openid-client v6 (npm, pinned by a lockfile in
tests/oidc/node/) signs a citizen in through the QR flow with PAR, DPoP and private_key_jwt (keys at
a jwks_uri) all required by the client's registration."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSCODE, REQUIRE_SERVICES, code_from, read_signin_page
from tests.live import live_tuaton
from tuaton.appclient.client import AppClient

NODE_DIR = Path(__file__).parent / "node"
REDIRECT = "https://fapi.example.go.th/callback"


@pytest.fixture
def node_client():
    if not shutil.which("node") or not (NODE_DIR / "node_modules" / "openid-client").is_dir():
        message = "node and tests/oidc/node/node_modules are needed (make test runs npm ci there)"
        if REQUIRE_SERVICES:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    process = subprocess.Popen(["node", "fapi_client.mjs"], cwd=NODE_DIR, stdin=subprocess.PIPE,  # noqa: S607
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)

    def talk(value: dict | None = None) -> dict:
        if value is not None:
            process.stdin.write(json.dumps(value) + "\n")
            process.stdin.flush()
        line = process.stdout.readline()
        assert line, process.stderr.read()
        return json.loads(line)

    yield talk
    process.kill()
    process.wait(10)


def test_openid_client_signs_in_with_par_dpop_and_private_key_jwt(node_client, settings, database, persona):
    jwks_uri = node_client()["jwks_uri"]
    with live_tuaton(settings, database) as (issuer, system, _):
        created = system.clients.create(name_en="FAPI e-Service", name_th="บริการ FAPI", redirect_uris=[REDIRECT],
                                        scopes=["openid", "pid", "name"], auth_method="private_key_jwt",
                                        jwks_uri=jwks_uri, internal_ok=True, require_par=True, require_dpop=True)
        authorize = node_client({"issuer": issuer, "client_id": created.client.client_id,
                                 "redirect_uri": REDIRECT})
        assert "authorize" in authorize, authorize
        url = httpx.URL(authorize["authorize"])
        assert set(url.params) == {"client_id", "request_uri"}          # nothing else travels in the browser
        with httpx.Client() as browser:
            page = read_signin_page(browser.get(url).text)
            app = AppClient(issuer)
            app.decide(page.payload, app.enroll_card_data_only(persona["pid"], PASSCODE), PASSCODE,
                       number=page.number)
            status = browser.get(page.status_url, headers={"Accept": "application/json"}).json()
        assert status["status"] == "approved"
        assert code_from(status["redirect_to"])["iss"] == issuer
        got = node_client({"callback": status["redirect_to"]})
    assert "error" not in got, got
    assert got["token_type"].lower() == "dpop" and got["iss"] == issuer
    assert got["userinfo"]["sub"] == got["sub"] and got["userinfo"]["pid"] == persona["pid"]
    assert got["without_proof"] == 401
