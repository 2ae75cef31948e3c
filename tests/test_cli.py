"""The `tuaton` command, as operators and agencies' sandboxes call it."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import BACKEND


@pytest.fixture
def cli_env(tmp_path):
    if BACKEND == "postgres":
        pytest.skip("the CLI runs on its own SQLite file here; PostgreSQL is covered by the server tests")
    return {**os.environ, "TUATON_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"}


def run(env, *args, check=True):
    result = subprocess.run([sys.executable, "-m", "tuaton.cli", *args], env=env, capture_output=True, text=True,
                            timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_seed_is_idempotent_and_sample_lists_personas(cli_env):
    first = run(cli_env, "seed", "--citizens", "150")
    assert "150 new citizens" in first.stderr
    assert "0 new citizens (150 were there already)" in run(cli_env, "seed", "--citizens", "150").stderr
    personas = json.loads(run(cli_env, "registry", "sample", "--count", "3", "--json").stdout)
    assert len(personas) == 3 and all(len(p["pid"]) == 13 and p["birth_date"] for p in personas)


def test_client_create_prints_credentials_and_refuses_bad_input(cli_env):
    out = json.loads(run(cli_env, "client", "create", "--name", "Land Office", "--redirect-uri",
                         "https://land.example.go.th/cb", "--scope", "openid", "--scope", "pid", "--json").stdout)
    assert out["client_id"].startswith("tt_") and len(out["client_secret"]) >= 32 and "pid" in out["scopes"]
    public = json.loads(run(cli_env, "client", "create", "--name", "App", "--redirect-uri", "http://127.0.0.1:5/cb",
                            "--public", "--json").stdout)
    assert public["token_endpoint_auth_method"] == "none" and "client_secret" not in public
    bad = run(cli_env, "client", "create", "--name", "X", "--redirect-uri", "http://plain.example/cb", check=False)
    assert bad.returncode == 2 and "https" in bad.stderr
    unknown = run(cli_env, "client", "create", "--name", "X", "--redirect-uri", "https://x.example/cb",
                  "--scope", "fingerprints", check=False)
    assert unknown.returncode == 2 and "fingerprints" in unknown.stderr
    fapi = json.loads(run(cli_env, "client", "create", "--name", "FAPI", "--redirect-uri", "https://f.example/cb",
                          "--require-par", "--require-dpop", "--json").stdout)
    assert fapi["require_pushed_authorization_requests"] is True and fapi["dpop_bound_access_tokens"] is True


def test_keys_rotate_keeps_the_old_key_published(cli_env):
    before = {k["kid"] for k in json.loads(run(cli_env, "keys", "list").stdout)["keys"]}
    rotated = json.loads(run(cli_env, "keys", "rotate").stdout)["signing_kids"]
    after = {k["kid"] for k in json.loads(run(cli_env, "keys", "list").stdout)["keys"]}
    assert before <= after and set(rotated) <= after and len(after) == 4


def test_audit_seal_then_verify_reports_an_intact_trail(cli_env):
    run(cli_env, "keys", "list")                                   # creates the keys: an audit event
    before = json.loads(run(cli_env, "audit", "verify").stdout)
    assert before["intact"] is True and before["unsealed"] >= 1 and before["events"] == 0
    assert json.loads(run(cli_env, "audit", "seal").stdout)["sealed"] == before["unsealed"]
    report = json.loads(run(cli_env, "audit", "verify").stdout)
    assert report["intact"] is True and report["events"] >= 1 and report["unsealed"] == 0 and report["batches"] == 1


def test_app_commands_fail_clearly(cli_env, tmp_path):
    missing = run(cli_env, "app", "approve", "http://127.0.0.1:9/s/x", "--device", str(tmp_path / "none.json"),
                  "--passcode", "50738261", check=False)
    assert missing.returncode == 1 and "enrol first" in missing.stderr
    unreachable = run({**cli_env, "TUATON_ISSUER": "http://127.0.0.1:9"}, "app", "enroll", "--simulate",
                      "1101700230708", "--passcode", "50738261", "--device", str(tmp_path / "d.json"), check=False)
    assert unreachable.returncode == 1 and "Cannot reach" in unreachable.stderr


def test_officer_create_prints_a_password_once_that_signs_in_and_refuses_bad_input(cli_env):
    created = run(cli_env, "officer", "create", "somchai.j", "--office", "1001", "--name", "Somchai J.")
    password = created.stdout.strip()
    assert len(password) >= 12 and "somchai.j" in created.stderr and password not in created.stderr
    from tuaton.officers.service import Officers
    from tuaton.settings import Settings
    from tuaton.storage.db import Database
    from tuaton.storage.ephemeral import MemoryStore
    settings = Settings(database_url=cli_env["TUATON_DATABASE_URL"])
    _, session = Officers(Database(settings), MemoryStore(), settings).sign_in("somchai.j", password)
    assert (session.office_code, session.role) == ("1001", "registrar")
    taken = run(cli_env, "officer", "create", "somchai.j", "--office", "1001", check=False)
    assert taken.returncode == 2 and "taken" in taken.stderr
    bad = run(cli_env, "officer", "create", "Bad Name", "--office", "1001", check=False)
    assert bad.returncode == 2 and "username" in bad.stderr.lower()
    short = subprocess.run([sys.executable, "-m", "tuaton.cli", "officer", "create", "kanya", "--office", "1001",
                            "--password-stdin"], env=cli_env, input="short\n", capture_output=True, text=True)
    assert short.returncode == 2 and "12 characters" in short.stderr


def test_app_enroll_needs_one_channel(cli_env, tmp_path):
    both = run(cli_env, "app", "enroll", "--simulate", "1101700207030", "--office", "http://x/e/abc",
               "--passcode", "50738261", "--device", str(tmp_path / "d.json"), check=False)
    assert both.returncode == 2 and "either --simulate" in both.stderr
    no_pid = run(cli_env, "app", "enroll", "--office", "http://x/e/abc", "--passcode", "50738261",
                 "--device", str(tmp_path / "d.json"), check=False)
    assert no_pid.returncode == 2


def test_admin_create_makes_the_one_account_that_signs_in_to_the_console_with_a_password(cli_env):
    created = run(cli_env, "admin", "create", "root")
    password = created.stdout.strip()
    assert len(password) >= 16 and "/console/signin" in created.stderr and password not in created.stderr
    from tuaton.officers.service import Officers
    from tuaton.settings import Settings
    from tuaton.storage.db import Database
    from tuaton.storage.ephemeral import MemoryStore
    settings = Settings(database_url=cli_env["TUATON_DATABASE_URL"])
    officers = Officers(Database(settings), MemoryStore(), settings)
    admin = officers.bootstrap_sign_in("root", password)
    assert (admin.role, admin.bootstrap) == ("administrator", True)
    run(cli_env, "officer", "create", "kanya", "--office", "1001")
    again = run(cli_env, "admin", "create", "root", check=False)
    assert again.returncode == 2 and "taken" in again.stderr


def test_rotate_passcode_key_adds_a_version_and_counts_verifiers_per_version(cli_env, tmp_path):
    env = {**cli_env, "TUATON_PASSCODE_KEY_FILE": str(tmp_path / "passcode-keys.json")}
    first = json.loads(run(env, "keys", "rotate-passcode-key").stdout)
    assert first["current_version"] == 2 and first["versions"] == [1, 2]
    assert json.loads(run(env, "keys", "rotate-passcode-key").stdout)["versions"] == [1, 2, 3]
    refused = run({**env, "TUATON_PASSCODE_VERIFIER": "argon2id"}, "keys", "rotate-passcode-key", check=False)
    assert refused.returncode != 0 and "no passcode key to rotate" in refused.stderr
