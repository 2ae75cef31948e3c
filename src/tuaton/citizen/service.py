"""A citizen's own view of their digital identity: sign-in history, consents (and revoking them),
devices (and locking a lost phone), and everything Tuaton holds about them (PDPA §30 access).

Every function takes the identity of the signed-in citizen and touches only rows of that identity;
there is no parameter through which one citizen could name another's data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from tuaton.audit.models import AuditEvent
from tuaton.audit.trail import inclusion_proofs, record
from tuaton.errors import InvalidInput, NotFound, TooManyAttempts
from tuaton.identity.models import Device, DeviceStatus, Identity
from tuaton.oidc.claims import CLAIM_LABELS, claims_for_scopes
from tuaton.oidc.grants import Grants
from tuaton.oidc.models import Client, Consent, Grant, RefreshToken
from tuaton.registry import citizen_id
from tuaton.registry.card_status import normalize_laser_code
from tuaton.registry.records import Registry
from tuaton.settings import Settings
from tuaton.storage.db import Database
from tuaton.storage.ephemeral import EphemeralStore

LOST_PHONE_ATTEMPTS_PER_DAY = 5
DAY = 24 * 3600


@dataclass(frozen=True)
class SigninRecord:
    at: dt.datetime
    client_id: str
    agency_th: str
    agency_en: str
    claims: tuple[str, ...]
    acr: str
    revoked: bool


@dataclass(frozen=True)
class AgencyConsent:
    client_id: str
    agency_th: str
    agency_en: str
    claims: tuple[str, ...]
    granted_at: dt.datetime


@dataclass(frozen=True)
class DeviceView:
    id: str
    status: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


@dataclass(frozen=True)
class Overview:
    pid: str
    name_th: str
    name_en: str
    ial: str
    status: str
    channel: str
    enrolled_at: dt.datetime
    devices: list[DeviceView]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CitizenSelfService:
    def __init__(self, database: Database, store: EphemeralStore, registry: Registry, grants: Grants,
                 settings: Settings) -> None:
        self._db, self._store, self._registry, self._grants = database, store, registry, grants
        self._settings = settings
        #: Called after a phone is locked: the digital ID card's status lists show it at once.
        self.device_locked: Callable[[], None] | None = None

    def overview(self, identity_id: str) -> Overview:
        with self._db.reading() as session:
            identity = session.get(Identity, identity_id)
            if identity is None:
                raise NotFound()
            devices = [DeviceView(d.id, d.status.value, d.created_at, d.revoked_at) for d in session.execute(
                select(Device).where(Device.identity_id == identity_id).order_by(Device.created_at.desc()))
                .scalars()]
        citizen = self._registry.citizen(identity.pid)
        return Overview(identity.pid, citizen.full_name_th if citizen else "", citizen.full_name_en if citizen else "",
                        identity.ial, identity.status.value, identity.enrolment_channel, identity.enrolled_at, devices)

    def history(self, identity_id: str, limit: int = 100) -> list[SigninRecord]:
        """Sign-ins, newest first: which agency, when, and which data it received."""
        with self._db.reading() as session:
            rows = session.execute(
                select(Grant, Client.name_th, Client.name_en).join(Client, Client.client_id == Grant.client_id)
                .where(Grant.identity_id == identity_id).order_by(Grant.created_at.desc()).limit(limit)).all()
        return [SigninRecord(g.created_at, g.client_id, name_th, name_en, claims_for_scopes(set(g.scopes)), g.acr,
                             g.revoked_at is not None) for g, name_th, name_en in rows]

    def consents(self, identity_id: str) -> list[AgencyConsent]:
        with self._db.reading() as session:
            rows = session.execute(
                select(Consent, Client.name_th, Client.name_en).join(Client, Client.client_id == Consent.client_id)
                .where(Consent.identity_id == identity_id, Consent.revoked_at.is_(None))
                .order_by(Consent.client_id, Consent.claim)).all()
        by_agency: dict[str, AgencyConsent] = {}
        for consent, name_th, name_en in rows:
            found = by_agency.get(consent.client_id)
            claims = (*found.claims, consent.claim) if found else (consent.claim,)
            granted = max(found.granted_at, consent.granted_at) if found else consent.granted_at
            by_agency[consent.client_id] = AgencyConsent(consent.client_id, name_th, name_en, claims, granted)
        order = {c: i for i, c in enumerate(CLAIM_LABELS)}
        return [dataclasses.replace(a, claims=tuple(sorted(a.claims, key=lambda c: order.get(c, 99))))
                for a in sorted(by_agency.values(), key=lambda a: a.granted_at, reverse=True)]

    def revoke_consent(self, identity_id: str, client_id: str) -> int:
        """Withdraw every consent given to one agency and revoke its sign-ins (so its refresh
        tokens and access tokens stop working). Returns how many sign-ins were revoked."""
        now = _now()
        with self._db.transaction() as session:
            withdrawn = session.execute(update(Consent).where(
                Consent.identity_id == identity_id, Consent.client_id == client_id, Consent.revoked_at.is_(None))
                .values(revoked_at=now)).rowcount
            if not withdrawn:
                raise NotFound("You have no consent with this agency to withdraw.",
                               "ท่านไม่มีความยินยอมกับหน่วยงานนี้ที่จะเพิกถอน")
            grant_ids = list(session.execute(select(Grant.id).where(
                Grant.identity_id == identity_id, Grant.client_id == client_id, Grant.revoked_at.is_(None)))
                .scalars())
            record(session, "consent.revoked", identity_id=identity_id, client_id=client_id,
                   consents=withdrawn, grants=len(grant_ids))
        for grant_id in grant_ids:
            self._grants.revoke_grant(grant_id, "consent withdrawn by the citizen")
        return len(grant_ids)

    def lock_device(self, identity_id: str, device_id: str, *, how: str = "self-service") -> None:
        """Lock a lost or stolen phone: it can no longer approve anything, and the sign-ins it made
        are revoked. The citizen enrols again on a new phone."""
        with self._db.transaction() as session:
            device = session.get(Device, device_id)
            if device is None or device.identity_id != identity_id:
                raise NotFound("There is no such device on your digital identity.",
                               "ไม่พบอุปกรณ์นี้ในตัวตนดิจิทัลของท่าน")
            if device.status != DeviceStatus.ACTIVE:
                return
            device.status, device.revoked_at = DeviceStatus.REVOKED, _now()
            grant_ids = list(session.execute(select(Grant.id).where(
                Grant.device_id == device_id, Grant.revoked_at.is_(None))).scalars())
            record(session, "device.revoked", identity_id=identity_id, device_id=device_id,
                   reason=f"locked by the citizen ({how})")
        for grant_id in grant_ids:
            self._grants.revoke_grant(grant_id, "device locked by the citizen")
        if self.device_locked is not None:
            self.device_locked()

    def lock_lost_phone(self, pid: str, laser_code: str, birth_date: dt.date) -> int:
        """Lock every active device of a citizen who can no longer sign in (their phone is gone),
        proven by the card's laser code and the birth date. A few tries a day per citizen ID; the
        answer never says which detail was wrong. Returns how many devices were locked."""
        try:
            pid = citizen_id.normalize(pid)
            laser = normalize_laser_code(laser_code)
        except ValueError as exc:
            raise InvalidInput("Check the citizen ID (13 digits) and the laser code (e.g. JT0-1234567-89).",
                               "กรุณาตรวจสอบเลขประจำตัวประชาชน 13 หลัก และรหัสหลังบัตร เช่น JT0-1234567-89") from exc
        if self._store.incr(f"lost-phone:{pid}", DAY) > LOST_PHONE_ATTEMPTS_PER_DAY:
            raise TooManyAttempts()
        citizen, card = self._registry.citizen(pid), self._registry.current_card(pid)
        with self._db.reading() as session:
            identity = session.execute(select(Identity).where(Identity.pid == pid)).scalar_one_or_none()
            devices = [] if identity is None else list(session.execute(select(Device.id).where(
                Device.identity_id == identity.id, Device.status == DeviceStatus.ACTIVE)).scalars())
        if citizen is None or card is None or card.laser_code != laser or citizen.birth_date != birth_date \
                or identity is None:
            with self._db.transaction() as session:
                record(session, "device.lost_phone_refused", identity_id=identity.id if identity else None)
            raise InvalidInput("These details do not match a digital identity. Check the card and try again, or "
                               "visit a registrar office.", "ข้อมูลไม่ตรงกับตัวตนดิจิทัลใด กรุณาตรวจสอบบัตรแล้วลองใหม่ "
                               "หรือติดต่อสำนักทะเบียน")
        for device_id in devices:
            self.lock_device(identity.id, device_id, how="lost phone form")
        return len(devices)

    def export(self, identity_id: str) -> dict[str, Any]:
        """Everything Tuaton holds about this citizen (PDPA data-subject access), as JSON-ready data.
        Secrets are never in it: passcode hashes and token hashes are described, not given."""
        overview = self.overview(identity_id)
        citizen = self._registry.citizen(overview.pid)
        card = self._registry.current_card(overview.pid)
        with self._db.reading() as session:
            identity = session.get(Identity, identity_id)
            devices = session.execute(select(Device).where(Device.identity_id == identity_id)).scalars().all()
            grants = session.execute(select(Grant).where(Grant.identity_id == identity_id)
                                     .order_by(Grant.created_at)).scalars().all()
            consents = session.execute(select(Consent).where(Consent.identity_id == identity_id)).scalars().all()
            refresh = session.execute(select(RefreshToken.grant_id, RefreshToken.expires_at, RefreshToken.used_at)
                                      .join(Grant, Grant.id == RefreshToken.grant_id)
                                      .where(Grant.identity_id == identity_id)).all()
            events = session.execute(select(AuditEvent).where(AuditEvent.identity_id == identity_id)
                                     .order_by(AuditEvent.seq)).scalars().all()
            proofs = inclusion_proofs(session, [e.seq for e in events])
        return {
            "generated_at": _now().isoformat(),
            "about": "Everything Tuaton holds about you (Thai PDPA, section 30). Your passcode is kept only as "
                     "an argon2id hash and is not included; your devices' private keys never left them.",
            "civil_registry": _plain(dataclasses.asdict(citizen)) if citizen else None,
            "id_card": _plain(dataclasses.asdict(card)) if card else None,
            "digital_identity": {"id": identity.id, "status": identity.status.value, "ial": identity.ial,
                                 "enrolment_channel": identity.enrolment_channel,
                                 "enrolled_at": identity.enrolled_at.isoformat(),
                                 "failed_passcodes_in_a_row": identity.failed_passcodes},
            "devices": [{"id": d.id, "status": d.status.value, "public_key": d.public_jwk,
                         "created_at": d.created_at.isoformat(),
                         "revoked_at": d.revoked_at.isoformat() if d.revoked_at else None} for d in devices],
            "sign_ins": [{"id": g.id, "client_id": g.client_id, "at": g.created_at.isoformat(),
                          "claims": list(claims_for_scopes(set(g.scopes))), "acr": g.acr, "amr": g.amr,
                          "revoked_at": g.revoked_at.isoformat() if g.revoked_at else None} for g in grants],
            "consents": [{"client_id": c.client_id, "claim": c.claim, "granted_at": c.granted_at.isoformat(),
                          "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None} for c in consents],
            "refresh_tokens": [{"sign_in": grant_id, "expires_at": expires.isoformat(),
                                "used": used is not None} for grant_id, expires, used in refresh],
            "audit_events": [{"seq": e.seq, "at": e.at.isoformat(), "kind": e.kind, "client_id": e.client_id,
                              "details": e.details, "identity_id": e.identity_id,
                              # RFC 6962 audit path to the batch's signed tree head (null until sealed)
                              "inclusion_proof": proofs.get(e.seq)} for e in events],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value
