"""The meeting check-in example: an organiser's page, invitees confirming on their phones (CIBA)."""

from __future__ import annotations

import time

import pytest
from starlette.testclient import TestClient

from tests.e2e.test_browser_portals import shot
from tests.e2e.test_browser_signin import page  # noqa: F401 - the Chromium fixture
from tests.live import free_port, live_tuaton, thread_server
from tuaton.appclient.client import AppClient
from tuaton.demo import ensure_meeting_client
from tuaton.demo_meeting.app import create_meeting_checkin, demo_invitees

PASSCODE = "50738261"


@pytest.fixture
def tuaton(services, settings, database):
    with live_tuaton(settings, database, ciba_interval=1) as (issuer, _, _):
        yield issuer


@pytest.fixture
def meeting(tuaton, database, personas, tmp_path):
    secret = ensure_meeting_client(database, "http://127.0.0.1:9", tmp_path)
    return create_meeting_checkin(tuaton, "demo-meeting", secret, demo_invitees(personas[:3]))


def _statuses(client: TestClient) -> list[str]:
    return [p["status"] for p in client.get("/status.json").json()["invitees"]]


def _wait_for(client: TestClient, index: int, status: str) -> dict:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        invitees = client.get("/status.json").json()["invitees"]
        if invitees[index]["status"] == status:
            return invitees[index]
        time.sleep(0.3)
    raise AssertionError(f"invitee {index} never became {status}: {invitees[index]}")


def test_invitees_confirm_or_refuse_on_their_phones(tuaton, meeting, personas):
    phones = [AppClient(tuaton).enroll_card_data_only(p["pid"], PASSCODE) for p in personas[:2]]
    with TestClient(meeting) as organiser:
        assert "ลงทะเบียนเข้าประชุม" in organiser.get("/").text
        assert organiser.post("/ask-all", follow_redirects=False).status_code == 303
        assert _statuses(organiser) == ["waiting", "waiting", "error"]  # the third has no Tuaton app
        assert "must have an active Tuaton app" in organiser.get("/status.json").json()["invitees"][2]["note"]

        app = AppClient(tuaton)
        request = app.backchannel_requests(phones[0])[0]
        assert request["binding_message"].endswith("ที่นั่ง 1")
        app.decide_backchannel(request["id"], phones[0], PASSCODE)
        verified = _wait_for(organiser, 0, "verified")
        assert verified["verified_name"] and personas[0]["given_name_th"] in verified["verified_name"]

        app.decide_backchannel(app.backchannel_requests(phones[1])[0]["id"], phones[1], None, approve=False)
        _wait_for(organiser, 1, "refused")
        assert organiser.get("/status.json").json()["verified"] == 1
        assert organiser.post("/invitees/9/ask").status_code == 404


@pytest.mark.e2e
def test_the_organisers_page_shows_who_is_verified_live(page, tuaton, meeting, personas, tmp_path):  # noqa: F811
    phone = AppClient(tuaton).enroll_card_data_only(personas[0]["pid"], PASSCODE)
    port = free_port()
    with thread_server(meeting, port) as url:
        page.goto(url)
        page.click("#ask-0")
        page.wait_for_selector("#status-0[data-status='waiting']")
        app = AppClient(tuaton)
        app.decide_backchannel(app.backchannel_requests(phone)[0]["id"], phone, PASSCODE)
        page.wait_for_selector("#status-0[data-status='verified']", timeout=15_000)  # no reload
        assert "ยืนยันตัวตนแล้ว" in page.locator("#status-0").inner_text()
        assert page.locator("#count").inner_text().startswith("1 / 3")
        shot(page, tmp_path, "meeting-checkin")
