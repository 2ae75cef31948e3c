"""QR sign-in transactions.

``/authorize`` starts a transaction and shows its QR code; the app reads the transaction, then
approves or refuses with a request signed by its device key (over the transaction, its
challenge, the decision and a fresh nonce) plus the passcode; the browser that started the
sign-in (and only it: a cookie binds it) learns the outcome and continues to the agency.
All state lives in the ephemeral store, so any process can serve any step.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tuaton.audit.trail import record
from tuaton.errors import (
    AssuranceTooLow,
    BadSignature,
    BrowserMismatch,
    InvalidInput,
    SandboxPersonasOnly,
    SigninAlreadyDecided,
    SigninNotFound,
    WrongAccount,
)
from tuaton.identity.devices import claim_nonce, verify_signed_request
from tuaton.identity.service import Identities
from tuaton.oidc.authorization import AuthorizationRequest
from tuaton.oidc.claims import CLAIM_LABELS, claims_for_scopes
from tuaton.oidc.clients import Clients, RegisteredClient
from tuaton.oidc.grants import ApprovedSignin, Grants
from tuaton.proofing.assurance import AMR_APP_PASSCODE, SIGNIN_AAL, acr_for, how_to_raise, meets
from tuaton.settings import Settings
from tuaton.storage.db import Database
from tuaton.storage.ephemeral import EphemeralStore

#: Authentication (AMR_APP_PASSCODE, SIGNIN_AAL in proofing/assurance.py): the app's device key
#: unlocked by the passcode — AAL 2.2 in ETDA ขมธอ. 19-2561 terms; the ``acr`` names the IAL with it.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GRACE_SECONDS = 300


class SigninStatus(enum.StrEnum):
    PENDING = "pending"
    SCANNED = "scanned"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"


class Decision(enum.StrEnum):
    APPROVE = "approve"
    DENY = "deny"


@dataclass(frozen=True)
class StartedSignin:
    id: str
    reference: str
    expires_at: int
    #: Goes to the browser as a cookie; only its hash is stored.
    browser_secret: str


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _error_redirect(request: AuthorizationRequest, issuer: str, error: str, description: str) -> str:
    params = {"error": error, "error_description": description, "iss": issuer}
    if request.state is not None:
        params["state"] = request.state
    separator = "&" if "?" in request.redirect_uri else "?"
    return request.redirect_uri + separator + urlencode(params)


class Signins:
    def __init__(self, database: Database, store: EphemeralStore, identities: Identities, grants: Grants,
                 clients: Clients, settings: Settings) -> None:
        self._db = database
        self._store = store
        self._identities = identities
        self._grants = grants
        self._clients = clients
        self._settings = settings

    # -- the browser -------------------------------------------------------------------------
    def start(self, request: AuthorizationRequest) -> StartedSignin:
        signin_id = secrets.token_urlsafe(18)
        reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        browser_secret = secrets.token_urlsafe(24)
        expires_at = int(time.time()) + self._settings.signin_ttl
        self._store.put(f"signin:{signin_id}", {
            "request": dataclasses.asdict(request) | {"prompt": sorted(request.prompt)},
            "reference": reference, "challenge": secrets.token_urlsafe(24),
            "browser": _hash(browser_secret), "expires_at": expires_at, "started_at": round(time.time(), 3),
        }, self._settings.signin_ttl + GRACE_SECONDS)
        return StartedSignin(signin_id, reference, expires_at, browser_secret)

    def _load(self, signin_id: str) -> dict[str, Any]:
        txn = self._store.get(f"signin:{signin_id}") if signin_id else None
        if txn is None:
            raise SigninNotFound()
        return txn

    @staticmethod
    def _request(txn: dict[str, Any]) -> AuthorizationRequest:
        raw = dict(txn["request"])
        raw["scopes"] = tuple(raw["scopes"])
        raw["prompt"] = frozenset(raw["prompt"])
        raw["ui_locales"] = tuple(raw["ui_locales"])
        raw["acr_values"] = tuple(raw["acr_values"])
        return AuthorizationRequest(**raw)

    def status(self, signin_id: str, browser_secret: str | None) -> dict[str, Any]:
        txn = self._load(signin_id)
        if not browser_secret or not hmac.compare_digest(txn["browser"], _hash(browser_secret)):
            raise BrowserMismatch()
        decision = self._store.get(f"signin:{signin_id}:decision")
        if decision is not None and decision.get("status") in (SigninStatus.APPROVED, SigninStatus.DENIED):
            return {"status": decision["status"], "redirect_to": decision["redirect_to"]}
        if time.time() > txn["expires_at"]:
            request = self._request(txn)
            return {"status": SigninStatus.EXPIRED.value, "redirect_to": _error_redirect(
                request, self._settings.issuer, "access_denied",
                "The citizen did not approve the sign-in in time.")}
        scanned = self._store.get(f"signin:{signin_id}:scanned") is not None
        return {"status": (SigninStatus.SCANNED if scanned else SigninStatus.PENDING).value}

    def page_details(self, signin_id: str) -> tuple[dict[str, Any], AuthorizationRequest]:
        txn = self._load(signin_id)
        return txn, self._request(txn)

    # -- the app -----------------------------------------------------------------------------
    def for_app(self, signin_id: str) -> dict[str, Any]:
        """What the app shows before the citizen decides; marks the sign-in as scanned."""
        txn = self._load(signin_id)
        if time.time() > txn["expires_at"]:
            raise SigninNotFound()
        request = self._request(txn)
        client = self._clients.get(request.client_id)
        if client is None:
            raise SigninNotFound()
        self._store.add(f"signin:{signin_id}:scanned", {"at": int(time.time())},
                        self._settings.signin_ttl + GRACE_SECONDS)
        claims = claims_for_scopes(set(request.scopes))
        return {
            "id": signin_id, "reference": txn["reference"], "expires_at": txn["expires_at"],
            "challenge": txn["challenge"],
            "agency": {"client_id": client.client_id, "name_th": client.name_th, "name_en": client.name_en,
                       "purpose_th": client.purpose_th, "purpose_en": client.purpose_en},
            "claims": [{"claim": c, "label_en": CLAIM_LABELS[c][0], "label_th": CLAIM_LABELS[c][1]}
                       for c in claims],
            "offline_access": "offline_access" in request.scopes,
            # The agency's minimum assurance, so the app can tell a citizen below it before they try.
            "acr_values": list(request.acr_values),
        }

    def decide(self, signin_id: str, *, device_id: str, signed_request: str, decision: str,
               passcode: str | None) -> dict[str, Any]:
        try:
            choice = Decision(decision)
        except ValueError as exc:
            raise InvalidInput("decision must be approve or deny.", "decision ต้องเป็น approve หรือ deny",
                               field="decision") from exc
        txn = self._load(signin_id)
        if time.time() > txn["expires_at"]:
            raise SigninNotFound()
        if self._store.get(f"signin:{signin_id}:decision") is not None:
            raise SigninAlreadyDecided()
        device = self._identities.active_device(device_id)
        payload = verify_signed_request(signed_request, device.public_jwk, purpose="signin")
        if (payload.get("signin") != signin_id or payload.get("challenge") != txn["challenge"]
                or payload.get("decision") != choice.value or payload.get("device") != device_id):
            raise BadSignature("The signed request does not cover this sign-in, its challenge and decision.",
                               "ลายมือชื่อไม่ตรงกับรายการเข้าสู่ระบบนี้")
        claim_nonce(self._store, device_id, payload)
        request = self._request(txn)
        if request.login_hint_pid and request.login_hint_pid != device.pid:
            raise WrongAccount()
        client = self._clients.get(request.client_id)
        if client is None:
            raise SigninNotFound()
        if choice == Decision.APPROVE and client.is_sandbox and not device.is_test_persona:
            with self._db.transaction() as session:
                record(session, "signin.sandbox_refused", identity_id=device.identity_id,
                       client_id=request.client_id, reference=txn["reference"])
            raise SandboxPersonasOnly()
        if not self._store.add(f"signin:{signin_id}:lock", {}, 30):
            raise SigninAlreadyDecided()
        if choice == Decision.APPROVE and not meets(request.acr_values, device.ial, SIGNIN_AAL):
            self._refuse_for_assurance(signin_id, txn, request, device.identity_id, device.ial)
        try:
            if choice == Decision.APPROVE:
                self._identities.check_passcode(device.identity_id, passcode or "",
                                                context={"client_id": request.client_id,
                                                         "signin": txn["reference"]})
                approved = ApprovedSignin(identity_id=device.identity_id, device_id=device.device_id,
                                          pid=device.pid, ial=device.ial, auth_time=int(time.time()),
                                          acr=acr_for(device.ial, SIGNIN_AAL), amr=AMR_APP_PASSCODE,
                                          seconds_to_approve=round(time.time() - txn.get("started_at", time.time()), 2))
                redirect_to = self._grants.issue_code(request, client, approved)
                status = SigninStatus.APPROVED
            else:
                redirect_to = _error_redirect(request, self._settings.issuer, "access_denied",
                                              "The citizen refused the sign-in.")
                with self._db.transaction() as session:
                    record(session, "signin.denied", identity_id=device.identity_id,
                           client_id=request.client_id, reference=txn["reference"])
                status = SigninStatus.DENIED
        except Exception:
            self._store.delete(f"signin:{signin_id}:lock")
            raise
        self._store.put(f"signin:{signin_id}:decision", {"status": status.value, "redirect_to": redirect_to},
                        self._settings.signin_ttl + GRACE_SECONDS)
        return {"status": status.value, "reference": txn["reference"]}

    def _refuse_for_assurance(self, signin_id: str, txn: dict[str, Any], request: AuthorizationRequest,
                              identity_id: str, ial: str) -> None:
        """The citizen is below the agency's minimum: the sign-in ends, the agency learns
        ``unmet_authentication_requirements`` and the app tells the citizen how to raise their level."""
        redirect_to = _error_redirect(request, self._settings.issuer, "unmet_authentication_requirements",
                                      "The citizen's identity assurance level is below the acr_values requested.")
        with self._db.transaction() as session:
            record(session, "signin.assurance_too_low", identity_id=identity_id, client_id=request.client_id,
                   reference=txn["reference"], ial=ial, acr_values=list(request.acr_values))
        self._store.put(f"signin:{signin_id}:decision", {"status": SigninStatus.DENIED.value,
                                                        "redirect_to": redirect_to},
                        self._settings.signin_ttl + GRACE_SECONDS)
        advice_en, advice_th = how_to_raise(ial)
        raise AssuranceTooLow(f"This e-Service requires a higher identity assurance level than yours (IAL {ial}). "
                              + advice_en, f"บริการนี้ต้องการระดับการพิสูจน์ตัวตนสูงกว่าของท่าน (IAL {ial}) "
                              + advice_th, ial=ial, acr_values=list(request.acr_values))

    def client_for(self, request: AuthorizationRequest) -> RegisteredClient | None:
        return self._clients.get(request.client_id)
