"""One way to approve a sign-in, whichever channel asked for it.

A citizen approves (or refuses) in the app, either a QR sign-in started in a browser or an agency's
backchannel (CIBA) request. Both go through :meth:`Approvals.decide`: the device's signed request
must cover this sign-in and this decision, the account and sandbox rules apply, one decision wins
(a lock in the store), the citizen's assurance level must meet the agency's ``acr_values``, the
passcode is checked, and an approval becomes a grant — each outcome audited once, with the same
event names, so dashboards and usage count both channels alike. The channel keeps only what is its
own: where its state lives and what the agency gets (a code on a redirect, or tokens at the token
endpoint).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tuaton.assurance import AMR_APP_PASSCODE, SIGNIN_AAL, acr_for, how_to_raise, meets
from tuaton.audit.trail import record
from tuaton.errors import (
    AssuranceTooLow,
    BadSignature,
    InvalidInput,
    NotAnOfficial,
    SandboxPersonasOnly,
    SigninAlreadyDecided,
    SigninNotFound,
    WrongAccount,
    WrongNumber,
)
from tuaton.identity.devices import claim_nonce, verify_signed_request
from tuaton.identity.service import ActiveDevice, Identities
from tuaton.oidc.clients import RegisteredClient
from tuaton.oidc.grants import Grants
from tuaton.oidc.records import ApprovedSignin
from tuaton.storage.db import Database
from tuaton.storage.ephemeral import EphemeralStore

R = TypeVar("R")
LOCK_SECONDS = 30


class Decision(enum.StrEnum):
    APPROVE = "approve"
    DENY = "deny"


@dataclass(frozen=True)
class Ask:
    """What the citizen is asked to approve, as the channel knows it."""

    #: The signed request's ``purpose`` ("signin" for QR, "backchannel" for CIBA).
    purpose: str
    #: What the device's signed request must name besides the decision and the device.
    covers: Mapping[str, str]
    #: Store key held while one decision is made (the first decision wins).
    lock_key: str
    client: RegisteredClient
    scopes: tuple[str, ...]
    acr_values: tuple[str, ...]
    #: When the sign-in was shown (epoch seconds): the dashboards' time-to-approve.
    started_at: float
    #: The only citizen who may answer: the agency's ``login_hint`` (QR) or the citizen the
    #: backchannel request was sent to (by identity). Anyone else's device is refused.
    citizen_pid: str | None = None
    identity_id: str | None = None
    #: What the audit events of this sign-in carry (the QR reference, or the channel).
    audit: Mapping[str, Any] = field(default_factory=dict)
    #: Number matching (QR): the number the browser shows, which the citizen must pick to approve.
    number: str | None = None


@dataclass(frozen=True)
class Approved:
    signin: ApprovedSignin
    grant_id: str


def parse_decision(value: str) -> Decision:
    try:
        return Decision(value)
    except ValueError as exc:
        raise InvalidInput("decision must be approve or deny.", "decision ต้องเป็น approve หรือ deny",
                           field="decision") from exc


class Approvals:
    def __init__(self, database: Database, store: EphemeralStore, identities: Identities, grants: Grants) -> None:
        self._db = database
        self._store = store
        self._identities = identities
        self._grants = grants

    def decide(self, ask: Ask, *, device_id: str, signed_request: str, decision: str, passcode: str | None,
               finish: Callable[[Approved | None], R], picked: str | None = None) -> R:
        """The citizen's answer. ``finish`` gets the approval (``None``: refused) and makes the
        channel's result while the decision is still held; if anything fails before it returns, the
        sign-in can be answered again. :class:`AssuranceTooLow` and :class:`WrongNumber` (``picked``
        is not ``ask.number``) end the sign-in (the channel records it as refused) and keep it decided."""
        choice = parse_decision(decision)
        device = self._device(ask, device_id, signed_request, choice)
        if choice == Decision.APPROVE and ask.client.is_sandbox and not device.is_test_persona:
            self._record(ask, "signin.sandbox_refused", device)
            raise SandboxPersonasOnly()
        if choice == Decision.APPROVE and ask.number is not None and not picked:
            raise InvalidInput("Pick the number the sign-in page shows (number) to approve.",
                               "กรุณาเลือกตัวเลขที่แสดงบนหน้าเข้าสู่ระบบเพื่ออนุมัติ", field="number")
        if not self._store.add(ask.lock_key, {}, LOCK_SECONDS):
            raise SigninAlreadyDecided()
        if choice == Decision.APPROVE and not meets(ask.acr_values, device.ial, SIGNIN_AAL):
            self._record(ask, "signin.assurance_too_low", device, ial=device.ial, acr_values=list(ask.acr_values))
            advice_en, advice_th = how_to_raise(device.ial)
            raise AssuranceTooLow(f"This e-Service requires a higher identity assurance level than yours "
                                  f"(IAL {device.ial}). " + advice_en,
                                  f"บริการนี้ต้องการระดับการพิสูจน์ตัวตนสูงกว่าของท่าน (IAL {device.ial}) " + advice_th,
                                  ial=device.ial, acr_values=list(ask.acr_values))
        if choice == Decision.APPROVE and "official" in ask.scopes and not self._grants.is_official(
                device.pid, ask.client.client_id):
            self._record(ask, "signin.not_an_official", device)
            raise NotAnOfficial("The e-Service asks for your position in its organisation, and you are not "
                                "registered as one of its officials; ask the organisation's owner to add you.",
                                "บริการนี้ขอตำแหน่งของท่านในหน่วยงาน แต่ท่านไม่ได้ลงทะเบียนเป็นเจ้าหน้าที่ของหน่วยงานนี้ "
                                "กรุณาติดต่อผู้ดูแลของหน่วยงาน")
        if choice == Decision.APPROVE and ask.number is not None and picked != ask.number:
            self._record(ask, "signin.wrong_number", device)     # before the passcode: none is spent
            raise WrongNumber()
        try:
            if choice == Decision.DENY:
                self._record(ask, "signin.denied", device)
                return finish(None)
            self._identities.check_passcode(device.identity_id, passcode or "",
                                            context={"client_id": ask.client.client_id, **ask.audit})
            approved = ApprovedSignin(identity_id=device.identity_id, device_id=device.device_id, pid=device.pid,
                                      ial=device.ial, auth_time=int(time.time()), acr=acr_for(device.ial, SIGNIN_AAL),
                                      amr=AMR_APP_PASSCODE, seconds_to_approve=round(time.time() - ask.started_at, 2))
            # One grant per approval (the lock key names it): a retry after a crash reuses it.
            grant_id = self._grants.record_grant(ask.client, list(ask.scopes), approved, approval=ask.lock_key,
                                                 **ask.audit)
            return finish(Approved(approved, grant_id))
        except Exception:
            self._store.delete(ask.lock_key)
            raise

    def _device(self, ask: Ask, device_id: str, signed_request: str, choice: Decision) -> ActiveDevice:
        """The active device whose key signed this answer, for this sign-in, once (its nonce)."""
        device = self._identities.active_device(device_id)
        payload = verify_signed_request(signed_request, device.public_jwk, purpose=ask.purpose)
        expected = {**ask.covers, "decision": choice.value, "device": device_id}
        if any(payload.get(name) != value for name, value in expected.items()):
            raise BadSignature("The signed request does not cover this sign-in and this decision.",
                               "ลายมือชื่อไม่ตรงกับรายการเข้าสู่ระบบและการตัดสินใจนี้")
        claim_nonce(self._store, device_id, payload)
        if ask.identity_id is not None and ask.identity_id != device.identity_id:
            raise SigninNotFound()      # another citizen's request: as if it did not exist
        if ask.citizen_pid and ask.citizen_pid != device.pid:
            raise WrongAccount()
        return device

    def _record(self, ask: Ask, kind: str, device: ActiveDevice, **details: Any) -> None:
        with self._db.one_statement() as connection:
            record(connection, kind, identity_id=device.identity_id, client_id=ask.client.client_id,
                   **ask.audit, **details)
