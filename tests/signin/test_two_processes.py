"""A sign-in starts on one process and finishes on another: state lives in Redis and the database."""

import re
import secrets

import httpx
import pytest

from tests.conftest import PASSCODE, redis_url_or_skip
from tests.live import free_port, process_server
from tuaton.appclient.client import AppClient
from tuaton.storage.ephemeral import RedisStore

pytestmark = pytest.mark.multiprocess


def test_start_on_one_process_approve_through_another_finish_on_the_first(services, settings, agency, persona):
    redis_url = redis_url_or_skip()
    port_a, port_b = free_port(), free_port()
    issuer = f"http://127.0.0.1:{port_a}"
    prefix = f"tuaton-2proc-{secrets.token_hex(4)}:"  # this run's own keys: no counters left by earlier runs
    env = {"TUATON_DATABASE_URL": settings.database_url, "TUATON_REDIS_URL": redis_url,
           "TUATON_REDIS_PREFIX": prefix, "TUATON_ISSUER": issuer,
           "TUATON_ARGON2_MEMORY_KIB": "1024", "TUATON_ARGON2_TIME_COST": "1",
           "TUATON_PASSCODE_KEY_FILE": settings.passcode_key_file}
    try:
        _run(agency, persona, port_a, port_b, env)
    finally:
        RedisStore(redis_url, prefix).flush_prefix()


def _run(agency, persona, port_a, port_b, env):
    with process_server(port_a, env) as a, process_server(port_b, env) as b:
        device = AppClient(b).enroll_card_data_only(persona["pid"], PASSCODE)
        with httpx.Client(base_url=a, timeout=30) as browser:
            page = browser.get("/oauth2/authorize", params={
                "client_id": agency.client_id, "redirect_uri": agency.redirect_uri, "response_type": "code",
                "scope": "openid pid name", "state": "two"})
            signin_id = re.search(r'data-payload="[^"]+/s/([^"]+)"', page.text).group(1)
            number = re.search(r'data-number="([0-9]{2})"', page.text).group(1)
            result = AppClient(b).decide(signin_id, device, PASSCODE, number=number)  # the app talks to B
            assert result["status"] == "approved"
            status = browser.get(f"/signin/{signin_id}/status", headers={"Accept": "application/json"}).json()
        assert status["status"] == "approved"
        code = re.search(r"code=([^&]+)", status["redirect_to"]).group(1)
        tokens = httpx.post(f"{a}/oauth2/token", auth=agency.auth, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": agency.redirect_uri}).json()
        info = httpx.get(f"{b}/oauth2/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert info.status_code == 200 and info.json()["pid"] == persona["pid"]
        replay = httpx.post(f"{b}/oauth2/token", auth=agency.auth, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": agency.redirect_uri})
        assert replay.json()["error"] == "invalid_grant"
