"""QR sign-in transactions.

``/authorize`` starts a transaction and shows its QR code; the app reads the transaction, then
approves or refuses with a request signed by its device key (over the transaction, its
challenge, the decision and a fresh nonce) plus the passcode; the browser that started the
sign-in (and only it: a cookie binds it) learns the outcome and continues to the agency.
All state lives in the ephemeral store, so any process can serve any step.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from tuaton.errors import (
    AssuranceTooLow,
    BrowserMismatch,
    NotAnOfficial,
    SigninAlreadyDecided,
    SigninNotFound,
    WrongNumber,
)
from tuaton.oidc.authorization import AuthorizationRequest
from tuaton.oidc.claims import CLAIM_LABELS, claims_for_scopes
from tuaton.oidc.clients import Clients, RegisteredClient
from tuaton.oidc.grants import Grants, authorization_response
from tuaton.settings import Settings
from tuaton.signin import browser
from tuaton.signin.approval import Approvals, Approved, Ask, parse_decision
from tuaton.signin.records import SigninDecision, SigninRecord
from tuaton.storage.ephemeral import EphemeralStore

#: Authentication (AMR_APP_PASSCODE, SIGNIN_AAL in assurance.py): the app's device key
#: unlocked by the passcode — AAL 2.2 in ETDA ขมธอ. 19-2561 terms; the ``acr`` names the IAL with it.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GRACE_SECONDS = 300


class SigninStatus(enum.StrEnum):
    PENDING = "pending"
    SCANNED = "scanned"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"


@dataclass(frozen=True)
class StartedSignin:
    id: str
    reference: str
    expires_at: int
    #: Goes to the browser as a cookie; only its hash is stored.
    browser_secret: str
    #: Shown by the browser; the citizen picks it in the app (number matching).
    number: str


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _error_redirect(request: AuthorizationRequest, issuer: str, error: str, description: str) -> str:
    return authorization_response(request.redirect_uri, request.state, issuer, error=error,
                                  error_description=description)


def _lock_key(signin_id: str) -> str:
    """What an approval of this sign-in is locked and recorded under (one grant per approval)."""
    return f"signin:{signin_id}:lock"


class Signins:
    def __init__(self, store: EphemeralStore, approvals: Approvals, grants: Grants, clients: Clients,
                 settings: Settings) -> None:
        self._store = store
        self._approvals = approvals
        self._grants = grants
        self._clients = clients
        self._settings = settings

    # -- the browser -------------------------------------------------------------------------
    def start(self, request: AuthorizationRequest, user_agent: str | None = None) -> StartedSignin:
        signin_id = secrets.token_urlsafe(18)
        reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        browser_secret = secrets.token_urlsafe(24)
        expires_at = int(time.time()) + self._settings.signin_ttl
        number, choices = browser.new_number()
        record = SigninRecord(request, reference, secrets.token_urlsafe(24), _hash(browser_secret), expires_at,
                              round(time.time(), 3), number, choices, browser.device_kind(user_agent))
        self._store.put(f"signin:{signin_id}", record.to_store(), self._settings.signin_ttl + GRACE_SECONDS)
        return StartedSignin(signin_id, reference, expires_at, browser_secret, number)

    def _load(self, signin_id: str) -> SigninRecord:
        stored = self._store.get(f"signin:{signin_id}") if signin_id else None
        if stored is None:
            raise SigninNotFound()
        return SigninRecord.from_store(stored)

    def _decision(self, signin_id: str) -> SigninDecision | None:
        stored = self._store.get(f"signin:{signin_id}:decision")
        return SigninDecision.from_store(stored) if stored is not None else None

    def status(self, signin_id: str, browser_secret: str | None) -> dict[str, Any]:
        txn = self._load(signin_id)
        if not browser_secret or not hmac.compare_digest(txn.browser, _hash(browser_secret)):
            raise BrowserMismatch()
        decision = self._decision(signin_id)
        if decision is not None and decision.status in (SigninStatus.APPROVED, SigninStatus.DENIED):
            return {"status": decision.status, "redirect_to": decision.redirect_to}
        if txn.expired(time.time()):
            return {"status": SigninStatus.EXPIRED.value, "redirect_to": _error_redirect(
                txn.request, self._settings.issuer, "access_denied",
                "The citizen did not approve the sign-in in time.")}
        scanned = self._store.get(f"signin:{signin_id}:scanned") is not None
        return {"status": (SigninStatus.SCANNED if scanned else SigninStatus.PENDING).value}

    def request_of(self, signin_id: str) -> AuthorizationRequest:
        """The agency's request behind a sign-in (the same-device landing page shows its agency)."""
        return self._load(signin_id).request

    # -- the app -----------------------------------------------------------------------------
    def approved_grant(self, signin_id: str, identity_id: str) -> tuple[str, str, dt.datetime] | None:
        """(grant id, client id, when) if this citizen approved this QR sign-in (for rating it)."""
        return self._grants.approved_signin(_lock_key(signin_id), identity_id)

    def for_app(self, signin_id: str) -> dict[str, Any]:
        """What the app shows before the citizen decides; marks the sign-in as scanned."""
        txn = self._load(signin_id)
        if txn.expired(time.time()):
            raise SigninNotFound()
        request = txn.request
        client = self._clients.get(request.client_id)
        if client is None:
            raise SigninNotFound()
        self._store.add(f"signin:{signin_id}:scanned", {"at": int(time.time())},
                        self._settings.signin_ttl + GRACE_SECONDS)
        claims = claims_for_scopes(set(request.scopes))
        return {
            "id": signin_id, "reference": txn.reference, "expires_at": txn.expires_at,
            "challenge": txn.challenge,
            "agency": {"client_id": client.client_id, "name_th": client.name_th, "name_en": client.name_en,
                       "purpose_th": client.purpose_th, "purpose_en": client.purpose_en},
            "claims": [{"claim": c, "label_en": CLAIM_LABELS[c][0], "label_th": CLAIM_LABELS[c][1]}
                       for c in claims],
            "offline_access": "offline_access" in request.scopes,
            # The agency's minimum assurance, so the app can tell a citizen below it before they try.
            "acr_values": list(request.acr_values),
            # Number matching: the citizen picks the one their sign-in page shows, on the device below.
            "number_choices": list(txn.choices),
            "started_on": {**browser.describe(txn.started_on), "at": int(txn.started_at or 0) or None},
        }

    def decide(self, signin_id: str, *, device_id: str, signed_request: str, decision: str,
               passcode: str | None, number: str | None = None) -> dict[str, Any]:
        """The app's answer, through the one approval core (signin/approval.py); an approval
        becomes an authorization code on the redirect the waiting browser is sent to."""
        parse_decision(decision)
        txn = self._load(signin_id)
        if txn.expired(time.time()):
            raise SigninNotFound()
        if self._decision(signin_id) is not None:
            raise SigninAlreadyDecided()
        request = txn.request
        client = self._clients.get(request.client_id)
        if client is None:
            raise SigninNotFound()
        ask = Ask(purpose="signin", covers={"signin": signin_id, "challenge": txn.challenge},
                  lock_key=_lock_key(signin_id), client=client, scopes=request.scopes,
                  acr_values=request.acr_values, started_at=txn.started_at or time.time(),
                  citizen_pid=request.login_hint_pid, audit={"reference": txn.reference}, number=txn.number)

        def finish(approved: Approved | None) -> SigninStatus:
            if approved is None:
                self._decided(signin_id, SigninStatus.DENIED, _error_redirect(
                    request, self._settings.issuer, "access_denied", "The citizen refused the sign-in."))
                return SigninStatus.DENIED
            self._decided(signin_id, SigninStatus.APPROVED,
                          self._grants.issue_code(request, client, approved.signin, approved.grant_id))
            return SigninStatus.APPROVED

        try:
            status = self._approvals.decide(ask, device_id=device_id, signed_request=signed_request,
                                            decision=decision, passcode=passcode, finish=finish, picked=number)
        except WrongNumber:
            self._decided(signin_id, SigninStatus.DENIED, _error_redirect(
                request, self._settings.issuer, "access_denied",
                "The sign-in was stopped: the citizen picked a number the sign-in page did not show."))
            raise
        except NotAnOfficial:
            self._decided(signin_id, SigninStatus.DENIED, _error_redirect(
                request, self._settings.issuer, "access_denied",
                "The citizen is not registered as an official of this client's organisation (scope official)."))
            raise
        except AssuranceTooLow:
            # The agency learns ``unmet_authentication_requirements``; the app tells the citizen how
            # to raise their level.
            self._decided(signin_id, SigninStatus.DENIED, _error_redirect(
                request, self._settings.issuer, "unmet_authentication_requirements",
                "The citizen's identity assurance level is below the acr_values requested."))
            raise
        return {"status": status.value, "reference": txn.reference}

    def _decided(self, signin_id: str, status: SigninStatus, redirect_to: str) -> None:
        self._store.put(f"signin:{signin_id}:decision", SigninDecision(status.value, redirect_to).to_store(),
                        self._settings.signin_ttl + GRACE_SECONDS)

    def client_for(self, request: AuthorizationRequest) -> RegisteredClient | None:
        return self._clients.get(request.client_id)
