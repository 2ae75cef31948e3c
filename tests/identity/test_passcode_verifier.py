"""The keyed passcode verifier: HMAC under a passcode key held apart from the database, with a key
file or a PKCS#11 token (SoftHSM2), key versions, and re-keying of older verifiers."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from tests.conftest import PASSCODE, REQUIRE_SERVICES
from tuaton.errors import IdentityLocked, WrongPasscode
from tuaton.identity.models import Identity, IdentityStatus
from tuaton.identity.passcode_verifier import (
    Argon2Verifier,
    FilePasscodeKeys,
    KeyedVerifier,
    PasscodeKeyUnavailable,
    Pkcs11PasscodeKeys,
)
from tuaton.identity.service import Identities

OTHER = "90817263"


@pytest.fixture
def key_file(tmp_path):
    return FilePasscodeKeys(tmp_path / "var" / "passcode-keys.json")


def test_a_keyed_verifier_names_its_scheme_and_key_and_checks_only_the_right_passcode(key_file):
    verifier = KeyedVerifier(key_file)
    stored = verifier.hash(PASSCODE)
    assert stored.startswith("$tuaton-hmac$v=1,m=0,t=0$") and PASSCODE not in stored
    assert verifier.verify(stored, PASSCODE)
    assert not verifier.verify(stored, OTHER)
    assert verifier.hash(PASSCODE) != stored          # salted
    assert not verifier.needs_upgrade(stored)


def test_the_key_file_is_made_once_and_readable_only_by_its_owner(tmp_path):
    path = tmp_path / "var" / "passcode-keys.json"
    first = FilePasscodeKeys(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    stored = KeyedVerifier(first).hash(PASSCODE)
    assert KeyedVerifier(FilePasscodeKeys(path)).verify(stored, PASSCODE)  # a second process, same key


def test_a_database_thief_without_the_key_cannot_test_guesses(key_file, tmp_path):
    stored = KeyedVerifier(key_file).hash(PASSCODE)
    elsewhere = KeyedVerifier(FilePasscodeKeys(tmp_path / "other.json"))
    assert not elsewhere.verify(stored, PASSCODE)


def test_a_verifier_naming_a_key_version_that_does_not_exist_is_an_error_not_a_match(key_file):
    stored = KeyedVerifier(key_file).hash(PASSCODE).replace("v=1,", "v=9,")
    with pytest.raises(PasscodeKeyUnavailable):
        KeyedVerifier(key_file).verify(stored, PASSCODE)


def test_rotation_keeps_old_verifiers_working_and_asks_for_their_upgrade(key_file):
    verifier = KeyedVerifier(key_file)
    old = verifier.hash(PASSCODE)
    assert key_file.add_version() == 2
    assert verifier.verify(old, PASSCODE) and verifier.needs_upgrade(old)
    new = verifier.hash(PASSCODE)
    assert new.startswith("$tuaton-hmac$v=2,") and not verifier.needs_upgrade(new)


def test_argon2id_verifiers_from_before_still_verify_and_ask_to_be_re_keyed(key_file):
    argon2 = Argon2Verifier(1, 1024, 1)
    verifier = KeyedVerifier(key_file, legacy=argon2)
    old = argon2.hash(PASSCODE)
    assert verifier.verify(old, PASSCODE) and not verifier.verify(old, OTHER)
    assert verifier.needs_upgrade(old)
    assert not KeyedVerifier(key_file).verify(old, PASSCODE)   # with no legacy scheme configured


def test_the_optional_argon2_step_is_recorded_and_changes_the_verifier(key_file):
    slow = KeyedVerifier(key_file, prehash_memory_kib=1024, prehash_time_cost=1)
    stored = slow.hash(PASSCODE)
    assert ",m=1024,t=1$" in stored and slow.verify(stored, PASSCODE) and not slow.verify(stored, OTHER)
    plain = KeyedVerifier(key_file)
    assert plain.verify(stored, PASSCODE)            # the stored parameters, not the settings, decide
    assert plain.needs_upgrade(stored)


class _MemoryKeys:
    def current_version(self):
        return 1

    def versions(self):
        return [1]

    def mac(self, version, message):
        import hashlib
        import hmac
        if version != 1:
            raise PasscodeKeyUnavailable("no such version")
        return hmac.new(b"k" * 32, message, hashlib.sha256).digest()

    def add_version(self):
        raise NotImplementedError



@given(st.text(max_size=120))
def test_anything_stored_that_is_not_a_verifier_never_matches_and_never_raises(stored):
    keys = _MemoryKeys()
    assert not KeyedVerifier(keys, legacy=Argon2Verifier(1, 1024, 1)).verify("$tuaton-hmac$" + stored, PASSCODE)
    assert not KeyedVerifier(keys).verify(stored, PASSCODE)




# -- PKCS#11 through SoftHSM2 ---------------------------------------------------------------------------
SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory):
    """A SoftHSM2 token of this test session's own (Debian's softhsm2, installed by `make system`)."""
    if not (os.path.exists(SOFTHSM_MODULE) and shutil.which("softhsm2-util")):
        message = "SoftHSM2 is not installed (Debian package softhsm2; `make system` installs it)"
        if REQUIRE_SERVICES:
            pytest.fail(message + " — TUATON_REQUIRE_SERVICES=1 forbids skipping", pytrace=False)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)   # read when the module initialises, in this process
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "tuaton-test", "--pin", "4242",
                    "--so-pin", "5757"], check=True, capture_output=True)
    return {"module": SOFTHSM_MODULE, "token_label": "tuaton-test", "pin": "4242"}


def test_pkcs11_keys_make_a_non_extractable_key_and_verify_with_it(softhsm):
    from pkcs11 import Attribute
    keys = Pkcs11PasscodeKeys(**softhsm, label="tuaton-passcode-a")
    verifier = KeyedVerifier(keys)
    stored = verifier.hash(PASSCODE)
    assert verifier.verify(stored, PASSCODE) and not verifier.verify(stored, OTHER)
    key = keys._keys[keys.current_version()]
    assert key[Attribute.SENSITIVE] and not key[Attribute.EXTRACTABLE]
    # the same token opened again (another process) finds the key and agrees
    assert KeyedVerifier(Pkcs11PasscodeKeys(**softhsm, label="tuaton-passcode-a")).verify(stored, PASSCODE)


def test_pkcs11_rotation_adds_a_version_and_old_verifiers_keep_working(softhsm):
    keys = Pkcs11PasscodeKeys(**softhsm, label="tuaton-passcode-b")
    verifier = KeyedVerifier(keys)
    old = verifier.hash(PASSCODE)
    assert keys.add_version() == 2 and keys.versions() == [1, 2]
    assert verifier.verify(old, PASSCODE) and verifier.needs_upgrade(old)
    assert verifier.hash(PASSCODE).startswith("$tuaton-hmac$v=2,")


def test_a_wrong_pin_or_token_is_refused_clearly(softhsm):
    # PKCS#11 login is per process: a fresh process tries the wrong PIN
    script = ("import sys; from tuaton.identity.passcode_verifier import Pkcs11PasscodeKeys as K, "
              "PasscodeKeyUnavailable as E\ntry:\n    K(sys.argv[1], sys.argv[2], '0000')\n"
              "except E as e:\n    print(e)")
    refused = subprocess.run([sys.executable, "-c", script, softhsm["module"], softhsm["token_label"]],
                             capture_output=True, text=True, timeout=60)
    assert "cannot open PKCS#11 token 'tuaton-test'" in refused.stdout and "PinIncorrect" in refused.stdout
    with pytest.raises(PasscodeKeyUnavailable, match="no-such-token"):
        Pkcs11PasscodeKeys(softhsm["module"], "no-such-token", softhsm["pin"])


# -- the verifier in the identity service: re-keying and counting before verifying ----------------------
def _stored(services, identity_id):
    with services.database.reading() as session:
        return session.execute(select(Identity).where(Identity.id == identity_id)).scalar_one()


def test_an_argon2id_verifier_is_re_keyed_at_the_next_correct_passcode(services, device, settings):
    argon2 = Argon2Verifier(1, 1024, 1)
    with services.database.transaction() as session:
        session.execute(update(Identity).where(Identity.id == device.identity_id)
                        .values(passcode_hash=argon2.hash(PASSCODE)))
    with pytest.raises(WrongPasscode):
        services.identities.check_passcode(device.identity_id, OTHER)
    assert _stored(services, device.identity_id).passcode_hash.startswith("$argon2id$")   # a wrong one changes nothing
    services.identities.check_passcode(device.identity_id, PASSCODE)
    identity = _stored(services, device.identity_id)
    assert identity.passcode_hash.startswith("$tuaton-hmac$") and identity.failed_passcodes == 0
    services.identities.check_passcode(device.identity_id, PASSCODE)


class _SlowVerifier:
    """The installation's verifier, made slow so that parallel guesses overlap for certain."""

    def __init__(self, inner):
        self._inner = inner
        self.evaluated = 0
        self._lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def verify(self, stored, passcode):
        with self._lock:
            self.evaluated += 1
        time.sleep(0.2)
        return self._inner.verify(stored, passcode)


def test_sixteen_parallel_guesses_evaluate_at_most_five_and_the_right_one_after_the_lock_is_refused(
        services, device, settings):
    slow = _SlowVerifier(services.identities._hasher)
    identities = Identities(services.database, services.registry, slow, settings)
    outcomes: list[str] = []

    def guess():
        try:
            identities.check_passcode(device.identity_id, OTHER)
            outcomes.append("accepted")
        except WrongPasscode:
            outcomes.append("wrong")
        except IdentityLocked:
            outcomes.append("locked")

    threads = [threading.Thread(target=guess) for _ in range(15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert slow.evaluated == 5
    assert outcomes.count("wrong") == 4 and outcomes.count("locked") == 11
    with pytest.raises(IdentityLocked):
        identities.check_passcode(device.identity_id, PASSCODE)
    assert slow.evaluated == 5
    identity = _stored(services, device.identity_id)
    assert identity.status == IdentityStatus.LOCKED


def test_a_right_passcode_racing_wrong_ones_is_never_evaluated_past_the_limit(services, device, settings):
    slow = _SlowVerifier(services.identities._hasher)
    identities = Identities(services.database, services.registry, slow, settings)
    results: dict[str, list[str]] = {"right": [], "wrong": []}

    def attempt(passcode, kind):
        try:
            identities.check_passcode(device.identity_id, passcode)
            results[kind].append("accepted")
        except (WrongPasscode, IdentityLocked) as error:
            results[kind].append(type(error).__name__)

    threads = [threading.Thread(target=attempt, args=(OTHER, "wrong")) for _ in range(15)]
    threads.append(threading.Thread(target=attempt, args=(PASSCODE, "right")))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert slow.evaluated <= 5
    assert "accepted" not in results["wrong"]


class _UnreachableKeys(_MemoryKeys):
    def mac(self, version, message):
        raise PasscodeKeyUnavailable("the HSM does not answer")


def test_an_unreachable_key_backend_is_a_503_that_says_so_and_costs_no_attempt(http, app_client, services, device,
                                                                                agency):
    from tests.conftest import start_signin
    from tuaton.appclient.client import AppError

    services.identities._hasher = KeyedVerifier(_UnreachableKeys())
    page = start_signin(http, agency)
    with pytest.raises(AppError) as caught:
        app_client.decide(page.payload, device, PASSCODE, number=page.number)
    assert caught.value.status == 503 and caught.value.problem["type"].endswith("passcode-key-unavailable")
    assert "try again later" in caught.value.problem["detail"]
    identity = _stored(services, device.identity_id)
    assert identity.status == IdentityStatus.ACTIVE and identity.failed_passcodes == 0
