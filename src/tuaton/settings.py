"""All configuration in one typed object, read once from the environment (prefix ``TUATON_``)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TUATON_", extra="ignore")

    #: SQLAlchemy URL. SQLite under ./var/ by default; PostgreSQL as
    #: ``postgresql+psycopg://user@host:5432/db`` in production.
    database_url: str = "sqlite:///./var/tuaton.db"
    #: PostgreSQL is reached through PgBouncer in transaction mode: no server-side prepared statements.
    database_pooler: bool = False
    #: Redis URL for the ephemeral store. Unset: an in-process store (one process only).
    redis_url: str | None = None
    #: Prefix for every key this installation writes to Redis.
    redis_prefix: str = "tuaton:"
    #: Where the hot endpoints (authorize, token, userinfo, the app's sign-in calls) run their
    #: blocking work. "auto": on the event loop when every backend is local and cheap (SQLite, the
    #: in-process store, the keyed passcode check with a key file and no argon2 step: each call is
    #: a few hundred microseconds at most, and a hop to a worker thread costs 110–225 µs of CPU),
    #: else in the thread pool, where a network wait for PostgreSQL, Redis or an HSM, or an argon2
    #: hash, does not hold up the other requests. "threads" or "inline" force one.
    blocking_calls: Literal["auto", "threads", "inline"] = "auto"
    #: The public base URL. It is the OpenID Provider's ``iss``; no trailing slash.
    issuer: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000

    #: The sandbox serves synthetic personas' card data and the simulated enrolment.
    #: A national deployment that points at the real registry sets this to false.
    sandbox: bool = True

    #: How long a QR sign-in may wait for the citizen (seconds).
    signin_ttl: int = 180
    authorization_code_ttl: int = 60
    #: How long a pushed authorization request's request_uri lasts (RFC 9126).
    par_ttl: int = 60
    access_token_ttl: int = 900
    id_token_ttl: int = 3600
    refresh_token_ttl: int = 30 * 24 * 3600
    #: How long a retired signing key stays in the JWKS so tokens it signed still verify.
    key_overlap: int = 24 * 3600
    #: How often a process re-reads the signing keys from the database.
    key_cache_seconds: float = 30.0

    #: The programme office: a service counts as linked to the digital ID when its production client
    #: had at least one approved sign-in in the last this many days.
    programme_link_window_days: int = 30
    #: Reminders to agencies whose services are behind go at most this often (days; OPDC's 15).
    programme_reminder_days: int = 15
    #: Outgoing e-mail (mail.py): ``smtp://host:25``, ``smtp+starttls://user:pass@host:587`` or
    #: ``smtps://…``; unset, nothing is e-mailed (and what would send says so).
    smtp_url: str | None = None
    mail_from: str = "no-reply@tuaton.example"

    #: How passcodes are kept (identity/passcode_verifier.py): ``keyed`` — HMAC-SHA-256 under a
    #: passcode key held in a key backend, the default — or ``argon2id`` alone.
    passcode_verifier: str = "keyed"
    #: Where the passcode key lives: ``file`` (``passcode_key_file``, 0600, made on first start) or
    #: ``pkcs11`` (an HSM through ``pkcs11_module``; SoftHSM2 in tests).
    passcode_key_backend: str = "file"
    passcode_key_file: str = "./var/passcode-keys.json"
    pkcs11_module: str = "/usr/lib/softhsm/libsofthsm2.so"
    pkcs11_token_label: str = "tuaton"
    pkcs11_pin: str | None = None
    #: An optional argon2id step before the keyed MAC (0 = none): a cost per guess for a thief who
    #: has both the database and the key.
    passcode_prehash_memory_kib: int = 0
    passcode_prehash_time_cost: int = 1
    #: argon2id cost for passcodes with ``passcode_verifier=argon2id``, for verifiers made before
    #: the keyed scheme, and for officers' passwords (OWASP's minimum: 19 MiB, 2 passes, 1 lane).
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1
    #: Wrong passcodes in a row that lock an identity until it re-enrols.
    passcode_max_failures: int = 5

    #: Identity proofing. An enrolment must finish within ``enrolment_ttl`` seconds.
    enrolment_ttl: int = 1800
    enrolments_per_device_per_day: int = 10
    #: Photos one enrolment may send in all (card sides and selfies, retakes included; the
    #: enrolment ends past it), and megabytes of photos one device may send a day.
    photos_per_enrolment: int = 24
    photo_megabytes_per_device_per_day: int = 200
    card_checks_per_citizen_per_day: int = 10
    #: Failed selfies per citizen ID per day before the app sends the citizen to an office.
    face_failures_per_citizen_per_day: int = 5
    #: Face descriptor distance below which two faces are one person (dlib's LFW calibration;
    #: BENCHMARKS.md reports false accepts/rejects at this and nearby values).
    face_match_threshold: float = 0.6
    #: ``onnx`` (dlib's descriptor network converted to ONNX Runtime, batched; a GPU when present)
    #: or ``dlib`` (dlib's own CPU network, one face at a time: the reference).
    face_engine: str = "onnx"
    #: Batching of face chips across concurrent requests: how long a pass waits for more chips
    #: (empty: 0 ms on a CPU, 2 ms on a GPU), the most chips in one pass, and ONNX Runtime's
    #: threads per process (1: run one process per core instead).
    face_batch_window_ms: float | None = None
    face_max_batch: int = 32
    face_threads: int = 1
    #: How long enrolment photos are kept for investigation; hashes, decisions and scores stay.
    #: 0 keeps no image at all.
    evidence_retention_hours: int = 72
    #: Registrar offices: an officer's station session, an office visit, the binding QR code's life.
    officer_session_ttl: int = 8 * 3600
    #: Registrar officers sign in to the station with the Tuaton app (their own identity). The
    #: password sign-in is break-glass only: for when Tuaton's sign-in itself cannot be used, turned on
    #: deliberately, every use audited as ``officer.break_glass_signin`` (docs/operators.md).
    office_break_glass: bool = False
    office_visit_ttl: int = 1800
    office_binding_ttl: int = 300
    #: Fingerprint scans an office visit may fail before the officer must confirm the face instead.
    fingerprint_attempts: int = 3
    fingerprint_match_threshold: float = 0.4
    #: ``simulated`` (the sandbox's synthetic cards) or ``pcsc`` (a real reader through pcscd);
    #: empty picks ``simulated`` in the sandbox and ``pcsc`` otherwise.
    card_reader: str = ""
    card_reader_name: str | None = None

    #: Portals (agency, citizen self-service, operators' console): how long a sign-in lasts.
    portal_session_ttl: int = 2 * 3600
    #: After an agency rotates its client secret, the old one keeps working this long.
    client_secret_overlap: int = 7 * 24 * 3600
    #: How long the national dashboard's figures are reused before they are counted again.
    dashboard_cache_seconds: int = 60

    #: The digital ID card (SD-JWT VC): how long one issued card lasts (no longer than
    #: ``key_overlap``, so a key rotation never strands a card; the app renews it when online),
    #: how long a status list is reused before it is computed again (verifiers refresh it as
    #: often: its ``ttl``), how long a fetched list may be trusted offline (its ``exp``), and
    #: entries per list.
    card_credential_ttl: int = 24 * 3600
    status_list_ttl: int = 60
    status_list_lifetime: int = 24 * 3600
    status_list_size: int = 131072

    #: Backchannel sign-in (CIBA): how long a request waits for the citizen unless the agency asks
    #: for less or more (``requested_expiry``, 30–600 s), and the polling interval it is given.
    ciba_expiry: int = 120
    ciba_interval: int = 5
    #: Backchannel requests one agency may send one citizen's phone per minute.
    ciba_requests_per_citizen_per_minute: int = 3
    #: Backchannel requests one agency may send per minute in all (spent before the citizen is
    #: looked up, so a client cannot sweep citizen IDs through ``unknown_user_id``).
    ciba_lookups_per_client_per_minute: int = 120
    #: Password sign-ins (officers' stations, the bootstrap console) one address may try in 15
    #: minutes, right or wrong; wrong passwords also slow their account (officers/service.py).
    officer_login_tries_per_source: int = 60
    #: The Bearer token Prometheus sends to ``/metrics``; unset, only loopback callers are answered.
    metrics_token: str | None = None

    #: How often each process's audit sequencer seals new events into a signed batch (seconds;
    #: 0 turns it off in this process: `tuaton audit seal` then does it).
    audit_seal_seconds: float = 1.0

    #: Threads for blocking work (argon2) so the event loop never waits on it.
    worker_threads: int = Field(default=8, ge=1)

    @field_validator("issuer")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @cached_property
    def blocking_calls_inline(self) -> bool:
        if self.blocking_calls == "auto":
            return (self.is_sqlite and not self.redis_url and self.passcode_verifier == "keyed"
                    and self.passcode_key_backend == "file" and self.passcode_prehash_memory_kib == 0)
        return self.blocking_calls == "inline"

    def ensure_var_dir(self) -> None:
        """Create the folder of a file-based SQLite database."""
        if self.is_sqlite and ":memory:" not in self.database_url:
            path = self.database_url.split("///", 1)[-1]
            Path(path).parent.mkdir(parents=True, exist_ok=True)
