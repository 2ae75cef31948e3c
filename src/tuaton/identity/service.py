"""Enrol identities, recognise devices, check passcodes and lock identities after failures."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, update
from sqlalchemy.orm import Session

from tuaton.assurance import IAL_SIMULATED
from tuaton.audit.trail import record
from tuaton.errors import (
    BadSignature,
    CardNotValid,
    DeviceNotRecognised,
    IdentityLocked,
    ProofingRefused,
    WrongPasscode,
)
from tuaton.identity.devices import claim_nonce, public_device_key, verify_signed_request
from tuaton.identity.models import Device, DeviceStatus, Identity, IdentityStatus
from tuaton.identity.passcode import check_new_passcode
from tuaton.identity.passcode_verifier import PasscodeVerifier
from tuaton.registry.card_status import REFUSAL_REASON, CardQuery, CardStatus, check_card
from tuaton.registry.records import CitizenRecord, Registry
from tuaton.settings import Settings
from tuaton.storage import tallies
from tuaton.storage.db import Database
from tuaton.storage.ephemeral import EphemeralStore

#: Simulated (sandbox) enrolment proves only that the enrollee knows the card's data, which the
#: registry confirms (ID, names, birth date, laser code): evidence checked against the
#: authoritative source, but no biometric comparison binds the person to it. Under ETDA
#: ขมธอ. 19-2561 that is a level-1 remote proofing; we record "1.2", never a 2.x level.
SIMULATED_IAL = IAL_SIMULATED
SIMULATED_CHANNEL = "sandbox-simulated"



@dataclass(frozen=True)
class SimulatedEnrolment:
    pid: str
    given_name_th: str
    family_name_th: str
    birth_date: dt.date
    laser_code: str
    public_jwk: dict[str, Any]
    key_proof: str
    passcode: str
    passcode_confirmation: str


@dataclass(frozen=True)
class EnrolledIdentity:
    identity_id: str
    device_id: str
    pid: str
    ial: str
    channel: str


@dataclass(frozen=True)
class ActiveDevice:
    device_id: str
    identity_id: str
    pid: str
    ial: str
    public_jwk: dict[str, Any]
    enrolment_channel: str = ""

    @property
    def is_test_persona(self) -> bool:
        """Enrolled with the scriptable app's simulated enrolment (sandbox installations only)."""
        return self.enrolment_channel == SIMULATED_CHANNEL


@dataclass(frozen=True)
class Standing:
    """What a token holder's identity is now: whom it names, how strongly proven, and whether it
    and the device that approved the sign-in can still be used."""

    pid: str
    ial: str
    usable: bool


_IDENTITIES, _DEVICES = Identity.__table__, Device.__table__
_STANDING = select(_IDENTITIES.c.pid, _IDENTITIES.c.ial, _IDENTITIES.c.status, _DEVICES.c.status.label("device")
                   ).select_from(_IDENTITIES.outerjoin(_DEVICES, and_(
                       _DEVICES.c.id == bindparam("device_id"), _DEVICES.c.identity_id == _IDENTITIES.c.id))
                   ).where(_IDENTITIES.c.id == bindparam("identity_id"))


_RESERVE_ATTEMPT = (update(_IDENTITIES).where(
    _IDENTITIES.c.id == bindparam("identity_id"), _IDENTITIES.c.status == IdentityStatus.ACTIVE,
    _IDENTITIES.c.failed_passcodes < bindparam("limit"))
    .values(failed_passcodes=_IDENTITIES.c.failed_passcodes + 1)
    .returning(_IDENTITIES.c.failed_passcodes, _IDENTITIES.c.passcode_hash))
_GIVE_BACK_ATTEMPT = (update(_IDENTITIES).where(_IDENTITIES.c.id == bindparam("identity_id"),
                                                _IDENTITIES.c.failed_passcodes > 0)
                      .values(failed_passcodes=_IDENTITIES.c.failed_passcodes - 1))
_STATUS = select(_IDENTITIES.c.status).where(_IDENTITIES.c.id == bindparam("identity_id"))
_ACTIVE_DEVICE = (select(_DEVICES.c.id, _DEVICES.c.status.label("device_status"), _DEVICES.c.public_jwk,
                         _IDENTITIES.c.id.label("identity_id"), _IDENTITIES.c.pid, _IDENTITIES.c.ial,
                         _IDENTITIES.c.status, _IDENTITIES.c.enrolment_channel)
                  .join(_IDENTITIES, _IDENTITIES.c.id == _DEVICES.c.identity_id)
                  .where(_DEVICES.c.id == bindparam("device_id")))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Identities:
    def __init__(self, database: Database, registry: Registry, hasher: PasscodeVerifier,
                 settings: Settings) -> None:
        self._db = database
        self._registry = registry
        self._hasher = hasher
        self._settings = settings

    # -- enrolment -------------------------------------------------------------------------
    def enrol_simulated(self, request: SimulatedEnrolment) -> EnrolledIdentity:
        public_jwk = public_device_key(request.public_jwk)
        proof = verify_signed_request(request.key_proof, public_jwk, purpose="enrol")
        if proof.get("pid") != request.pid:
            raise BadSignature("The key proof was made for another citizen ID.",
                               "หลักฐานกุญแจทำขึ้นสำหรับเลขประจำตัวอื่น")
        status = check_card(self._registry, CardQuery(
            pid=request.pid, given_name_th=request.given_name_th, family_name_th=request.family_name_th,
            birth_date=request.birth_date, laser_code=request.laser_code))
        if status != CardStatus.VALID:
            with self._db.transaction() as session:
                record(session, "enrolment.refused", channel=SIMULATED_CHANNEL, card_status=status.value)
            raise CardNotValid(*ProofingRefused.REASONS[REFUSAL_REASON[status]], card_status=status.value)
        citizen = self._registry.citizen(request.pid)
        assert citizen is not None  # the card check found it
        check_new_passcode(request.passcode, request.passcode_confirmation, citizen.birth_date)
        passcode_hash = self._hasher.hash(request.passcode)
        with self._db.transaction() as session:
            return self.bind(session, citizen, public_jwk, passcode_hash, SIMULATED_IAL, SIMULATED_CHANNEL)

    @staticmethod
    def bind(session: Session, citizen: CitizenRecord, public_jwk: dict, passcode_hash: str, ial: str,
             channel: str) -> EnrolledIdentity:
        """Create or renew the identity and make this device its only active one, inside the
        caller's transaction (so an enrolment completes together with its identity, or not at all),
        with the dashboard's tallies of identities, provinces and registrations."""
        now = _now()
        device_id = str(uuid.uuid4())
        pid = citizen.pid
        identity = session.execute(select(Identity).where(Identity.pid == pid)).scalar_one_or_none()
        changes = {(f"registrations|{channel}", tallies.today()): 1}
        if identity is None:
            identity = Identity(id=str(uuid.uuid4()), pid=pid)
            session.add(identity)
            where = citizen.address
            changes.update({(f"identities|{IdentityStatus.ACTIVE}", tallies.TOTAL): 1,
                            (f"province|{where.province_th}|{where.province_en}", tallies.TOTAL): 1})
        elif identity.status != IdentityStatus.ACTIVE:
            changes.update({(f"identities|{identity.status}", tallies.TOTAL): -1,
                            (f"identities|{IdentityStatus.ACTIVE}", tallies.TOTAL): 1})
        identity.status = IdentityStatus.ACTIVE
        identity.ial, identity.enrolment_channel, identity.enrolled_at = ial, channel, now
        identity.passcode_hash, identity.failed_passcodes, identity.locked_at = passcode_hash, 0, None
        session.flush()
        tallies.add(session, changes)
        old = session.execute(select(Device).where(
            Device.identity_id == identity.id, Device.status == DeviceStatus.ACTIVE)).scalars().all()
        for device in old:
            device.status, device.revoked_at = DeviceStatus.REVOKED, now
            record(session, "device.revoked", identity_id=identity.id, device_id=device.id,
                   reason="new device enrolled")
        session.add(Device(id=device_id, identity_id=identity.id, public_jwk=public_jwk,
                           status=DeviceStatus.ACTIVE, created_at=now))
        record(session, "identity.enrolled", identity_id=identity.id, device_id=device_id,
               channel=channel, ial=ial)
        return EnrolledIdentity(identity.id, device_id, pid, ial, channel)

    # -- the passcode ------------------------------------------------------------------------
    def change_passcode(self, device: ActiveDevice, current: str, new: str, confirmation: str) -> None:
        """Replace the passcode from the phone that holds the device key, knowing the current one.

        The new one is checked against the policy first, so a weak choice costs no attempt; a wrong
        current passcode counts towards the lock like any other failure."""
        citizen = self._registry.citizen(device.pid)
        check_new_passcode(new, confirmation, citizen.birth_date if citizen else None, current=current)
        self.check_passcode(device.identity_id, current, context={"channel": "change-passcode"})
        new_hash = self._hasher.hash(new)
        with self._db.transaction() as session:
            changed = session.execute(update(Identity).where(
                Identity.id == device.identity_id, Identity.status == IdentityStatus.ACTIVE)
                .values(passcode_hash=new_hash, failed_passcodes=0)).rowcount
            if not changed:           # locked meanwhile (a wrong guess elsewhere reached the limit)
                raise IdentityLocked()
            record(session, "passcode.changed", identity_id=device.identity_id, device_id=device.device_id)

    # -- authentication ----------------------------------------------------------------------
    def active_device(self, device_id: str) -> ActiveDevice:
        with self._db.read_connection() as connection:
            row = connection.execute(_ACTIVE_DEVICE, {"device_id": device_id}).first()
        if row is None or row.device_status != DeviceStatus.ACTIVE:
            raise DeviceNotRecognised()
        if row.status == IdentityStatus.LOCKED:
            raise IdentityLocked()
        return ActiveDevice(row.id, row.identity_id, row.pid, row.ial, row.public_jwk, row.enrolment_channel)

    @staticmethod
    def standing(connection: Connection, identity_id: str, device_id: str) -> Standing | None:
        """Within the caller's transaction (one statement): the identity's citizen ID and level,
        and whether it is active with ``device_id`` still active. ``None``: no such identity."""
        row = connection.execute(_STANDING, {"identity_id": identity_id, "device_id": device_id}).first()
        if row is None:
            return None
        return Standing(row.pid, row.ial, row.status == IdentityStatus.ACTIVE and row.device == DeviceStatus.ACTIVE)

    def identity_id_for(self, pid: str) -> str | None:
        with self._db.reading() as session:
            return session.execute(select(Identity.id).where(Identity.pid == pid)).scalar_one_or_none()

    def active_device_since(self, pid: str) -> dt.datetime | None:
        """When this citizen's active phone was bound, if they have one: enrolling again moves the
        digital ID to the new phone and the old one stops working (the station and app say so first)."""
        with self._db.reading() as session:
            return session.execute(select(Device.created_at).join(Identity, Identity.id == Device.identity_id).where(
                Identity.pid == pid, Identity.status == IdentityStatus.ACTIVE, Device.status == DeviceStatus.ACTIVE)
                .order_by(Device.created_at.desc()).limit(1)).scalar_one_or_none()

    def reachable_channel(self, identity_id: str) -> str | None:
        """How the identity enrolled, if its app can be reached now (an active device, not
        locked); ``None`` otherwise. ``SIMULATED_CHANNEL`` marks a sandbox test persona."""
        with self._db.reading() as session:
            return session.execute(select(Identity.enrolment_channel).join(
                Device, Identity.id == Device.identity_id).where(
                Device.identity_id == identity_id, Device.status == DeviceStatus.ACTIVE,
                Identity.status == IdentityStatus.ACTIVE).limit(1)).scalar_one_or_none()

    def inactive_devices(self, device_ids: list[str]) -> set[str]:
        """Of ``device_ids``, those no longer usable: revoked (lost phone, new device) or whose
        identity is locked. Read in chunks so a whole status list's devices fit one call."""
        inactive = set(device_ids)
        with self._db.reading() as session:
            for start in range(0, len(device_ids), 5000):
                chunk = device_ids[start:start + 5000]
                inactive -= set(session.execute(
                    select(Device.id).join(Identity, Identity.id == Device.identity_id)
                    .where(Device.id.in_(chunk), Device.status == DeviceStatus.ACTIVE,
                           Identity.status == IdentityStatus.ACTIVE)).scalars())
        return inactive

    def authenticate_request(self, device_id: str, signed_request: str, purpose: str,
                             store: EphemeralStore) -> tuple[ActiveDevice, dict[str, Any]]:
        """An app request signed by an active device's key for ``purpose``, good once (its nonce)."""
        device = self.active_device(device_id)
        payload = verify_signed_request(signed_request, device.public_jwk, purpose=purpose)
        claim_nonce(store, device_id, payload)
        return device, payload

    def check_passcode(self, identity_id: str, passcode: str, *, context: dict | None = None) -> None:
        """Verify the passcode; count failures and lock the identity at the limit.

        The attempt is counted **before** the passcode is verified, in one conditional SQL update
        (``failed < limit``), so however many guesses arrive at once, at most ``limit`` are ever
        evaluated; a correct passcode gives its attempt back. The verifier runs outside any
        transaction, and a correct passcode whose verifier is of an older scheme or key version is
        re-keyed in the same update.
        """
        limit = self._settings.passcode_max_failures
        with self._db.writing() as connection:      # Core statements: this is on every sign-in
            reserved = connection.execute(_RESERVE_ATTEMPT, {"identity_id": identity_id, "limit": limit}).first()
            if reserved is None:
                status = connection.execute(_STATUS, {"identity_id": identity_id}).scalar()
        if reserved is None:
            if status is None:
                raise DeviceNotRecognised()
            raise IdentityLocked()      # locked, or its last attempts are being checked right now
        attempt, stored = reserved
        try:
            right = self._hasher.verify(stored, passcode)
        except Exception:               # the key backend failed: the attempt was not made, give it back
            with self._db.writing() as connection:
                connection.execute(_GIVE_BACK_ATTEMPT, {"identity_id": identity_id})
            raise
        if right:
            values: dict[str, Any] = {"failed_passcodes": 0}
            if self._hasher.needs_upgrade(stored):
                values["passcode_hash"] = self._hasher.hash(passcode)
            with self._db.writing() as connection:
                kept = connection.execute(update(_IDENTITIES).where(
                    _IDENTITIES.c.id == identity_id, _IDENTITIES.c.status == IdentityStatus.ACTIVE
                ).values(**values)).rowcount
            if not kept:                # a parallel wrong guess locked it meanwhile
                raise IdentityLocked()
            return
        with self._db.writing() as connection:
            record(connection, "passcode.failed", identity_id=identity_id, failures=attempt, **(context or {}))
            locked = attempt >= limit and connection.execute(update(_IDENTITIES).where(
                _IDENTITIES.c.id == identity_id, _IDENTITIES.c.status == IdentityStatus.ACTIVE,
                _IDENTITIES.c.failed_passcodes >= limit).values(status=IdentityStatus.LOCKED,
                                                                 locked_at=_now())).rowcount
            if locked:
                record(connection, "identity.locked", identity_id=identity_id, failures=attempt)
                tallies.add(connection, {(f"identities|{IdentityStatus.ACTIVE}", tallies.TOTAL): -1,
                                         (f"identities|{IdentityStatus.LOCKED}", tallies.TOTAL): 1})
        if attempt >= limit:
            raise IdentityLocked()
        left = limit - attempt
        raise WrongPasscode(f"The passcode is wrong; {left} attempt(s) left before the identity locks.",
                            f"รหัสผ่านไม่ถูกต้อง เหลืออีก {left} ครั้งก่อนบัญชีจะถูกล็อก",
                            attempts_left=left)
