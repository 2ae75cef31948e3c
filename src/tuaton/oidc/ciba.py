"""OpenID Client-Initiated Backchannel Authentication (CIBA Core 1.0), poll and ping modes.

An agency's server asks Tuaton to authenticate a citizen it names (``login_hint``: the citizen
ID for agencies granted ``pid``, otherwise the pairwise ``sub`` it got from an earlier sign-in),
with a short ``binding_message`` the citizen sees on the phone and at the agency (a meeting's
name and seat, a call-centre ticket). The app lists the request; the citizen approves with the
passcode, or refuses. The agency polls the token endpoint (``poll``), or is told at its
notification endpoint that the result is ready (``ping``) and then fetches it.

Protocol rules are plain functions; state lives in the ephemeral store under ``ciba:{id}``.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from typing import Any

import httpx

from tuaton.audit.trail import record
from tuaton.errors import (
    AssuranceTooLow,
    NotAnOfficial,
    SigninAlreadyDecided,
    SigninNotFound,
)
from tuaton.identity.service import SIMULATED_CHANNEL, Identities
from tuaton.numeric import ascii_digits
from tuaton.oidc.authorization import check_scope
from tuaton.oidc.claims import CLAIM_LABELS, claims_for_scopes
from tuaton.oidc.clients import Clients, RegisteredClient
from tuaton.oidc.errors import (
    AccessDenied,
    AuthorizationPending,
    ExpiredToken,
    InvalidBindingMessage,
    InvalidGrant,
    InvalidRequest,
    SlowDown,
    TooManyBackchannelRequests,
    UnauthorizedClient,
    UnknownUserId,
)
from tuaton.oidc.grants import Grants
from tuaton.oidc.records import BackchannelRequest, BackchannelTransaction
from tuaton.outbound import OutboundRefused, post_json
from tuaton.registry import citizen_id
from tuaton.settings import Settings
from tuaton.signin.approval import Approvals, Approved, Ask, parse_decision
from tuaton.storage.db import Database
from tuaton.storage.ephemeral import EphemeralStore

log = logging.getLogger("tuaton.ciba")

GRANT_TYPE = "urn:openid:params:grant-type:ciba"
#: CIBA Core §7.1: what a citizen reads on a phone screen; kept short and printable.
BINDING_MESSAGE_MAX = 64
MIN_EXPIRY, MAX_EXPIRY = 30, 600
#: CIBA Core §11: a client told to slow down adds (at least) this to its interval.
SLOW_DOWN_STEP = 5
#: The one answer for a login_hint the client cannot reach, whatever the reason.
UNREACHABLE = ("login_hint does not name a citizen this client can reach: the citizen must have an active "
               "Tuaton app, and sandbox credentials reach only test personas "
               "(tuaton app enroll --simulate PID --quick).")


def check_binding_message(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if len(value) > BINDING_MESSAGE_MAX or any(unicodedata.category(c)[0] == "C" for c in value):
        raise InvalidBindingMessage(f"binding_message must be at most {BINDING_MESSAGE_MAX} printable characters "
                                    "(it is shown on the citizen's phone).")
    return value


def parse_backchannel_request(form: dict[str, str], client: RegisteredClient) -> BackchannelRequest:
    """CIBA Core §7.1–7.2 for the modes Tuaton offers: exactly one hint, and it is ``login_hint``."""
    if client.backchannel_token_delivery_mode is None:
        raise UnauthorizedClient("This client is not registered for backchannel sign-in "
                                 "(backchannel_token_delivery_mode poll or ping).")
    if form.get("request"):
        raise InvalidRequest("Signed authentication requests (request) are not supported; send the parameters.")
    hints = [name for name in ("login_hint", "login_hint_token", "id_token_hint") if form.get(name)]
    if len(hints) != 1:
        raise InvalidRequest("Exactly one of login_hint, login_hint_token or id_token_hint is required.")
    if hints[0] != "login_hint":
        raise InvalidRequest(f"{hints[0]} is not supported; send login_hint (the citizen ID, or the sub from an "
                             "earlier sign-in).")
    if form.get("user_code"):
        raise InvalidRequest("user_code is not supported: the citizen approves with the app's passcode.")
    scopes = check_scope(form, client)
    token = form.get("client_notification_token")
    if client.backchannel_token_delivery_mode == "ping":
        if not token:
            raise InvalidRequest("client_notification_token is required in ping mode.")
        if len(token) > 1024:
            raise InvalidRequest("client_notification_token is too long (1024 characters at most).")
    raw_expiry = form.get("requested_expiry")
    expiry = ascii_digits(raw_expiry) if raw_expiry else None
    if raw_expiry and (expiry is None or not MIN_EXPIRY <= expiry <= MAX_EXPIRY):
        raise InvalidRequest(f"requested_expiry must be {MIN_EXPIRY} to {MAX_EXPIRY} seconds (digits 0-9).")
    return BackchannelRequest(
        client_id=client.client_id, scopes=scopes, login_hint=form["login_hint"].strip(),
        binding_message=check_binding_message(form.get("binding_message")),
        client_notification_token=token if client.backchannel_token_delivery_mode == "ping" else None,
        requested_expiry=expiry, acr_values=tuple(form.get("acr_values", "").split()))


class Backchannel:
    def __init__(self, database: Database, store: EphemeralStore, identities: Identities, grants: Grants,
                 approvals: Approvals, clients: Clients, settings: Settings,
                 notify: Callable[[str, str, str], None] | None = None) -> None:
        self._db = database
        self._store = store
        self._identities = identities
        self._grants = grants
        self._approvals = approvals
        self._clients = clients
        self._settings = settings
        #: How a ping reaches the client; a thread by default so the citizen's approval never waits.
        self._notify = notify or _ping_in_background

    # -- the agency ---------------------------------------------------------------------------
    def _identity_for_hint(self, client: RegisteredClient, hint: str) -> str:
        """The citizen ``login_hint`` names, if this client may reach them. Every hint it may not
        reach gets the same answer (UNREACHABLE) — no citizen, no active app, not a test persona
        for sandbox credentials — so the endpoint tells nobody whether a citizen ID uses Tuaton;
        and each lookup spends the client's budget first, so it cannot be used to sweep IDs."""
        limit = self._settings.ciba_lookups_per_client_per_minute
        if self._store.incr(f"ciba-lookups:{client.client_id}", 60) > limit:
            raise TooManyBackchannelRequests(f"At most {limit} backchannel requests a minute for one client.")
        if citizen_id.is_valid(hint):
            if "pid" not in client.scopes:
                raise UnknownUserId("This client is not approved for the citizen ID (pid); use the sub from an "
                                    "earlier sign-in as login_hint.")
            identity_id = self._identities.identity_id_for(citizen_id.normalize(hint))
        else:
            identity_id = self._grants.identity_for_subject(client, hint)
        channel = self._identities.reachable_channel(identity_id) if identity_id else None
        # Sandbox credentials never ring a real citizen's phone (the same rule as QR sign-in).
        if channel is None or (client.is_sandbox and channel != SIMULATED_CHANNEL):
            raise UnknownUserId(UNREACHABLE)
        return identity_id

    def start(self, client: RegisteredClient, request: BackchannelRequest) -> dict[str, Any]:
        identity_id = self._identity_for_hint(client, request.login_hint)
        limit = self._settings.ciba_requests_per_citizen_per_minute
        if self._store.incr(f"ciba-rate:{client.client_id}:{identity_id}", 60) > limit:
            raise TooManyBackchannelRequests(f"At most {limit} backchannel requests a minute for one citizen; "
                                             "wait for the citizen to answer the last one.")
        auth_req_id = secrets.token_urlsafe(32)
        expires_in = request.requested_expiry or self._settings.ciba_expiry
        interval = self._settings.ciba_interval
        now = time.time()
        txn = BackchannelTransaction(request, identity_id, created_at=now, expires_at=now + expires_in,
                                     interval=interval)
        self._store.put(f"ciba:{auth_req_id}", txn.to_store(), expires_in + 300)
        # The app's inbox: the citizen's open requests (ended ones are dropped as it is rewritten).
        inbox = self._store.get(f"ciba-inbox:{identity_id}") or {"ids": []}
        live = [i for i in inbox["ids"] if (other := self._transaction(i)) is not None
                and other.status == "pending"]
        self._store.put(f"ciba-inbox:{identity_id}", {"ids": [*live[-19:], auth_req_id]}, MAX_EXPIRY + 60)
        with self._db.transaction() as session:
            record(session, "ciba.requested", identity_id=identity_id, client_id=client.client_id,
                   mode=client.backchannel_token_delivery_mode)
        return {"auth_req_id": auth_req_id, "expires_in": expires_in, "interval": interval}

    def poll(self, client: RegisteredClient, auth_req_id: str, jkt: str | None = None) -> dict[str, Any]:
        """The token request (CIBA Core §10.1) for both modes (``jkt``: a DPoP proof's key)."""
        key = f"ciba:{auth_req_id}"
        txn = self._transaction(auth_req_id)
        if txn is None or txn.request.client_id != client.client_id:
            raise InvalidGrant("auth_req_id is unknown, was issued to another client, or was already redeemed.")
        now = time.time()
        if txn.status == "pending":
            if now > txn.expires_at:
                raise ExpiredToken("The citizen did not answer in time; start a new backchannel request.")
            if client.backchannel_token_delivery_mode == "poll" and now - txn.last_poll < txn.interval:
                txn = txn.with_(interval=txn.interval + SLOW_DOWN_STEP, last_poll=now)
                self._keep(auth_req_id, txn)
                raise SlowDown(f"Polling too fast; wait at least {txn.interval} seconds between requests.")
            self._keep(auth_req_id, txn.with_(last_poll=now))
            raise AuthorizationPending("The citizen has not answered yet.")
        if txn.status == "denied":
            self._store.delete(key)
            raise AccessDenied(txn.reason or "The citizen refused the request.")
        taken = self._store.take(key)
        if taken is None:
            raise InvalidGrant("auth_req_id was already redeemed.")
        taken_txn = BackchannelTransaction.from_store(taken)
        return self._grants.tokens_for_grant(client, taken_txn.grant_id, list(taken_txn.request.scopes),
                                             taken_txn.approved, channel="backchannel", jkt=jkt)

    def _transaction(self, auth_req_id: str) -> BackchannelTransaction | None:
        stored = self._store.get(f"ciba:{auth_req_id}")
        return BackchannelTransaction.from_store(stored) if stored is not None else None

    def _keep(self, auth_req_id: str, txn: BackchannelTransaction) -> None:
        self._store.put(f"ciba:{auth_req_id}", txn.to_store(), max(txn.expires_at - time.time(), 1) + 300)

    # -- the app ------------------------------------------------------------------------------
    def _describe(self, auth_req_id: str, txn: BackchannelTransaction) -> dict[str, Any]:
        client = self._clients.get(txn.request.client_id)
        claims = claims_for_scopes(set(txn.request.scopes))
        return {
            "id": auth_req_id, "kind": "backchannel", "status": txn.status,
            "binding_message": txn.request.binding_message, "expires_at": int(txn.expires_at),
            "agency": {"client_id": client.client_id, "name_th": client.name_th, "name_en": client.name_en,
                       "purpose_th": client.purpose_th, "purpose_en": client.purpose_en} if client else None,
            "claims": [{"claim": c, "label_en": CLAIM_LABELS[c][0], "label_th": CLAIM_LABELS[c][1]} for c in claims],
        }

    def inbox(self, device_id: str, signed_request: str) -> list[dict[str, Any]]:
        """The pending requests for this device's citizen (a device-signed, single-use request)."""
        device, _ = self._identities.authenticate_request(device_id, signed_request, "inbox", self._store)
        inbox = self._store.get(f"ciba-inbox:{device.identity_id}") or {"ids": []}
        pending = []
        for auth_req_id in inbox["ids"]:
            txn = self._transaction(auth_req_id)
            if txn and txn.status == "pending" and time.time() <= txn.expires_at:
                pending.append(self._describe(auth_req_id, txn))
        return pending

    def decide(self, auth_req_id: str, *, device_id: str, signed_request: str, decision: str,
               passcode: str | None) -> dict[str, Any]:
        """The app's answer, through the one approval core (signin/approval.py); the agency then
        collects the tokens at the token endpoint (told by a ping in ping mode)."""
        parse_decision(decision)
        txn = self._transaction(auth_req_id)
        if txn is None or time.time() > txn.expires_at:
            raise SigninNotFound()
        client = self._clients.get(txn.request.client_id)
        if client is None:
            raise SigninNotFound()
        if txn.status != "pending":
            raise SigninAlreadyDecided()
        ask = Ask(purpose="backchannel", covers={"request": auth_req_id}, lock_key=f"ciba:{auth_req_id}:lock",
                  client=client, scopes=txn.request.scopes, acr_values=txn.request.acr_values,
                  started_at=txn.created_at, identity_id=txn.identity_id, audit={"channel": "backchannel"})

        def finish(approved: Approved | None) -> str:
            if approved is None:
                return self._ended(client, auth_req_id, txn, "denied", reason="The citizen refused the request.")
            return self._ended(client, auth_req_id, txn, "approved", grant_id=approved.grant_id,
                               approved=approved.signin)

        try:
            status = self._approvals.decide(ask, device_id=device_id, signed_request=signed_request,
                                            decision=decision, passcode=passcode, finish=finish)
        except AssuranceTooLow:
            self._ended(client, auth_req_id, txn, "denied",
                        reason="The citizen's identity assurance level is below acr_values.")
            raise
        except NotAnOfficial:
            self._ended(client, auth_req_id, txn, "denied",
                        reason="The citizen is not an official of this client's organisation.")
            raise
        return {"status": status}

    def _ended(self, client: RegisteredClient, auth_req_id: str, txn: BackchannelTransaction, status: str,
               **outcome: Any) -> str:
        """Keep the request's outcome for the agency's next token request, and ping it."""
        txn = txn.with_(status=status, **outcome)
        self._keep(auth_req_id, txn)
        self._ping(client, auth_req_id, txn)
        return status

    def _ping(self, client: RegisteredClient, auth_req_id: str, txn: BackchannelTransaction) -> None:
        token = txn.request.client_notification_token
        endpoint = client.backchannel_client_notification_endpoint
        if client.backchannel_token_delivery_mode == "ping" and token and endpoint:
            self._notify(endpoint, token, auth_req_id)


def send_ping(endpoint: str, token: str, auth_req_id: str) -> bool:
    """CIBA Core §10.2: POST ``{"auth_req_id"}`` with the client's notification token as Bearer,
    through the one outbound path (outbound.py: public addresses only, no redirects)."""
    try:
        response = post_json(endpoint, {"auth_req_id": auth_req_id}, headers={"Authorization": f"Bearer {token}"})
    except OutboundRefused as exc:
        log.warning("ping to %s refused: %s", endpoint, exc)
        return False
    except httpx.HTTPError as exc:
        log.warning("ping to %s failed: %s", endpoint, type(exc).__name__)
        return False
    if response.status_code >= 300:
        log.warning("ping to %s answered %s", endpoint, response.status_code)
    return response.status_code < 300


def _ping_in_background(endpoint: str, token: str, auth_req_id: str) -> None:
    threading.Thread(target=send_ping, args=(endpoint, token, auth_req_id), daemon=True).start()
