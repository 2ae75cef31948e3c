"""`make cluster`: HAProxy → two processes → PgBouncer → PostgreSQL, and Redis. A sign-in goes
through it, and a process killed with SIGKILL loses nothing the next requests need.

Runs in the PostgreSQL pass of the suite (it starts real processes; bounded, loopback only)."""

from __future__ import annotations

import re
import shutil

import httpx
import pytest

from tests.conftest import BACKEND, PASSCODE, PG_URL, REQUIRE_SERVICES, redis_url_or_skip
from tuaton.appclient.client import AppClient
from tuaton.cluster import Cluster, haproxy_config
from tuaton.registry.sampling import sample_personas
from tuaton.settings import Settings
from tuaton.storage.db import Database

REDIRECT = "https://eservice.example.go.th/cb"


def test_haproxy_checks_every_process_on_readyz_and_retries_elsewhere():
    config = haproxy_config(8000, [9001, 9002])
    assert "bind 127.0.0.1:8000" in config and "option httpchk GET /readyz" in config
    assert "server tuaton1 127.0.0.1:9001 check" in config and "server tuaton2 127.0.0.1:9002 check" in config
    assert "option redispatch" in config and "retries 2" in config


def test_haproxy_answers_its_own_errors_as_problem_json_and_a_bilingual_page(tmp_path):
    import json

    from tuaton.cluster import write_gateway_pages

    pages = write_gateway_pages(tmp_path)
    config = haproxy_config(8000, [9001], pages)
    for status in (502, 503, 504):
        body = json.loads((pages / f"{status}.json").read_text())
        assert body["status"] == status and body["detail"] and body["detail_th"]
        assert f"http-error status {status} content-type application/problem+json file {pages}/{status}.json" \
            " hdr Retry-After 5" in config
    page = (pages / "unavailable.html").read_text()
    assert "ไม่พร้อมให้บริการชั่วคราว" in page and "Temporarily unavailable" in page
    assert "if { nbsrv(processes) lt 1 } { req.hdr(accept) -m sub text/html }" in config


@pytest.fixture
def cluster(tmp_path):
    if BACKEND != "postgres":
        pytest.skip("starts PostgreSQL-backed processes: runs in the PostgreSQL pass (make test-postgres)")
    for tool in ("haproxy", "pgbouncer"):
        if not shutil.which(tool):
            message = f"{tool} is not installed (make system installs it)"
            if REQUIRE_SERVICES:
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
    settings = Settings(database_url=PG_URL.rsplit("/", 1)[0] + "/tuaton_cluster_test", redis_url=redis_url_or_skip(),
                        redis_prefix="tuaton-cluster-test:", passcode_key_file=str(tmp_path / "keys.json"),
                        audit_seal_seconds=0, argon2_time_cost=1, argon2_memory_kib=1024)
    with Cluster(settings, processes=2, workdir=tmp_path / "cluster") as running:
        yield running, settings


def _sign_in(cluster_url: str, client_id: str, secret: str, device) -> int:
    """A whole sign-in through HAProxy: the page, the app's approval, the status, the token."""
    with httpx.Client(base_url=cluster_url, timeout=30) as browser:
        page = browser.get("/oauth2/authorize", params={"client_id": client_id, "redirect_uri": REDIRECT,
                                                        "response_type": "code", "scope": "openid name"})
        assert page.status_code == 200, page.text
        payload = re.search(r'data-payload="([^"]+)"', page.text).group(1)
        number = re.search(r'data-number="([0-9]{2})"', page.text).group(1)
        assert AppClient(cluster_url).decide(payload, device, PASSCODE, number=number)["status"] == "approved"
        status = browser.get(re.search(r'data-status="([^"]+)"', page.text).group(1),
                             headers={"Accept": "application/json"}).json()
        code = re.search(r"code=([^&]+)", status["redirect_to"]).group(1)
        return browser.post("/oauth2/token", data={"grant_type": "authorization_code", "code": code,
                                                   "redirect_uri": REDIRECT}, auth=(client_id, secret)).status_code


def test_a_sign_in_through_the_cluster_and_a_killed_process_loses_nothing(cluster):
    running, settings = cluster
    database = Database(settings)
    from tuaton.services import build_services
    system = build_services(settings, database=database, migrate=False)
    created = system.clients.create(name_en="Cluster e-Service", name_th="บริการทดสอบ", redirect_uris=[REDIRECT],
                                    scopes=["openid", "name"])
    client_id, secret = created.client.client_id, created.client_secret
    persona = sample_personas(database, 1)[0]
    device = AppClient(running.url).enroll_card_data_only(persona["pid"], PASSCODE)
    assert _sign_in(running.url, client_id, secret, device) == 200

    running.kill(0)                                   # kill -9 of one process
    statuses = [httpx.get(running.url + "/.well-known/openid-configuration", timeout=10).status_code
                for _ in range(20)]
    assert statuses == [200] * 20                     # refused connections are retried on the other
    assert _sign_in(running.url, client_id, secret, device) == 200
    system.close()
    database.dispose()
