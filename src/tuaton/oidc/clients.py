"""Agencies' clients: registration (``tuaton client create``, later the portal) and lookup."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import select

from tuaton.audit.trail import record
from tuaton.errors import InvalidInput
from tuaton.oidc.claims import KNOWN_SCOPES
from tuaton.oidc.models import Client
from tuaton.storage.db import Database

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
ID_TOKEN_ALGS = ("ES256", "RS256")


@dataclass(frozen=True)
class RegisteredClient:
    client_id: str
    name_th: str
    name_en: str
    token_endpoint_auth_method: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    scopes: frozenset[str]
    subject_type: str
    id_token_signed_response_alg: str
    purpose_th: str
    purpose_en: str
    secret_hash: str | None = field(repr=False, default=None)
    jwks: dict | None = None

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"

    def secret_matches(self, secret: str) -> bool:
        if self.secret_hash is None:
            return False
        return hmac.compare_digest(self.secret_hash, hash_secret(secret))


@dataclass(frozen=True)
class CreatedClient:
    client: RegisteredClient
    client_secret: str | None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_redirect_uri(uri: str) -> str:
    parts = urlsplit(uri)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.fragment or not parts.netloc or parts.scheme not in ("https", "http") or (
            parts.scheme == "http" and not loopback):
        raise InvalidInput(f"Redirect URI {uri!r} must be an absolute https URL without a fragment "
                           "(http only for 127.0.0.1 or localhost).",
                           f"Redirect URI {uri!r} ต้องเป็น URL แบบ https ที่สมบูรณ์และไม่มี #fragment",
                           field="redirect_uri")
    return uri


def _from_row(row: Client) -> RegisteredClient:
    return RegisteredClient(
        client_id=row.client_id, name_th=row.name_th, name_en=row.name_en,
        token_endpoint_auth_method=row.token_endpoint_auth_method,
        redirect_uris=tuple(row.redirect_uris), post_logout_redirect_uris=tuple(row.post_logout_redirect_uris),
        scopes=frozenset(row.scopes), subject_type=row.subject_type,
        id_token_signed_response_alg=row.id_token_signed_response_alg,
        purpose_th=row.purpose_th, purpose_en=row.purpose_en, secret_hash=row.secret_hash, jwks=row.jwks)


class Clients:
    """Lookup with a short in-process cache: a client is read on every token request."""

    def __init__(self, database: Database, cache_seconds: float = 10.0) -> None:
        self._db = database
        self._cache: dict[str, tuple[float, RegisteredClient | None]] = {}
        self._lock = threading.Lock()
        self._ttl = cache_seconds

    def get(self, client_id: str) -> RegisteredClient | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(client_id)
        if hit and hit[0] > now:
            return hit[1]
        with self._db.reading() as session:
            row = session.get(Client, client_id)
            found = _from_row(row) if row is not None and row.active else None
        with self._lock:
            self._cache[client_id] = (now + self._ttl, found)
        return found

    def create(self, *, name_en: str, name_th: str | None = None, redirect_uris: list[str],
               scopes: list[str], auth_method: str = "client_secret_basic",
               post_logout_redirect_uris: list[str] | None = None, jwks: dict | None = None,
               subject_type: str = "pairwise", id_token_alg: str = "ES256",
               purpose_en: str = "", purpose_th: str = "", client_id: str | None = None,
               client_secret: str | None = None) -> CreatedClient:
        if auth_method not in AUTH_METHODS:
            raise InvalidInput(f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}.",
                               field="token_endpoint_auth_method")
        if id_token_alg not in ID_TOKEN_ALGS:
            raise InvalidInput(f"id_token_signed_response_alg must be one of {', '.join(ID_TOKEN_ALGS)}.",
                               field="id_token_signed_response_alg")
        if subject_type not in ("pairwise", "public"):
            raise InvalidInput("subject_type must be pairwise or public.", field="subject_type")
        if not redirect_uris:
            raise InvalidInput("At least one redirect URI is required.", field="redirect_uri")
        unknown = set(scopes) - KNOWN_SCOPES
        if unknown:
            raise InvalidInput(f"Unknown scope(s): {', '.join(sorted(unknown))}.", field="scope")
        if auth_method == "private_key_jwt" and not (jwks and jwks.get("keys")):
            raise InvalidInput("private_key_jwt needs the client's public keys (jwks).", field="jwks")
        uris = [_check_redirect_uri(u) for u in redirect_uris]
        logout_uris = [_check_redirect_uri(u) for u in (post_logout_redirect_uris or [])]
        client_id = client_id or "tt_" + secrets.token_hex(12)
        secret = None
        if auth_method in ("client_secret_basic", "client_secret_post"):
            secret = client_secret or secrets.token_urlsafe(32)
            if len(secret) < 32:
                raise InvalidInput("A client secret must be at least 32 characters.", field="client_secret")
        row = Client(client_id=client_id, name_en=name_en, name_th=name_th or name_en,
                     secret_hash=hash_secret(secret) if secret else None,
                     token_endpoint_auth_method=auth_method, redirect_uris=uris,
                     post_logout_redirect_uris=logout_uris, scopes=sorted(set(scopes) | {"openid"}),
                     jwks=jwks, subject_type=subject_type, id_token_signed_response_alg=id_token_alg,
                     purpose_en=purpose_en, purpose_th=purpose_th or purpose_en, active=True,
                     created_at=dt.datetime.now(dt.UTC))
        with self._db.transaction() as session:
            if session.get(Client, client_id) is not None:
                raise InvalidInput(f"A client with id {client_id!r} exists already.", field="client_id")
            session.add(row)
            session.flush()
            record(session, "client.created", client_id=client_id, scopes=row.scopes,
                   auth_method=auth_method)
            created = _from_row(row)
        return CreatedClient(created, secret)

    def all_ids(self) -> list[str]:
        with self._db.reading() as session:
            return list(session.execute(select(Client.client_id)).scalars())
