"""How the server keeps a passcode and checks one: a ``PasscodeVerifier``.

An 8-digit passcode has only 10⁸ values, so no hash, however slow, keeps a stolen database's
verifiers safe for long: argon2id at 22–35 ms a guess is one day on a 32-core server per citizen,
and it costs the service 11–17 cores at 500 sign-ins/s. The defence that works is the one banks use
for PINs (PCI PIN) and NIST SP 800-63B §5.1.1.2 asks for: a **secret key held apart from the
verifiers**. The default verifier is therefore *keyed*:

    verifier = HMAC-SHA-256(passcode key vN, "tuaton-passcode" ‖ salt ‖ [argon2id(passcode, salt)] passcode)

The passcode key lives in a key backend (``PasscodeKeys``): a PKCS#11 token (an HSM; SoftHSM2 in
tests) where the key is non-extractable and only HMAC operations cross the boundary, or a local key
file (0600) for laptops and the demo. A thief of the database alone learns nothing: every guess
needs the key. An optional argon2id step (``TUATON_PASSCODE_PREHASH_MEMORY_KIB`` > 0) adds a cost
per guess for a thief who has the key too.

Each stored verifier names its scheme and its key version: ``$tuaton-hmac$v=2,m=0,t=0$salt$mac``.
``needs_upgrade`` tells the caller to re-key a verifier at the next correct passcode (argon2id
verifiers from before, or an older key version after ``tuaton keys rotate-passcode-key``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from pathlib import Path
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import Type, hash_secret_raw
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import lib as pkcs11_lib
from pkcs11.exceptions import UserAlreadyLoggedIn

KEYED_PREFIX = "$tuaton-hmac$"
ARGON2_PREFIX = "$argon2"
DOMAIN = b"tuaton-passcode\x00"
SALT_BYTES = 16


class PasscodeKeyUnavailable(RuntimeError):
    """The key backend cannot be reached or lacks the key version a verifier names."""


class PasscodeVerifier(Protocol):
    """Make a verifier for a new passcode and check a passcode against a stored one."""

    scheme: str

    def hash(self, passcode: str) -> str: ...

    def verify(self, stored: str, passcode: str) -> bool: ...

    def needs_upgrade(self, stored: str) -> bool:
        """True when ``stored`` should be replaced by ``hash(passcode)`` after a correct passcode."""
        ...


class PasscodeKeys(Protocol):
    """A backend holding the passcode keys, by version. The key never leaves it: it computes MACs."""

    def current_version(self) -> int: ...

    def mac(self, version: int, message: bytes) -> bytes: ...

    def add_version(self) -> int:
        """A new key version, which becomes the current one."""
        ...

    def versions(self) -> list[int]: ...


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- argon2id (the previous scheme; still selectable) ----------------------------------------------
class Argon2Verifier:
    """argon2id with the installation's cost settings."""

    scheme = "argon2id"

    def __init__(self, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)

    def hash(self, passcode: str) -> str:
        return self._hasher.hash(passcode)

    def verify(self, stored: str, passcode: str) -> bool:
        if not stored.startswith(ARGON2_PREFIX):
            return False
        try:
            return self._hasher.verify(stored, passcode)
        except (VerificationError, InvalidHashError):
            return False

    def needs_upgrade(self, stored: str) -> bool:
        return not stored.startswith(ARGON2_PREFIX) or self._hasher.check_needs_rehash(stored)


# -- keyed (the default) -------------------------------------------------------------------------------
class KeyedVerifier:
    """HMAC-SHA-256 under a versioned passcode key from ``keys``, optionally after a cheap argon2id step.

    Verifiers made by an older scheme (argon2id) are still checked, through ``legacy``, and report
    ``needs_upgrade`` so the caller re-keys them at the next correct passcode."""

    scheme = "tuaton-hmac"

    def __init__(self, keys: PasscodeKeys, *, prehash_memory_kib: int = 0, prehash_time_cost: int = 1,
                 legacy: Argon2Verifier | None = None) -> None:
        self._keys = keys
        self._memory, self._time = prehash_memory_kib, (prehash_time_cost if prehash_memory_kib else 0)
        self._legacy = legacy

    def _mac(self, version: int, memory: int, time_cost: int, salt: bytes, passcode: str) -> bytes:
        secret = passcode.encode()
        if memory:
            secret = hash_secret_raw(secret, salt, time_cost=time_cost, memory_cost=memory, parallelism=1,
                                     hash_len=32, type=Type.ID)
        return self._keys.mac(version, DOMAIN + salt + secret)

    def hash(self, passcode: str) -> str:
        version, salt = self._keys.current_version(), secrets.token_bytes(SALT_BYTES)
        mac = self._mac(version, self._memory, self._time, salt, passcode)
        return f"{KEYED_PREFIX}v={version},m={self._memory},t={self._time}${_b64(salt)}${_b64(mac)}"

    @staticmethod
    def parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
        """(key version, argon2 memory KiB, argon2 passes, salt, mac), or None when not this scheme."""
        if not stored.startswith(KEYED_PREFIX):
            return None
        try:
            params, salt, mac = stored[len(KEYED_PREFIX):].split("$")
            fields = dict(item.split("=", 1) for item in params.split(","))
            return int(fields["v"]), int(fields["m"]), int(fields["t"]), _unb64(salt), _unb64(mac)
        except (ValueError, KeyError):
            return None

    def verify(self, stored: str, passcode: str) -> bool:
        parsed = self.parse(stored)
        if parsed is None:
            return self._legacy is not None and self._legacy.verify(stored, passcode)
        version, memory, time_cost, salt, mac = parsed
        return hmac.compare_digest(self._mac(version, memory, time_cost, salt, passcode), mac)

    def needs_upgrade(self, stored: str) -> bool:
        parsed = self.parse(stored)
        return (parsed is None or parsed[0] != self._keys.current_version()
                or (parsed[1], parsed[2]) != (self._memory, self._time))


# -- key backends ------------------------------------------------------------------------------------
class FilePasscodeKeys:
    """Passcode keys in a local JSON file readable only by its owner (0600), made on first use.

    For laptops, the demo and tests. Every process of one installation must read the same file."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()
        self._keys: dict[int, bytes] = {}
        self._current = 0
        self._load()

    def _load(self) -> None:
        if not self._path.exists():
            self._create()
        data = json.loads(self._path.read_text())
        self._keys = {int(v): _unb64(k) for v, k in data["keys"].items()}
        self._current = int(data["current"])

    def _create(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"current": 1, "keys": {"1": _b64(secrets.token_bytes(32))}}).encode()
        try:  # O_EXCL: two processes starting together make one key, not two
            fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        with os.fdopen(fd, "wb") as file:
            file.write(body)

    def current_version(self) -> int:
        return self._current

    def versions(self) -> list[int]:
        return sorted(self._keys)

    def mac(self, version: int, message: bytes) -> bytes:
        key = self._keys.get(version)
        if key is None:
            self._load()  # another process may have rotated
            key = self._keys.get(version)
        if key is None:
            raise PasscodeKeyUnavailable(f"passcode key version {version} is not in {self._path}")
        return hmac.new(key, message, hashlib.sha256).digest()

    def add_version(self) -> int:
        with self._lock:
            self._load()
            version = max(self._keys) + 1
            self._keys[version] = secrets.token_bytes(32)
            self._current = version
            body = json.dumps({"current": version, "keys": {str(v): _b64(k) for v, k in self._keys.items()}})
            tmp = self._path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as file:
                file.write(body)
            os.replace(tmp, self._path)
            return version


class Pkcs11PasscodeKeys:
    """Passcode keys inside a PKCS#11 token (an HSM): generic secret keys labelled
    ``<label>-v<N>``, sensitive and non-extractable, used only through CKM_SHA256_HMAC.

    The newest version present is the current one. One session per process, its calls serialised
    (a PKCS#11 session is not for concurrent use); an HMAC is microseconds, so the lock is cheap."""

    def __init__(self, module: str, token_label: str, pin: str, label: str = "tuaton-passcode") -> None:
        self._label = label
        try:
            library = pkcs11_lib(module)
            token = library.get_token(token_label=token_label)
            try:
                self._session = token.open(user_pin=pin, rw=True)
            except UserAlreadyLoggedIn:  # PKCS#11 login is per process and token
                self._session = token.open(rw=True)
        except Exception as exc:  # noqa: BLE001 - any PKCS#11 failure means the key is unavailable
            raise PasscodeKeyUnavailable(f"cannot open PKCS#11 token {token_label!r} through {module}: "
                                         f"{type(exc).__name__}") from exc
        self._lock = threading.Lock()
        self._keys: dict[int, object] = {}
        self._refresh()
        if not self._keys:
            self.add_version()

    def _refresh(self) -> None:
        found = {}
        for key in self._session.get_objects({Attribute.CLASS: ObjectClass.SECRET_KEY}):
            label = key.label or ""
            if label.startswith(self._label + "-v") and label[len(self._label) + 2:].isdigit():
                found[int(label[len(self._label) + 2:])] = key
        self._keys = found

    def current_version(self) -> int:
        return max(self._keys)

    def versions(self) -> list[int]:
        return sorted(self._keys)

    def mac(self, version: int, message: bytes) -> bytes:
        with self._lock:
            key = self._keys.get(version)
            if key is None:
                self._refresh()
                key = self._keys.get(version)
            if key is None:
                raise PasscodeKeyUnavailable(f"passcode key version {version} is not in the PKCS#11 token")
            return key.sign(message, mechanism=Mechanism.SHA256_HMAC)

    def add_version(self) -> int:
        with self._lock:
            self._refresh()
            version = max(self._keys, default=0) + 1
            self._keys[version] = self._session.generate_key(
                KeyType.GENERIC_SECRET, 256, label=f"{self._label}-v{version}", store=True,
                template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False, Attribute.SIGN: True,
                          Attribute.VERIFY: True, Attribute.ENCRYPT: False, Attribute.DECRYPT: False,
                          Attribute.WRAP: False, Attribute.UNWRAP: False})
            return version


def make_passcode_keys(settings) -> PasscodeKeys:
    if settings.passcode_key_backend == "pkcs11":
        if not settings.pkcs11_pin:
            raise PasscodeKeyUnavailable("TUATON_PKCS11_PIN is needed for the PKCS#11 passcode key")
        return Pkcs11PasscodeKeys(settings.pkcs11_module, settings.pkcs11_token_label, settings.pkcs11_pin)
    if settings.passcode_key_backend == "file":
        return FilePasscodeKeys(settings.passcode_key_file)
    raise ValueError(f"TUATON_PASSCODE_KEY_BACKEND must be 'file' or 'pkcs11', not {settings.passcode_key_backend!r}")


def make_passcode_verifier(settings) -> PasscodeVerifier:
    """The installation's verifier: ``keyed`` (default) or ``argon2id`` (TUATON_PASSCODE_VERIFIER)."""
    argon2 = Argon2Verifier(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)
    if settings.passcode_verifier == "argon2id":
        return argon2
    if settings.passcode_verifier == "keyed":
        return KeyedVerifier(make_passcode_keys(settings), prehash_memory_kib=settings.passcode_prehash_memory_kib,
                             prehash_time_cost=settings.passcode_prehash_time_cost, legacy=argon2)
    raise ValueError(f"TUATON_PASSCODE_VERIFIER must be 'keyed' or 'argon2id', not {settings.passcode_verifier!r}")
