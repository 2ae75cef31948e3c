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
from tuaton.outbound import names_internal_host
from tuaton.storage.db import Database

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
ID_TOKEN_ALGS = ("ES256", "RS256")
PRODUCTION, SANDBOX = "production", "sandbox"


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


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
    environment: str = PRODUCTION
    previous_secret_hash: str | None = field(repr=False, default=None)
    previous_secret_expires_at: dt.datetime | None = None
    backchannel_token_delivery_mode: str | None = None
    backchannel_client_notification_endpoint: str | None = None
    require_pushed_authorization_requests: bool = False
    dpop_bound_access_tokens: bool = False
    jwks_uri: str | None = None

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"

    @property
    def is_fapi(self) -> bool:
        """Registered for FAPI 2.0 (PAR or DPoP required): PKCE S256 always, and client assertions
        signed with ES256 or PS256 only."""
        return self.require_pushed_authorization_requests or self.dpop_bound_access_tokens

    @property
    def is_sandbox(self) -> bool:
        return self.environment == SANDBOX

    def secret_matches(self, secret: str, now: dt.datetime | None = None) -> bool:
        """The current secret, or the one before it while a rotation's overlap lasts."""
        if self.secret_hash is None:
            return False
        given = hash_secret(secret)
        if hmac.compare_digest(self.secret_hash, given):
            return True
        expires = self.previous_secret_expires_at
        return bool(self.previous_secret_hash and expires is not None
                    and (now or dt.datetime.now(dt.UTC)) < _aware(expires)
                    and hmac.compare_digest(self.previous_secret_hash, given))


@dataclass(frozen=True)
class CreatedClient:
    client: RegisteredClient
    client_secret: str | None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _is_callback_url(uri: str) -> bool:
    """An absolute https URL without a fragment; http only on loopback (a developer's machine)."""
    try:
        parts = urlsplit(uri)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return not (parts.fragment or not parts.netloc or parts.scheme not in ("https", "http") or (
        parts.scheme == "http" and not loopback))


def check_redirect_uri(uri: str) -> str:
    if not _is_callback_url(uri):
        raise InvalidInput(f"Redirect URI {uri!r} must be an absolute https URL without a fragment "
                           "(http only for 127.0.0.1 or localhost).",
                           f"Redirect URI {uri!r} ต้องเป็น URL แบบ https ที่สมบูรณ์และไม่มี #fragment",
                           field="redirect_uri")
    return uri


BACKCHANNEL_MODES = ("poll", "ping")


def check_backchannel(mode: str | None, endpoint: str | None, auth_method: str, *,
                      internal_ok: bool = True) -> None:
    """CIBA registration (CIBA Core §4): a confidential client, a known mode, and for ``ping``
    an https notification endpoint (http only on loopback, as for redirect URIs).

    Tuaton's own servers POST to that endpoint, so one an agency sets itself (``internal_ok``
    False) may not name an internal address: a loopback or private endpoint is only for clients an
    operator registers (``tuaton client create``: the demo, a developer's machine)."""
    if mode is None:
        if endpoint:
            raise InvalidInput("A notification endpoint needs backchannel_token_delivery_mode ping.",
                               "ปลายทางรับการแจ้งเตือนใช้ได้กับโหมด ping เท่านั้น",
                               field="backchannel_client_notification_endpoint")
        return
    if mode not in BACKCHANNEL_MODES:
        raise InvalidInput("backchannel_token_delivery_mode must be poll or ping (push is not offered).",
                           "โหมดต้องเป็น poll หรือ ping (ไม่มีโหมด push)", field="backchannel_token_delivery_mode")
    if auth_method == "none":
        raise InvalidInput("Backchannel sign-in is for confidential clients (a server), not public ones.",
                           "การยืนยันตัวตนผ่านช่องทางหลัง (backchannel) ใช้ได้กับเซิร์ฟเวอร์ของหน่วยงานที่มีรหัสลับหรือกุญแจเท่านั้น",
                           field="backchannel_token_delivery_mode")
    if mode == "ping":
        if not endpoint:
            raise InvalidInput("Ping mode needs backchannel_client_notification_endpoint.",
                               "โหมด ping ต้องระบุปลายทางรับการแจ้งเตือน (notification endpoint)",
                               field="backchannel_client_notification_endpoint")
        if len(endpoint) > 500 or not _is_callback_url(endpoint):
            raise InvalidInput(f"The notification endpoint {endpoint!r} must be an absolute https URL without "
                               "a fragment (http only for 127.0.0.1 or localhost).",
                               f"ปลายทางรับการแจ้งเตือน {endpoint!r} ต้องเป็น URL แบบ https ที่สมบูรณ์และไม่มี #fragment",
                               field="backchannel_client_notification_endpoint")
        if not internal_ok and names_internal_host(endpoint):
            raise InvalidInput(f"The notification endpoint {endpoint!r} names an internal address; give your "
                               "server's public https URL.",
                               f"ปลายทางรับการแจ้งเตือน {endpoint!r} เป็นที่อยู่ภายใน กรุณาระบุ URL แบบ https "
                               "ของเซิร์ฟเวอร์ที่เข้าถึงได้จากอินเทอร์เน็ต",
                               field="backchannel_client_notification_endpoint")


def check_jwks_uri(uri: str, *, internal_ok: bool = False) -> None:
    """An agency's ``jwks_uri``: an https URL on the public internet (an operator may name a
    loopback one for a test)."""
    parts = urlsplit(uri)
    local = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost") and internal_ok
    if (parts.scheme != "https" and not local) or not parts.hostname or parts.fragment or len(uri) > 500:
        raise InvalidInput(f"The jwks_uri {uri!r} must be an https URL without a #fragment.",
                           f"jwks_uri {uri!r} ต้องเป็น URL แบบ https ที่ไม่มี #fragment", field="jwks_uri")
    if not internal_ok and names_internal_host(uri):
        raise InvalidInput(f"The jwks_uri {uri!r} names an internal address; give your server's public https URL.",
                           f"jwks_uri {uri!r} เป็นที่อยู่ภายใน กรุณาระบุ URL แบบ https ที่เข้าถึงได้จากอินเทอร์เน็ต",
                           field="jwks_uri")


def _from_row(row: Client) -> RegisteredClient:
    return RegisteredClient(
        client_id=row.client_id, name_th=row.name_th, name_en=row.name_en,
        token_endpoint_auth_method=row.token_endpoint_auth_method,
        redirect_uris=tuple(row.redirect_uris), post_logout_redirect_uris=tuple(row.post_logout_redirect_uris),
        scopes=frozenset(row.scopes), subject_type=row.subject_type,
        id_token_signed_response_alg=row.id_token_signed_response_alg,
        purpose_th=row.purpose_th, purpose_en=row.purpose_en, secret_hash=row.secret_hash, jwks=row.jwks,
        environment=row.environment, previous_secret_hash=row.previous_secret_hash,
        previous_secret_expires_at=row.previous_secret_expires_at,
        backchannel_token_delivery_mode=row.backchannel_token_delivery_mode,
        backchannel_client_notification_endpoint=row.backchannel_client_notification_endpoint,
        require_pushed_authorization_requests=bool(row.require_pushed_authorization_requests),
        dpop_bound_access_tokens=bool(row.dpop_bound_access_tokens), jwks_uri=row.jwks_uri)


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
               client_secret: str | None = None, environment: str = PRODUCTION,
               issue_secret: bool = True, backchannel_mode: str | None = None,
               backchannel_notification_endpoint: str | None = None, require_par: bool = False,
               require_dpop: bool = False, jwks_uri: str | None = None,
               internal_ok: bool = False) -> CreatedClient:
        """Register a client. ``issue_secret=False`` leaves a confidential client without a secret
        until :meth:`rotate_secret` makes the first one (the agency portal shows it once, to the agency)."""
        if auth_method not in AUTH_METHODS:
            raise InvalidInput(f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}.",
                               field="token_endpoint_auth_method")
        if id_token_alg not in ID_TOKEN_ALGS:
            raise InvalidInput(f"id_token_signed_response_alg must be one of {', '.join(ID_TOKEN_ALGS)}.",
                               field="id_token_signed_response_alg")
        if environment not in (PRODUCTION, SANDBOX):
            raise InvalidInput("environment must be production or sandbox.", field="environment")
        if subject_type not in ("pairwise", "public"):
            raise InvalidInput("subject_type must be pairwise or public.", field="subject_type")
        if not redirect_uris:
            raise InvalidInput("At least one redirect URI is required.", field="redirect_uri")
        unknown = set(scopes) - KNOWN_SCOPES
        if unknown:
            raise InvalidInput(f"Unknown scope(s): {', '.join(sorted(unknown))}.", field="scope")
        if auth_method == "private_key_jwt" and not (jwks and jwks.get("keys")) and not jwks_uri:
            raise InvalidInput("private_key_jwt needs the client's public keys: a jwks_uri, or the JWKS itself.",
                               field="jwks")
        if jwks_uri is not None:
            check_jwks_uri(jwks_uri, internal_ok=internal_ok)
        uris = [check_redirect_uri(u) for u in redirect_uris]
        check_backchannel(backchannel_mode, backchannel_notification_endpoint, auth_method)
        logout_uris = [check_redirect_uri(u) for u in (post_logout_redirect_uris or [])]
        client_id = client_id or "tt_" + secrets.token_hex(12)
        secret = None
        if auth_method in ("client_secret_basic", "client_secret_post") and issue_secret:
            secret = client_secret or secrets.token_urlsafe(32)
            if len(secret) < 32:
                raise InvalidInput("A client secret must be at least 32 characters.", field="client_secret")
        row = Client(client_id=client_id, name_en=name_en, name_th=name_th or name_en,
                     secret_hash=hash_secret(secret) if secret else None,
                     token_endpoint_auth_method=auth_method, redirect_uris=uris,
                     post_logout_redirect_uris=logout_uris, scopes=sorted(set(scopes) | {"openid"}),
                     jwks=jwks, subject_type=subject_type, id_token_signed_response_alg=id_token_alg,
                     purpose_en=purpose_en, purpose_th=purpose_th or purpose_en, active=True,
                     environment=environment, created_at=dt.datetime.now(dt.UTC),
                     backchannel_token_delivery_mode=backchannel_mode,
                     backchannel_client_notification_endpoint=backchannel_notification_endpoint,
                     require_pushed_authorization_requests=require_par, dpop_bound_access_tokens=require_dpop,
                     jwks_uri=jwks_uri)
        with self._db.transaction() as session:
            if session.get(Client, client_id) is not None:
                raise InvalidInput(f"A client with id {client_id!r} exists already.", field="client_id")
            session.add(row)
            session.flush()
            record(session, "client.created", client_id=client_id, scopes=row.scopes,
                   auth_method=auth_method, environment=environment, require_par=require_par,
                   require_dpop=require_dpop)
            created = _from_row(row)
        return CreatedClient(created, secret)

    def ensure_first_party(self, client_id: str, *, name_en: str, name_th: str, redirect_uri: str,
                           scopes: list[str]) -> RegisteredClient:
        """Tuaton's own portals sign people in through Tuaton as an ordinary public client with
        PKCE. Its redirect URI is on the issuer itself, so it is kept in step with the issuer."""
        with self._db.transaction() as session:
            row = session.get(Client, client_id)
            if row is None:
                row = Client(client_id=client_id, name_en=name_en, name_th=name_th, redirect_uris=[redirect_uri],
                             scopes=scopes, secret_hash=None, token_endpoint_auth_method="none",
                             post_logout_redirect_uris=[], jwks=None, subject_type="pairwise",
                             id_token_signed_response_alg="ES256", purpose_en="", purpose_th="", active=True,
                             environment=PRODUCTION, created_at=dt.datetime.now(dt.UTC))
                session.add(row)
                record(session, "client.created", client_id=client_id, scopes=scopes, auth_method="none",
                       environment=PRODUCTION, first_party=True)
            row.name_en, row.name_th, row.redirect_uris, row.scopes = name_en, name_th, [redirect_uri], scopes
            session.flush()
            found = _from_row(row)
        self.forget(client_id)
        return found

    def rotate_secret(self, client_id: str, overlap_seconds: int) -> str:
        """A new secret, shown once; the old one keeps working for ``overlap_seconds``."""
        secret = secrets.token_urlsafe(32)
        now = dt.datetime.now(dt.UTC)
        with self._db.transaction() as session:
            row = session.get(Client, client_id)
            if row is None or row.token_endpoint_auth_method not in ("client_secret_basic", "client_secret_post"):
                raise InvalidInput("Only clients that authenticate with a client secret have one to rotate.",
                                   "ไคลเอนต์นี้ไม่ได้ใช้ client secret", field="client_id")
            row.previous_secret_hash = row.secret_hash
            row.previous_secret_expires_at = now + dt.timedelta(seconds=overlap_seconds) if row.secret_hash else None
            row.secret_hash = hash_secret(secret)
            record(session, "client.secret_rotated", client_id=client_id, overlap_seconds=overlap_seconds)
        self.forget(client_id)
        return secret

    def update(self, client_id: str, *, redirect_uris: list[str] | None = None, scopes: list[str] | None = None,
               jwks: dict | None = None, auth_method: str | None = None, names: tuple[str, str] | None = None,
               purposes: tuple[str, str] | None = None, jwks_uri: str | None = None,
               require_par: bool | None = None, require_dpop: bool | None = None) -> RegisteredClient:
        """Change what an agency may change (redirect URIs, keys, FAPI 2.0 settings) or what a
        review granted (scopes). Keys are either pasted (``jwks``) or at a ``jwks_uri``: setting
        one clears the other."""
        with self._db.transaction() as session:
            row = session.get(Client, client_id)
            if row is None:
                raise InvalidInput(f"There is no client {client_id!r}.", field="client_id")
            changed: list[str] = []
            if redirect_uris is not None:
                if not redirect_uris:
                    raise InvalidInput("At least one redirect URI is required.",
                                       "ต้องมี Redirect URI อย่างน้อยหนึ่งรายการ", field="redirect_uri")
                row.redirect_uris = [check_redirect_uri(u) for u in redirect_uris]
                changed.append("redirect_uris")
            if scopes is not None:
                unknown = set(scopes) - KNOWN_SCOPES
                if unknown:
                    raise InvalidInput(f"Unknown scope(s): {', '.join(sorted(unknown))}.", field="scope")
                row.scopes = sorted(set(scopes) | {"openid"})
                changed.append("scopes")
            if jwks_uri is not None:
                check_jwks_uri(jwks_uri)
                row.jwks_uri, row.jwks = jwks_uri, None
                changed.append("jwks_uri")
            if jwks is not None:
                row.jwks, row.jwks_uri = jwks, None
                changed.append("jwks")
            if auth_method is not None:
                if auth_method == "private_key_jwt" and not ((row.jwks or {}).get("keys") or row.jwks_uri):
                    raise InvalidInput("private_key_jwt needs the client's public keys: a jwks_uri, or the JWKS.",
                                       "private_key_jwt ต้องมีกุญแจสาธารณะ: jwks_uri หรือ JWKS", field="jwks")
                row.token_endpoint_auth_method = auth_method
                changed.append("token_endpoint_auth_method")
            if require_par is not None and require_par != row.require_pushed_authorization_requests:
                row.require_pushed_authorization_requests = require_par
                changed.append("require_pushed_authorization_requests")
            if require_dpop is not None and require_dpop != row.dpop_bound_access_tokens:
                row.dpop_bound_access_tokens = require_dpop
                changed.append("dpop_bound_access_tokens")
            if names is not None:
                row.name_th, row.name_en = names
                changed.append("name")
            if purposes is not None:
                row.purpose_th, row.purpose_en = purposes
                changed.append("purpose")
            record(session, "client.updated", client_id=client_id, changed=changed,
                   **({"scopes": row.scopes} if scopes is not None else {}))
            session.flush()
            found = _from_row(row)
        self.forget(client_id)
        return found

    def set_backchannel(self, client_id: str, mode: str | None, endpoint: str | None, *,
                        internal_ok: bool = False, changed_by: str | None = None) -> RegisteredClient:
        """Turn backchannel sign-in (CIBA) on in ``poll`` or ``ping`` mode, or off (``None``);
        as the agency's own setting, the endpoint must be public unless ``internal_ok``."""
        endpoint = endpoint if mode == "ping" else None
        with self._db.transaction() as session:
            row = session.get(Client, client_id)
            if row is None:
                raise InvalidInput(f"There is no client {client_id!r}.", field="client_id")
            check_backchannel(mode, endpoint, row.token_endpoint_auth_method, internal_ok=internal_ok)
            row.backchannel_token_delivery_mode, row.backchannel_client_notification_endpoint = mode, endpoint
            record(session, "client.backchannel_changed", identity_id=changed_by, client_id=client_id,
                   mode=mode or "off")
            session.flush()
            found = _from_row(row)
        self.forget(client_id)
        return found

    def forget(self, client_id: str) -> None:
        """Drop this process's cached copy (other processes see a change within the cache time)."""
        with self._lock:
            self._cache.pop(client_id, None)

    def all_ids(self) -> list[str]:
        with self._db.reading() as session:
            return list(session.execute(select(Client.client_id)).scalars())
