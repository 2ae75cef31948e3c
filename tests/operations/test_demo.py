"""`tuaton demo` as a newcomer runs it: Tuaton, the demo e-Service and the meeting check-in in one
process, which must not block one another."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKEND
from tests.live import free_port, wait_until_up
from tuaton.appclient.client import AppClient

PASSCODE = "50738261"


@pytest.fixture
def demo(tmp_path):
    if BACKEND == "postgres":
        pytest.skip("tuaton demo runs on SQLite by design; the PostgreSQL path is covered by the server tests")
    port = free_port()
    while free_port() in (port + 1, port + 2):  # pragma: no cover - the odd collision
        port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUATON_")}
    process = subprocess.Popen([sys.executable, "-m", "tuaton.cli", "demo", "--port", str(port), "--citizens", "300"],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for offset in (0, 1, 2):
            wait_until_up(f"http://127.0.0.1:{port + offset}/", timeout=90)
        yield port, tmp_path
    finally:
        process.terminate()
        process.wait(10)


def test_the_demo_serves_the_app_the_verifier_and_a_working_meeting_check_in(demo):
    port, folder = demo
    issuer = f"http://127.0.0.1:{port}"
    for path in ("/app", "/verify", "/.well-known/jwt-vc-issuer"):
        assert httpx.get(issuer + path).status_code == 200, path
    meeting = f"http://127.0.0.1:{port + 2}"
    invitee = httpx.get(meeting + "/status.json").json()["invitees"][0]
    assert invitee["status"] == "invited"
    pid = json.loads(subprocess.run([sys.executable, "-m", "tuaton.cli", "registry", "sample", "--count", "1",
                                     "--json"], cwd=folder, capture_output=True, text=True,
                                    env={**os.environ, "TUATON_DATABASE_URL": f"sqlite:///{Path(folder)}/var/tuaton.db"}
                                    ).stdout)[0]["pid"]
    phone = AppClient(issuer).enroll_card_data_only(pid, PASSCODE)
    asked = httpx.post(meeting + "/invitees/0/ask", timeout=20)  # Tuaton answers while the meeting waits
    assert asked.status_code == 303
    [request] = AppClient(issuer).backchannel_requests(phone)
    AppClient(issuer).decide_backchannel(request["id"], phone, PASSCODE)
    for _ in range(40):
        if httpx.get(meeting + "/status.json").json()["invitees"][0]["status"] == "verified":
            break
        time.sleep(0.5)
    assert httpx.get(meeting + "/status.json").json()["verified"] == 1
