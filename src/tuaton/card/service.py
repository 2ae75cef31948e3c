"""Issuing the digital ID card to a citizen's phone, its status lists, and verifying it here.

The card is an SD-JWT VC signed with the OpenID Provider's current ES256 key (published in the
JWKS that ``/.well-known/jwt-vc-issuer`` names), bound to the phone's device key (``cnf``). It
lives ``card_credential_ttl`` — no longer than a retired signing key stays published, so a key
rotation never strands a card — and the app renews it whenever it is online.

A card is invalid in its status list when it was revoked here, or when its device no longer
works (lost phone locked, another phone enrolled) or its identity is locked: the list is computed
from those facts, so no other domain has to remember to tell the card about them.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update

from tuaton.audit.trail import record
from tuaton.card import sd_jwt
from tuaton.card.credential import OFFLINE_AUDIENCE_PATH, TYP, VCT_PATH, card_claims, photo_data_url
from tuaton.card.models import CardCredential
from tuaton.card.status_list import list_token
from tuaton.card.verifier import IssuerTrust, VerifiedCard, verify_presentation
from tuaton.errors import CardNotValid
from tuaton.identity.service import Identities
from tuaton.numeric import ascii_digits
from tuaton.oidc.keys import SigningKeys
from tuaton.registry.models import CardState, LifeStatus
from tuaton.registry.photos import RegistryPhotos
from tuaton.registry.records import Registry
from tuaton.settings import Settings
from tuaton.storage.db import Database
from tuaton.storage.ephemeral import EphemeralStore

STATUS_LIST_PATH = "/card/status-lists"


class Cards:
    def __init__(self, database: Database, store: EphemeralStore, registry: Registry, photos: RegistryPhotos,
                 identities: Identities, keys: SigningKeys, settings: Settings) -> None:
        self._db = database
        self._store = store
        self._registry = registry
        self._photos = photos
        self._identities = identities
        self._keys = keys
        self._settings = settings

    @property
    def issuer(self) -> str:
        return self._settings.issuer

    def list_uri(self, list_no: int) -> str:
        return f"{self.issuer}{STATUS_LIST_PATH}/{list_no}"

    @property
    def offline_audience(self) -> str:
        return self.issuer + OFFLINE_AUDIENCE_PATH

    # -- issuing ---------------------------------------------------------------------------
    def issue(self, device_id: str, signed_request: str, passcode: str) -> dict[str, Any]:
        """The citizen's card for the phone that asks: device signature, passcode, then the
        civil registry's current card (a lost, revoked or expired card gets no digital card)."""
        device, _ = self._identities.authenticate_request(device_id, signed_request, "card", self._store)
        self._identities.check_passcode(device.identity_id, passcode, context={"action": "card"})
        citizen = self._registry.citizen(device.pid)
        card = self._registry.current_card(device.pid)
        today = dt.datetime.now(dt.UTC).date()
        state = card.effective_state(today) if card else None
        if citizen is None or card is None or citizen.life_status != LifeStatus.ALIVE or state != CardState.ACTIVE:
            with self._db.transaction() as session:
                record(session, "card.refused", identity_id=device.identity_id,
                       card_state=state.value if state else "none")
            raise CardNotValid("The civil registry has no active ID card for you (it may be expired, reported "
                               "lost or replaced); the digital card follows the physical one.",
                               "ไม่พบบัตรประจำตัวประชาชนที่ยังใช้ได้ในทะเบียนราษฎร (บัตรอาจหมดอายุ แจ้งหาย "
                               "หรือออกบัตรใหม่แล้ว) บัตรดิจิทัลใช้ได้เมื่อบัตรจริงยังใช้ได้เท่านั้น",
                               card_status=state.value if state else "not_found")
        now = int(time.time())
        expires = min(now + self._settings.card_credential_ttl,
                      int(dt.datetime.combine(card.expires_on, dt.time(23, 59, 59), dt.UTC).timestamp()))
        disclosable = card_claims(citizen, card, photo_data_url(self._photos.photo(citizen.pid)), today)
        key = self._keys.signing_key("ES256")
        credential_id = str(uuid.uuid4())
        with self._db.transaction() as session:
            list_no, index = self._allocate(session)
            session.add(CardCredential(
                id=credential_id, identity_id=device.identity_id, device_id=device_id, list_no=list_no,
                list_index=index, issued_at=dt.datetime.fromtimestamp(now, dt.UTC),
                expires_at=dt.datetime.fromtimestamp(expires, dt.UTC)))
            issued = sd_jwt.issue(
                {"alg": "ES256", "typ": TYP, "kid": key.kid},
                {"iss": self.issuer, "iat": now, "exp": expires, "vct": self.issuer + VCT_PATH, "ial": device.ial,
                 "cnf": {"jwk": device.public_jwk},
                 "status": {"status_list": {"idx": index, "uri": self.list_uri(list_no)}}},
                disclosable, key)
            record(session, "card.issued", identity_id=device.identity_id, device_id=device_id,
                   credential_id=credential_id, expires_at=expires)
        return {"credential": issued.serialize(), "expires_at": expires, "issuer": self.issuer,
                "audience": self.offline_audience, "claims": sorted(disclosable)}

    def _allocate(self, session) -> tuple[int, int]:
        """A random free entry in the newest list (random so that neighbouring entries say nothing
        about when or where a card was issued); a new list once the newest is half full."""
        size = self._settings.status_list_size
        list_no = session.execute(select(func.max(CardCredential.list_no))).scalar() or 0
        used = session.execute(select(func.count()).where(CardCredential.list_no == list_no)).scalar() or 0
        if used >= size // 2:
            list_no += 1
        for _ in range(16):
            candidates = {secrets.randbelow(size) for _ in range(8)}
            taken = set(session.execute(select(CardCredential.list_index).where(
                CardCredential.list_no == list_no, CardCredential.list_index.in_(candidates))).scalars())
            free = sorted(candidates - taken)
            if free:
                return list_no, free[0]
        raise RuntimeError("no free status-list entry found")  # pragma: no cover - half-full lists

    # -- revocation ------------------------------------------------------------------------
    def revoke(self, pid: str, reason: str, **by: str) -> int:
        """Revoke every unexpired card of the citizen ``pid`` (operators: a card cancelled by the
        registry). Lost phones need no call: locking the device invalidates its cards."""
        now = dt.datetime.now(dt.UTC)
        identity_id = self._identities.identity_id_for(pid)
        if identity_id is None:
            return 0
        with self._db.transaction() as session:
            rows = session.execute(update(CardCredential).where(
                CardCredential.identity_id == identity_id, CardCredential.revoked_at.is_(None),
                CardCredential.expires_at > now).values(revoked_at=now, revoked_reason=reason[:64])
                .returning(CardCredential.list_no)).scalars().all()
            record(session, "card.revoked", identity_id=identity_id, count=len(rows), reason=reason, **by)
        for list_no in set(rows):
            self._store.delete(f"card-status-list:{list_no}")
        return len(rows)

    def list_numbers(self) -> list[int]:
        with self._db.reading() as session:
            top = session.execute(select(func.max(CardCredential.list_no))).scalar()
        return list(range((top or 0) + 1))

    def status_list_token(self, list_no: int) -> str:
        """The signed list, rebuilt at most every ``status_list_ttl`` seconds (shared store)."""
        cached = self._store.get(f"card-status-list:{list_no}")
        if cached is not None:
            return cached["token"]
        now = dt.datetime.now(dt.UTC)
        with self._db.reading() as session:
            rows = session.execute(select(CardCredential.list_index, CardCredential.device_id,
                                          CardCredential.revoked_at).where(
                CardCredential.list_no == list_no, CardCredential.expires_at > now)).all()
        inactive = self._identities.inactive_devices(sorted({r.device_id for r in rows}))
        invalid = {r.list_index for r in rows if r.revoked_at is not None or r.device_id in inactive}
        ttl = self._settings.status_list_ttl
        token = list_token(self.list_uri(list_no), self._settings.status_list_size, invalid,
                           self._keys.signing_key("ES256"), iat=int(now.timestamp()), ttl=ttl,
                           lifetime=self._settings.status_list_lifetime)
        self._store.put(f"card-status-list:{list_no}", {"token": token}, ttl)
        return token

    def invalidate_status_lists(self) -> None:
        """Forget the cached lists (after a device is locked, so it shows at once)."""
        for list_no in self.list_numbers():
            self._store.delete(f"card-status-list:{list_no}")

    # -- verifying here ----------------------------------------------------------------------
    def trust(self) -> IssuerTrust:
        """This installation's own trust: its keys and its lists, read when a card needs them."""
        return IssuerTrust(self.issuer, self._keys.view().jwks, _LiveLists(self), time.time())

    def verify(self, presentation: str, *, audience: str | None = None, nonce: str | None = None) -> VerifiedCard:
        return verify_presentation(presentation, self.trust(), audience=audience or self.offline_audience,
                                   nonce=nonce, first_use=lambda n: self._store.add(f"card-nonce:{n}", {}, 180))


class _LiveLists(Mapping[str, str]):
    """The status lists by URI, each signed when first asked for (the verifier reads one)."""

    def __init__(self, cards: Cards) -> None:
        self._cards = cards

    def __getitem__(self, uri: str) -> str:
        prefix = self._cards.issuer + STATUS_LIST_PATH + "/"
        number = uri[len(prefix):] if uri.startswith(prefix) else ""
        index = ascii_digits(number)
        if index is None:
            raise KeyError(uri)
        return self._cards.status_list_token(index)

    def __iter__(self):
        return iter(self._cards.list_uri(n) for n in self._cards.list_numbers())

    def __len__(self) -> int:
        return len(self._cards.list_numbers())
