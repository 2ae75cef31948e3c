"""The OpenID Provider's signing keys: ES256 (default) and RS256, rotation with overlap, JWKS.

Keys live in the database so every process signs with the same key; each process re-reads them
every ``key_cache_seconds``. ``rotate()`` makes new keys the signing keys at once and keeps the old
ones published for ``key_overlap`` seconds, so tokens they signed still verify.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass

from joserfc import jws
from joserfc.jwk import ECKey, KeySet, RSAKey
from sqlalchemy import select

from tuaton.audit.trail import record
from tuaton.oidc.models import SigningKey
from tuaton.storage.db import Database

ALGORITHMS = ("ES256", "RS256")


def _generate(alg: str, kid: str) -> ECKey | RSAKey:
    params = {"kid": kid, "alg": alg, "use": "sig"}
    if alg == "ES256":
        return ECKey.generate_key("P-256", parameters=params)
    return RSAKey.generate_key(2048, parameters=params)


def _import(jwk: dict) -> ECKey | RSAKey:
    return ECKey.import_key(jwk) if jwk["kty"] == "EC" else RSAKey.import_key(jwk)


@dataclass(frozen=True)
class KeyView:
    signing: dict[str, ECKey | RSAKey]  # alg → current signing key
    published: KeySet  # every key a token may still be verified with (private parts included)
    jwks: dict  # public JWKS document
    jwks_body: bytes = b""  # the same, serialised once
    jwks_etag: str = ""


@dataclass(frozen=True)
class KeyStatus:
    kid: str
    alg: str
    created_at: dt.datetime
    retired_at: dt.datetime | None
    #: signing (new tokens), published (retired, still verifies old tokens) or withdrawn
    state: str


class SigningKeys:
    def __init__(self, database: Database, overlap_seconds: int, cache_seconds: float) -> None:
        self._db = database
        self._overlap = dt.timedelta(seconds=overlap_seconds)
        self._cache_seconds = cache_seconds
        self._view: KeyView | None = None
        self._imported: dict[str, ECKey | RSAKey] = {}
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def _add_keys(self, session, now: dt.datetime) -> list[str]:
        kids = []
        for alg in ALGORITHMS:
            kid = f"{alg.lower()}-{now:%Y%m%d}-{secrets.token_hex(4)}"
            key = _generate(alg, kid)
            session.add(SigningKey(kid=kid, alg=alg, private_jwk=key.as_dict(private=True), created_at=now))
            kids.append(kid)
        return kids

    def ensure(self) -> None:
        """Make the first keys of a new installation (idempotent)."""
        with self._db.transaction() as session:
            current = session.execute(select(SigningKey).where(SigningKey.retired_at.is_(None))).scalars()
            have = {k.alg for k in current}
            if not set(ALGORITHMS) <= have:
                kids = self._add_keys(session, dt.datetime.now(dt.UTC))
                record(session, "keys.created", kids=kids)
        self.refresh()

    def rotate(self, **by: str) -> list[str]:
        now = dt.datetime.now(dt.UTC)
        with self._db.transaction() as session:
            for key in session.execute(select(SigningKey).where(SigningKey.retired_at.is_(None))).scalars():
                key.retired_at = now
            kids = self._add_keys(session, now + dt.timedelta(microseconds=1))
            record(session, "keys.rotated", kids=kids, **by)
        self.refresh()
        return kids

    def refresh(self) -> KeyView:
        now = dt.datetime.now(dt.UTC)
        with self._db.reading() as session:
            rows = session.execute(select(SigningKey).order_by(SigningKey.created_at.desc())).scalars().all()
        signing: dict[str, ECKey | RSAKey] = {}
        published = []
        for row in rows:
            retired = row.retired_at
            if retired is not None and retired.tzinfo is None:
                retired = retired.replace(tzinfo=dt.UTC)
            if retired is not None and retired + self._overlap < now:
                continue
            key = self._imported.get(row.kid)
            if key is None:     # importing (an RSA key above all) costs milliseconds: once per key
                key = self._imported[row.kid] = _import(row.private_jwk)
            published.append(key)
            if retired is None and row.alg not in signing:
                signing[row.alg] = key
        keyset = KeySet(published)
        public = keyset.as_dict(private=False)
        body = json.dumps(public, separators=(",", ":")).encode()
        view = KeyView(signing, keyset, public, body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
        with self._lock:
            self._view, self._loaded_at = view, time.monotonic()
        return view

    def status(self) -> list[KeyStatus]:
        """Every key, newest first, with what it is used for now (for the operators' console)."""
        now = dt.datetime.now(dt.UTC)
        with self._db.reading() as session:
            rows = session.execute(select(SigningKey.kid, SigningKey.alg, SigningKey.created_at,
                                          SigningKey.retired_at).order_by(SigningKey.created_at.desc())).all()
        out = []
        for kid, alg, created, retired in rows:
            retired = retired.replace(tzinfo=dt.UTC) if retired is not None and retired.tzinfo is None else retired
            state = "signing" if retired is None else ("published" if retired + self._overlap >= now else "withdrawn")
            out.append(KeyStatus(kid, alg, created, retired, state))
        return out

    def cached_view(self) -> KeyView | None:
        """The keys as last read, if still fresh; None when they must be read again."""
        with self._lock:
            if self._view is not None and time.monotonic() - self._loaded_at < self._cache_seconds:
                return self._view
        return None

    def view(self) -> KeyView:
        return self.cached_view() or self.refresh()

    def sign_compact(self, payload: bytes, header: dict | None = None, alg: str = "ES256") -> str:
        """A compact JWS over ``payload`` with the current ``alg`` signing key (its ``kid`` in the header)."""
        key = self.signing_key(alg)
        return jws.serialize_compact({**(header or {}), "alg": alg, "kid": key.kid}, payload, key)

    def key_for_kid(self, kid: str) -> ECKey | RSAKey | None:
        """Any key this installation ever signed with, withdrawn ones included (to verify old
        signatures such as the audit trail's tree heads); None for a kid it never had."""
        with self._db.reading() as session:
            row = session.execute(select(SigningKey.private_jwk).where(SigningKey.kid == kid)).scalar()
        return _import(row) if row else None

    def signing_key(self, alg: str) -> ECKey | RSAKey:
        key = self.view().signing.get(alg)
        if key is None:
            key = self.refresh().signing[alg]
        return key
