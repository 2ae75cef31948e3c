"""`tuaton app card` and `tuaton verify`, as a citizen's phone and a guard's offline verifier use
them, against a real server on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.live import live_tuaton
from tuaton.appclient.client import AppClient

PASSCODE = "50738261"


@pytest.fixture
def live(services, settings, database):
    with live_tuaton(settings, database) as (issuer, system, _):
        yield issuer, system


def tuaton(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "tuaton.cli", *args], input=stdin, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "TUATON_ISSUER": "http://127.0.0.1:1"})


def test_show_the_card_and_verify_it_offline(live, persona, tmp_path):
    issuer, system = live
    device_file = tmp_path / "phone.json"
    AppClient(issuer).enroll_card_data_only(persona["pid"], PASSCODE).save(device_file)
    cache = tmp_path / "guard.json"

    shown = tuaton("app", "card", "--device", str(device_file), "--passcode", PASSCODE, "--show", "age-over-20",
                   "--json", "--qr", str(tmp_path / "card.svg"))
    assert shown.returncode == 0, shown.stderr
    presentation = json.loads(shown.stdout)["presentation"]
    assert (tmp_path / "card.svg").read_text().startswith("<?xml")
    assert (tmp_path / "phone.json.card").stat().st_mode & 0o077 == 0  # the cached card is the owner's only

    first = tuaton("verify", "--issuer", issuer, "--cache", str(cache), "--json", stdin=presentation)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["claims"] == {"age_over_20": True}

    again = tuaton("verify", "--issuer", issuer, "--cache", str(cache), "--offline", "--json", stdin=presentation)
    assert again.returncode == 1 and json.loads(again.stdout)["reason"] == "replayed"

    # Offline, the phone shows its cached card and the guard checks it with the cached keys.
    offline = tuaton("app", "card", "--device", str(device_file), "--offline", "--show", "name-photo")
    assert offline.returncode == 0, offline.stderr
    checked = tuaton("verify", offline.stdout.strip(), "--issuer", issuer, "--cache", str(cache), "--offline")
    assert checked.returncode == 0 and checked.stdout.startswith("VALID"), checked.stderr

    # The phone is reported lost: a verifier that refreshes its lists refuses the card.
    system.citizens.lock_device(system.identities.identity_id_for(persona["pid"]),
                                json.loads(device_file.read_text())["device_id"])
    stolen = tuaton("app", "card", "--device", str(device_file), "--offline", "--show", "full").stdout.strip()
    refused = tuaton("verify", stolen, "--issuer", issuer, "--cache", str(cache), "--refresh")
    assert refused.returncode == 1 and "NOT VALID (revoked)" in refused.stderr


def test_verify_without_a_cache_or_connection_says_what_to_do(tmp_path):
    result = tuaton("verify", "x~y~z", "--issuer", "http://127.0.0.1:1", "--cache", str(tmp_path / "none.json"))
    assert result.returncode == 2 and "Cannot refresh from http://127.0.0.1:1" in result.stderr
    offline = tuaton("verify", "x~y~z", "--cache", str(tmp_path / "none.json"), "--offline")
    assert offline.returncode == 2 and "run once online with --refresh" in offline.stderr


def test_app_card_without_a_cached_card_offline_fails_clearly(persona, tmp_path, live):
    issuer, _ = live
    device_file = tmp_path / "phone.json"
    AppClient(issuer).enroll_card_data_only(persona["pid"], PASSCODE).save(device_file)
    result = tuaton("app", "card", "--device", str(device_file), "--offline")
    assert result.returncode == 1 and "show it once while online" in result.stderr
    bad = tuaton("app", "card", "--device", str(device_file), "--show", "everything")
    assert bad.returncode == 2 and "--show must be one of" in bad.stderr


def test_app_requests_answers_a_backchannel_request(live, persona, tmp_path):
    import httpx
    issuer, system = live
    device_file = tmp_path / "phone.json"
    AppClient(issuer).enroll_card_data_only(persona["pid"], PASSCODE).save(device_file)
    created = system.clients.create(name_en="Call centre", redirect_uris=["https://cc.example.go.th/cb"],
                                    scopes=["openid", "pid"], backchannel_mode="poll")
    started = httpx.post(issuer + "/oauth2/bc-authorize", auth=(created.client.client_id, created.client_secret),
                         data={"scope": "openid pid", "login_hint": persona["pid"], "binding_message": "ticket 4521"})
    assert started.status_code == 200, started.text
    listed = tuaton("app", "requests", "--device", str(device_file))
    assert listed.returncode == 0 and "Call centre: ticket 4521" in listed.stdout
    answered = tuaton("app", "requests", "--device", str(device_file), "--passcode", PASSCODE, "--json")
    assert json.loads(answered.stdout)["answered"][0]["status"] == "approved"


def test_app_passcode_changes_it_and_explains_a_refusal(live, persona, tmp_path):
    issuer, _ = live
    device_file = tmp_path / "phone.json"
    AppClient(issuer).enroll_card_data_only(persona["pid"], PASSCODE).save(device_file)
    weak = tuaton("app", "passcode", "--device", str(device_file), "--current", PASSCODE, "--new", "11112222")
    assert weak.returncode != 0 and "4 times in a row" in weak.stderr
    changed = tuaton("app", "passcode", "--device", str(device_file), "--current", PASSCODE, "--new", "27394816")
    assert changed.returncode == 0, changed.stderr
    assert "passcode changed" in changed.stdout
    old = tuaton("app", "card", "--device", str(device_file), "--passcode", PASSCODE)
    assert old.returncode != 0 and "passcode is wrong" in old.stderr
    assert tuaton("app", "card", "--device", str(device_file), "--passcode", "27394816").returncode == 0
