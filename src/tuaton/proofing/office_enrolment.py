"""Enrolment at a registrar office (ลงทะเบียนผ่านเจ้าหน้าที่), seed 002's second channel.

The officer's station drives it: read the card's chip → scan the citizen's index finger (or, when
no fingerprint can be taken, the officer compares the face with the chip photo and says why) →
show a QR code. The citizen, who chose "enrol with an officer" in the app, accepted the terms and
typed their 13-digit ID, scans the code: the app's key is bound to the visit only if the ID typed
matches the card read. The app then sets the passcode twice and consents with it again, through the
same calls as self-enrolment (:mod:`tuaton.proofing.self_enrolment`).

Every station step acts only on a visit the signed-in officer opened, and is audited with the
officer's identity and office.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from tuaton.assurance import IAL_OFFICE, IAL_OFFICE_FINGERPRINT
from tuaton.audit.trail import record
from tuaton.biometrics.fingerprints import FingerprintMatcher, TemplateError, parse_template
from tuaton.errors import (
    BindingCodeNotFound,
    InvalidInput,
    OfficerNotAllowed,
    ProofingRefused,
    TooManyAttempts,
    VisitNotFound,
    WrongStep,
)
from tuaton.officers.models import OfficerRole
from tuaton.officers.service import OfficerSession
from tuaton.oidc.grants import token_hash
from tuaton.proofing.card_reader import CardReader, expired
from tuaton.proofing.chip import ChipCard, ChipError
from tuaton.proofing.models import Enrolment, EnrolmentState, OfficeVisit, VisitState
from tuaton.proofing.self_enrolment import EnrolmentView, count_device_enrolment, new_device_key, view
from tuaton.registry.fingerprints import RegistryFingerprints
from tuaton.registry.models import CardState, LifeStatus
from tuaton.registry.records import Registry
from tuaton.settings import Settings
from tuaton.storage.db import Database
from tuaton.storage.ephemeral import EphemeralStore

V = VisitState
DAY = 24 * 3600
FINGERS = ("right_index", "left_index")
#: Why an officer may confirm the face instead of the fingerprint (the visit then reaches IAL 2.3).
NO_FINGERPRINT_REASONS = {
    "worn_fingerprints": ("Fingerprints worn or unreadable", "ลายนิ้วมือสึกหรืออ่านไม่ได้"),
    "injury_or_disability": ("Injury or disability", "บาดเจ็บหรือพิการ"),
    "scanner_unavailable": ("Scanner out of order", "เครื่องสแกนลายนิ้วมือขัดข้อง"),
}
ID_MISMATCHES_ALLOWED = 3


@dataclass(frozen=True)
class VisitView:
    """What the station shows of a visit."""

    id: str
    state: str
    pid: str
    chip: dict[str, Any]
    checks: dict[str, Any]
    ial: str | None
    enrolment_state: str | None
    binding_expires_at: dt.datetime | None
    ended_reason: str | None
    expires_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)


class OfficeEnrolments:
    def __init__(self, database: Database, store: EphemeralStore, registry: Registry, reader: CardReader,
                 fingerprints: RegistryFingerprints, matcher: FingerprintMatcher, settings: Settings) -> None:
        self._db, self._store, self._registry, self.reader = database, store, registry, reader
        self._fingerprints, self._matcher, self._settings = fingerprints, matcher, settings

    # -- the officer's station ---------------------------------------------------------------------
    def start(self, officer: OfficerSession) -> VisitView:
        """Read the card in the station's reader and check it against the registry."""
        self._may_enrol(officer)
        try:
            card = self.reader.read(officer.officer_id)
        except ChipError as exc:
            self._audit(officer, "office.card_unreadable", reason=exc.reason)
            raise ProofingRefused("chip_unreadable", f"The card's chip could not be read ({exc}).",
                                  chip_error=exc.reason) from exc
        self._check_card(officer, card)
        now = _now()
        visit = OfficeVisit(id=str(uuid.uuid4()), officer_id=officer.officer_id, office_code=officer.office_code,
                            state=V.CARD_READ, pid=card.pid, chip=card.public(),
                            chip_photo_sha256=hashlib.sha256(card.photo).hexdigest(), checks={},
                            created_at=now, expires_at=now + dt.timedelta(seconds=self._settings.office_visit_ttl))
        with self._db.transaction() as session:
            session.add(visit)
            record(session, "office.card_read", visit_id=visit.id, pid=card.pid, **officer.audit)
        # The chip photo is shown to the officer while the visit lasts, and kept nowhere else.
        self._store.put(f"visit-photo:{visit.id}", {"jpeg": base64.b64encode(card.photo).decode()},
                        self._settings.office_visit_ttl)
        return self._view(visit, None)

    def _check_card(self, officer: OfficerSession, card: ChipCard) -> None:
        def refuse(reason: str) -> ProofingRefused:
            self._audit(officer, "office.card_refused", pid=card.pid, reason=reason)
            return ProofingRefused(reason)

        citizen, current = self._registry.citizen(card.pid), self._registry.current_card(card.pid)
        if citizen is None or current is None:
            raise refuse("card_not_found")
        if citizen.life_status != LifeStatus.ALIVE or current.state in (CardState.REVOKED, CardState.LOST):
            raise refuse("card_revoked")
        if (current.issued_on, current.expires_on) != (card.issued_on, card.expires_on):
            raise refuse("card_replaced")
        if expired(card, _now().date()) or current.effective_state(_now().date()) == CardState.EXPIRED:
            raise refuse("card_expired")
        if (citizen.given_name_th, citizen.family_name_th, citizen.birth_date) != (
                card.given_name_th, card.family_name_th, card.birth_date):
            raise refuse("data_mismatch")

    def scan_fingerprint(self, officer: OfficerSession, visit_id: str, finger: str, template: bytes) -> VisitView:
        visit = self._visit(officer, visit_id, {V.CARD_READ})
        if finger not in FINGERS:
            raise InvalidInput("Scan a right or left index finger.", "กรุณาสแกนนิ้วชี้ขวาหรือซ้าย", field="finger")
        checks = dict(visit.checks)
        failures = checks.get("fingerprint_failures", 0)
        if failures >= self._settings.fingerprint_attempts:
            raise TooManyAttempts("The fingerprint failed too many times at this visit; compare the face with the "
                                  "chip photo instead, or end the visit.",
                                  "สแกนลายนิ้วมือไม่ผ่านหลายครั้ง กรุณาตรวจใบหน้าเทียบกับภาพในชิป หรือยกเลิกรายการ")
        try:
            probe = parse_template(template)
        except TemplateError as exc:
            raise InvalidInput(f"The scanner's template cannot be used: {exc}.",
                               "ข้อมูลลายนิ้วมือจากเครื่องสแกนใช้ไม่ได้ กรุณาสแกนใหม่", field="template") from exc
        reference = self._fingerprints.template(visit.pid, finger)
        if reference is None:
            self._audit(officer, "office.fingerprint_refused", visit_id=visit.id, finger=finger,
                        reason="fingerprint_unavailable")
            raise ProofingRefused("fingerprint_unavailable")
        score = round(self._matcher.score(probe, reference), 4)
        threshold = self._matcher.threshold
        checks.setdefault("fingerprint_scans", []).append({"finger": finger, "score": score, "threshold": threshold,
                                                           "minutiae": len(probe), "at": _now().isoformat()})
        if score < threshold:
            checks["fingerprint_failures"] = failures + 1
            self._update(officer, visit, {"checks": checks}, "office.fingerprint_refused", finger=finger,
                         score=score, threshold=threshold)
            raise ProofingRefused("fingerprint_mismatch", score=score, threshold=threshold,
                                  attempts_left=self._settings.fingerprint_attempts - failures - 1)
        checks["method"] = "fingerprint"
        return self._update(officer, visit, {"checks": checks, "state": V.IDENTITY_CONFIRMED,
                                             "ial": IAL_OFFICE_FINGERPRINT},
                            "office.fingerprint_matched", finger=finger, score=score, threshold=threshold)

    def confirm_face(self, officer: OfficerSession, visit_id: str, reason: str) -> VisitView:
        """No fingerprint can be taken: the officer compared the citizen's face with the chip photo."""
        visit = self._visit(officer, visit_id, {V.CARD_READ})
        if reason not in NO_FINGERPRINT_REASONS:
            raise InvalidInput(f"Give why no fingerprint can be taken: one of {', '.join(NO_FINGERPRINT_REASONS)}.",
                               "กรุณาระบุเหตุผลที่สแกนลายนิ้วมือไม่ได้", field="reason")
        checks = {**visit.checks, "method": "officer_face_comparison", "no_fingerprint_reason": reason}
        return self._update(officer, visit, {"checks": checks, "state": V.IDENTITY_CONFIRMED, "ial": IAL_OFFICE},
                            "office.face_confirmed_by_officer", reason=reason)

    def binding_code(self, officer: OfficerSession, visit_id: str) -> tuple[VisitView, str]:
        """A fresh one-time code for the QR the app scans (an earlier one stops working)."""
        visit = self._visit(officer, visit_id, {V.IDENTITY_CONFIRMED})
        code = secrets.token_urlsafe(18)
        expires = _now() + dt.timedelta(seconds=self._settings.office_binding_ttl)
        shown = self._update(officer, visit, {"binding_code_hash": token_hash(code), "binding_expires_at": expires},
                             "office.qr_shown")
        return shown, code

    def cancel(self, officer: OfficerSession, visit_id: str) -> VisitView:
        visit = self._visit(officer, visit_id, {V.CARD_READ, V.IDENTITY_CONFIRMED, V.APP_BOUND})
        self._store.take(f"visit-photo:{visit.id}")
        if visit.enrolment_id:
            with self._db.transaction() as session:
                session.execute(update(Enrolment).where(
                    Enrolment.id == visit.enrolment_id, Enrolment.state != EnrolmentState.COMPLETED).values(
                    state=EnrolmentState.REFUSED, refusal_reason="cancelled_by_officer"))
        return self._update(officer, visit, {"state": V.CANCELLED, "ended_reason": "cancelled_by_officer",
                                             "binding_code_hash": None}, "office.visit_cancelled")

    def get(self, officer: OfficerSession, visit_id: str) -> VisitView:
        with self._db.reading() as session:
            visit = self._own(session, officer, visit_id)
            enrolment = session.get(Enrolment, visit.enrolment_id) if visit.enrolment_id else None
            return self._view(visit, enrolment)

    def chip_photo(self, officer: OfficerSession, visit_id: str) -> bytes | None:
        self.get(officer, visit_id)
        stored = self._store.get(f"visit-photo:{visit_id}")
        return base64.b64decode(stored["jpeg"]) if stored else None

    def recent(self, officer: OfficerSession, limit: int = 10) -> list[VisitView]:
        with self._db.reading() as session:
            visits = session.execute(select(OfficeVisit).where(OfficeVisit.officer_id == officer.officer_id)
                                     .order_by(OfficeVisit.created_at.desc()).limit(limit)).scalars().all()
            return [self._view(v, None) for v in visits]     # the list shows the visit's own state

    # -- the citizen's app: scan the QR code ---------------------------------------------------------
    def bind(self, code: str, typed_pid: str, public_jwk: dict, key_proof: str, *,
             accept_terms: bool) -> tuple[EnrolmentView, str]:
        jwk, thumbprint = new_device_key(public_jwk, key_proof, accept_terms=accept_terms)
        now = _now()
        with self._db.reading() as session:
            visit = session.execute(select(OfficeVisit).where(
                OfficeVisit.binding_code_hash == token_hash(code))).scalar_one_or_none()
            if visit is not None:
                session.expunge(visit)
        if (visit is None or visit.state != V.IDENTITY_CONFIRMED or _aware(visit.binding_expires_at) <= now
                or _aware(visit.expires_at) <= now):
            raise BindingCodeNotFound()
        if not hmac.compare_digest(typed_pid, visit.pid):
            mismatches = visit.checks.get("id_mismatches", 0) + 1
            ended = mismatches >= ID_MISMATCHES_ALLOWED
            values: dict[str, Any] = {"checks": {**visit.checks, "id_mismatches": mismatches}}
            if ended:
                values.update(binding_code_hash=None)
            with self._db.transaction() as session:
                session.execute(update(OfficeVisit).where(OfficeVisit.id == visit.id).values(**values))
                record(session, "office.app_id_mismatch", visit_id=visit.id, officer_id=visit.officer_id,
                       office_code=visit.office_code, attempts=mismatches, code_withdrawn=ended)
            raise ProofingRefused("id_mismatch", attempts_left=max(0, ID_MISMATCHES_ALLOWED - mismatches))
        count_device_enrolment(self._store, self._settings, thumbprint)
        token = secrets.token_urlsafe(32)
        enrolment = Enrolment(
            id=str(uuid.uuid4()), token_hash=token_hash(token), channel="office",
            state=EnrolmentState.OFFICE_PROVEN, device_jwk=jwk, device_thumbprint=thumbprint, pid=visit.pid,
            data={"ial": visit.ial, "proven_state": EnrolmentState.OFFICE_PROVEN.value, "visit_id": visit.id,
                  "officer_id": visit.officer_id, "office_code": visit.office_code,
                  "front": {k: visit.chip.get(k) for k in ("pid", "title_th", "given_name_th", "family_name_th",
                                                             "title_en", "given_name_en", "family_name_en",
                                                             "birth_date")}},
            ial=visit.ial, created_at=now, expires_at=now + dt.timedelta(seconds=self._settings.enrolment_ttl))
        with self._db.transaction() as session:
            moved = session.execute(update(OfficeVisit).where(
                OfficeVisit.id == visit.id, OfficeVisit.state == V.IDENTITY_CONFIRMED,
                OfficeVisit.binding_code_hash == token_hash(code)).values(
                state=V.APP_BOUND, binding_code_hash=None, enrolment_id=enrolment.id)).rowcount
            if moved != 1:
                raise BindingCodeNotFound()
            session.add(enrolment)
            record(session, "office.app_bound", visit_id=visit.id, enrolment_id=enrolment.id, pid=visit.pid,
                   officer_id=visit.officer_id, office_code=visit.office_code)
        return view(enrolment), token

    # -- the machinery -------------------------------------------------------------------------------
    @staticmethod
    def _may_enrol(officer: OfficerSession) -> None:
        if officer.role != OfficerRole.REGISTRAR:
            raise OfficerNotAllowed("Only registrar officers enrol citizens.",
                                    "เฉพาะเจ้าหน้าที่นายทะเบียนเท่านั้นที่ลงทะเบียนประชาชนได้")

    def _own(self, session, officer: OfficerSession, visit_id: str) -> OfficeVisit:
        visit = session.get(OfficeVisit, visit_id)
        # Another officer's visit does not exist, as far as this officer can tell.
        if visit is None or visit.officer_id != officer.officer_id:
            raise VisitNotFound()
        return visit

    def _visit(self, officer: OfficerSession, visit_id: str, allowed: set[VisitState]) -> OfficeVisit:
        self._may_enrol(officer)
        with self._db.reading() as session:
            visit = self._own(session, officer, visit_id)
            session.expunge(visit)
        if visit.state in (V.CARD_READ, V.IDENTITY_CONFIRMED) and _aware(visit.expires_at) <= _now():
            raise WrongStep("This visit has expired; read the card again to start a new one.",
                            "รายการนี้หมดเวลาแล้ว กรุณาอ่านบัตรใหม่เพื่อเริ่มรายการใหม่", state="expired")
        if visit.state not in allowed:
            raise WrongStep(f"This visit is at '{visit.state.value}'.", state=visit.state.value)
        return visit

    def _update(self, officer: OfficerSession, visit: OfficeVisit, values: dict[str, Any], event: str,
                **details: Any) -> VisitView:
        with self._db.transaction() as session:
            moved = session.execute(update(OfficeVisit).where(
                OfficeVisit.id == visit.id, OfficeVisit.state == visit.state).values(**values)).rowcount
            if moved != 1:
                raise WrongStep("Another request moved this visit on; reload the page.")
            record(session, event, visit_id=visit.id, pid=visit.pid, **details, **officer.audit)
        for key, value in values.items():
            setattr(visit, key, value)
        return self._view(visit, None)

    def _audit(self, officer: OfficerSession, event: str, **details: Any) -> None:
        with self._db.transaction() as session:
            record(session, event, **details, **officer.audit)

    @staticmethod
    def _view(visit: OfficeVisit, enrolment: Enrolment | None) -> VisitView:
        return VisitView(visit.id, visit.state.value, visit.pid, dict(visit.chip), dict(visit.checks or {}),
                         visit.ial, enrolment.state.value if enrolment else None,
                         _aware(visit.binding_expires_at), visit.ended_reason, _aware(visit.expires_at))
