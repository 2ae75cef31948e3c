"""Portal sessions: who is signed in to the agency portal, the citizen pages or the console.

People sign in to the portals with Tuaton itself — the QR sign-in, through the OpenID Provider as
an ordinary public client with PKCE (``tuaton-portal``), redeemed in-process. Only the bootstrap
administrator made by ``tuaton admin create`` signs in with a password, and only to the console.
Sessions live in the ephemeral store (any process serves any page); the cookie holds a random
token whose hash is the key. Every form carries the session's CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import asdict, dataclass

from tuaton.errors import CsrfFailed, PortalSignInRequired
from tuaton.oidc.grants import token_hash
from tuaton.settings import Settings
from tuaton.storage.ephemeral import EphemeralStore

PORTAL_CLIENT_ID = "tuaton-portal"
PORTAL_SCOPES = ["openid", "name", "name_en"]
LOGIN_TTL = 600


@dataclass(frozen=True)
class PortalUser:
    """A signed-in person. ``identity_id`` for Tuaton sign-ins; ``officer_id`` for the bootstrap
    administrator's password sign-in (which has no Tuaton identity)."""

    name_th: str
    name_en: str
    csrf: str
    identity_id: str | None = None
    pid: str | None = None
    officer_id: str | None = None

    def check_csrf(self, token: str | None) -> None:
        if not token or not hmac.compare_digest(token, self.csrf):
            raise CsrfFailed()


@dataclass(frozen=True)
class PendingLogin:
    """An authorization request the portal sent, waiting for its callback."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str
    browser: str   # hash of the cookie given to the browser that started it


def safe_next(path: str | None) -> str:
    """Only a path on this site: never ``//elsewhere`` or ``https://elsewhere`` (open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path or "\n" in path:
        return "/me"
    return path


class PortalSessions:
    def __init__(self, store: EphemeralStore, settings: Settings) -> None:
        self._store, self._settings = store, settings

    def begin_login(self, next_path: str | None) -> tuple[PendingLogin, str]:
        """A new pending login and the secret for the browser's cookie."""
        browser_secret = secrets.token_urlsafe(24)
        pending = PendingLogin(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48),
                               safe_next(next_path), token_hash(browser_secret))
        self._store.put(f"portal-login:{pending.state}", asdict(pending), LOGIN_TTL)
        return pending, browser_secret

    def finish_login(self, state: str, browser_secret: str | None) -> PendingLogin:
        """The pending login for ``state`` — once, and only in the browser that started it."""
        data = self._store.take(f"portal-login:{state}") if state else None
        if data is None or not browser_secret or not hmac.compare_digest(data["browser"],
                                                                         token_hash(browser_secret)):
            raise PortalSignInRequired("This sign-in link has expired or was opened in another browser; "
                                       "sign in again.", "ลิงก์เข้าสู่ระบบหมดอายุหรือเปิดจากเบราว์เซอร์อื่น "
                                       "กรุณาเข้าสู่ระบบใหม่")
        return PendingLogin(**data)

    def create(self, user: PortalUser) -> str:
        token = secrets.token_urlsafe(32)
        self._store.put(f"portal-session:{token_hash(token)}", asdict(user), self._settings.portal_session_ttl)
        return token

    def get(self, token: str | None) -> PortalUser:
        data = self._store.get(f"portal-session:{token_hash(token)}") if token else None
        if data is None:
            raise PortalSignInRequired()
        return PortalUser(**data)

    def end(self, token: str | None) -> None:
        if token:
            self._store.delete(f"portal-session:{token_hash(token)}")
