"""Self-enrolment in the app, the eight steps of seed 002, as a resumable state machine.

terms → card front → card back → the citizen checks the data → selfie (with a head turn) →
passcode twice → consent with the passcode again. Each step is one call that either moves the
enrolment forward or refuses with a reason and leaves it where it was; the identity is created
only by the last step, in the same transaction that completes the enrolment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from joserfc.jwk import ECKey
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tuaton.assurance import IAL_APP_FACE
from tuaton.audit.trail import record
from tuaton.biometrics import liveness
from tuaton.biometrics.faces import Face, FaceEngine, the_one_face
from tuaton.errors import (
    EnrolmentExpired,
    EnrolmentNotFound,
    InvalidInput,
    ProofingRefused,
    TooManyAttempts,
    WrongPasscode,
    WrongStep,
)
from tuaton.identity.devices import public_device_key, verify_signed_request
from tuaton.identity.passcode import check_new_passcode
from tuaton.identity.passcode_verifier import PasscodeVerifier
from tuaton.identity.service import EnrolledIdentity, Identities
from tuaton.oidc.grants import token_hash
from tuaton.proofing import card_ocr
from tuaton.proofing.models import Enrolment, EnrolmentState, Evidence, OfficeVisit, VisitState
from tuaton.registry.card_status import REFUSAL_REASON, CardQuery, CardStatus, check_card
from tuaton.registry.photos import RegistryPhotos
from tuaton.registry.records import Registry
from tuaton.settings import Settings
from tuaton.storage import tallies
from tuaton.storage.db import Database
from tuaton.storage.ephemeral import EphemeralStore

S = EnrolmentState
#: Card answers that no retry can change: the enrolment ends.
FINAL_CARD_REFUSALS = {"card_expired", "card_revoked"}
DAY = 24 * 3600


@dataclass(frozen=True)
class ConfirmedCard:
    pid: str
    given_name_th: str
    family_name_th: str
    birth_date: dt.date
    laser_code: str


@dataclass(frozen=True)
class EnrolmentView:
    """What the app may see of its enrolment (never the passcode hash or image data)."""

    id: str
    state: str
    next_step: str | None
    expires_at: dt.datetime
    card: dict[str, Any]
    challenge: str | None
    refusal_reason: str | None
    ial: str | None


NEXT_STEP = {S.STARTED: "card_front", S.CARD_FRONT_READ: "card_back", S.CARD_BACK_READ: "card_data",
             S.CARD_CONFIRMED: "selfie", S.FACE_VERIFIED: "passcode", S.OFFICE_PROVEN: "passcode",
             S.PASSCODE_SET: "consent"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def new_device_key(public_jwk: dict, key_proof: str, *, accept_terms: bool) -> tuple[dict, str]:
    """Step 1 of either channel: the terms accepted and the new device key proven; returns the
    public JWK and its thumbprint."""
    if not accept_terms:
        raise InvalidInput("The terms of service must be accepted to enrol.",
                           "ต้องยอมรับข้อกำหนดการใช้บริการก่อนลงทะเบียน", field="accept_terms")
    jwk = public_device_key(public_jwk)
    verify_signed_request(key_proof, jwk, purpose="enrol")
    return jwk, ECKey.import_key(jwk).thumbprint()


def count_device_enrolment(store: EphemeralStore, settings: Settings, thumbprint: str) -> None:
    """Enrolments per device per day, both channels together."""
    if store.incr(f"enrol-device:{thumbprint}", DAY) > settings.enrolments_per_device_per_day:
        raise TooManyAttempts("Too many enrolments from this device today; try again tomorrow.",
                              "ลงทะเบียนจากอุปกรณ์นี้หลายครั้งเกินไปในวันนี้ กรุณาลองใหม่พรุ่งนี้")


def view(enrolment: Enrolment) -> EnrolmentView:
    data = enrolment.data or {}
    card = {**data.get("front", {}), **data.get("back", {})}
    return EnrolmentView(enrolment.id, enrolment.state.value, NEXT_STEP.get(enrolment.state),
                         _aware(enrolment.expires_at), card, data.get("challenge"),
                         enrolment.refusal_reason, enrolment.ial)


class SelfEnrolments:
    def __init__(self, database: Database, store: EphemeralStore, registry: Registry, photos: RegistryPhotos,
                 faces: FaceEngine, hasher: PasscodeVerifier, settings: Settings) -> None:
        self._db, self._store, self._registry, self._photos = database, store, registry, photos
        self._faces, self._hasher, self._settings = faces, hasher, settings

    # -- step 1: terms and the device key ----------------------------------------------------
    def start(self, public_jwk: dict, key_proof: str, *, accept_terms: bool,
              channel: str = "app") -> tuple[EnrolmentView, str]:
        jwk, thumbprint = new_device_key(public_jwk, key_proof, accept_terms=accept_terms)
        count_device_enrolment(self._store, self._settings, thumbprint)
        token, now = secrets.token_urlsafe(32), _now()
        enrolment = Enrolment(id=str(uuid.uuid4()), token_hash=token_hash(token), channel=channel,
                              state=S.STARTED, device_jwk=jwk, device_thumbprint=thumbprint, data={},
                              created_at=now, expires_at=now + dt.timedelta(seconds=self._settings.enrolment_ttl))
        with self._db.transaction() as session:
            purge_images(session, now)
            session.add(enrolment)
            record(session, "enrolment.started", enrolment_id=enrolment.id, channel=channel)
        return view(enrolment), token

    def get(self, enrolment_id: str, token: str) -> EnrolmentView:
        with self._db.reading() as session:
            return view(self._load(session, enrolment_id, token, allow_final=True))

    # -- steps 2 and 3: photos of the card ----------------------------------------------------
    def card_front(self, enrolment_id: str, token: str, photo: bytes) -> EnrolmentView:
        enrolment = self._step(enrolment_id, token, {S.STARTED, S.CARD_FRONT_READ, S.CARD_BACK_READ})
        self._count_uploads(enrolment, photo)
        image, (front, quality) = self._read_card(enrolment, "card_front", photo, card_ocr.read_front)
        fields = {"pid": front.pid, "title_th": front.title_th, "given_name_th": front.given_name_th,
                  "family_name_th": front.family_name_th, "title_en": front.title_en,
                  "given_name_en": front.given_name_en, "family_name_en": front.family_name_en,
                  "birth_date": front.birth_date.isoformat() if front.birth_date else None}
        card_face = self._card_portrait(front.portrait)
        return self._advance(enrolment, S.CARD_FRONT_READ, {"front": fields, "card_face": card_face},
                             evidence=[("card_front", photo, image, quality.__dict__)], pid=front.pid)

    def card_back(self, enrolment_id: str, token: str, photo: bytes) -> EnrolmentView:
        enrolment = self._step(enrolment_id, token, {S.CARD_FRONT_READ, S.CARD_BACK_READ})
        self._count_uploads(enrolment, photo)
        image, (back, quality) = self._read_card(enrolment, "card_back", photo, card_ocr.read_back)
        return self._advance(enrolment, S.CARD_BACK_READ, {"back": {"laser_code": back.laser_code}},
                             evidence=[("card_back", photo, image, quality.__dict__)])

    # -- step 4: the citizen checks the data; the registry confirms the card ----------------------
    def confirm_card(self, enrolment_id: str, token: str, card: ConfirmedCard) -> EnrolmentView:
        enrolment = self._step(enrolment_id, token, {S.CARD_BACK_READ})
        data = enrolment.data
        if card.pid != data["front"]["pid"] or card.laser_code != data["back"]["laser_code"]:
            raise InvalidInput("The ID number and laser code must be those read from the card; photograph the "
                               "card again if they were read wrongly.",
                               "เลขประจำตัวประชาชนและเลขหลังบัตรต้องตรงกับที่อ่านได้จากบัตร "
                               "หากอ่านผิดกรุณาถ่ายภาพบัตรใหม่", field="pid")
        if self._store.incr(f"enrol-card:{card.pid}", DAY) > self._settings.card_checks_per_citizen_per_day:
            self._end(enrolment, "too_many_failures")
            raise ProofingRefused("too_many_failures")
        status = check_card(self._registry, CardQuery(card.pid, card.given_name_th, card.family_name_th,
                                                      card.birth_date, card.laser_code))
        if status != CardStatus.VALID:
            reason = REFUSAL_REASON[status]
            if reason in FINAL_CARD_REFUSALS:
                self._end(enrolment, reason)
            else:
                self._audit("enrolment.refused", enrolment, reason=reason, step="card_data")
            raise ProofingRefused(reason, card_status=status.value)
        corrected = sorted(k for k in ("given_name_th", "family_name_th")
                           if getattr(card, k) != data["front"].get(k))
        if card.birth_date.isoformat() != data["front"].get("birth_date"):
            corrected.append("birth_date")
        return self._advance(enrolment, S.CARD_CONFIRMED, {
            "confirmed": {"pid": card.pid, "corrected_by_citizen": corrected},
            "challenge": liveness.new_challenge()}, pid=card.pid)

    # -- step 5: selfie, face verification and liveness ------------------------------------------
    def selfie(self, enrolment_id: str, token: str, front_photo: bytes, turned_photo: bytes) -> EnrolmentView:
        enrolment = self._step(enrolment_id, token, {S.CARD_CONFIRMED})
        self._count_uploads(enrolment, front_photo, turned_photo)
        pid = enrolment.pid
        assert pid is not None
        front = self._decode(enrolment, "selfie", front_photo)
        turned = self._decode(enrolment, "selfie_turned", turned_photo)
        try:
            scores = self._verify_face(enrolment, front_photo, front, turned_photo, turned)
        except ProofingRefused:
            failures = self._store.incr(f"enrol-face:{pid}", DAY)
            if failures >= self._settings.face_failures_per_citizen_per_day:
                self._end(enrolment, "too_many_failures")
            raise
        return self._advance(enrolment, S.FACE_VERIFIED, {"face": scores}, evidence=[
            ("selfie", front_photo, front, scores), ("selfie_turned", turned_photo, turned, scores)])

    def _verify_face(self, enrolment: Enrolment, front_photo: bytes, front: np.ndarray, turned_photo: bytes,
                     turned: np.ndarray) -> dict[str, Any]:
        def refuse(kind: str, photo: bytes, image: np.ndarray, reason: str, **scores: Any) -> ProofingRefused:
            refusal = ProofingRefused(reason, **scores)
            self._refuse_evidence(enrolment, kind, photo, image, refusal, scores)
            return refusal

        registry_photo = self._photos.photo(enrolment.pid or "")
        if registry_photo is None:
            raise refuse("selfie", front_photo, front, "face_mismatch", registry_photo="none")
        self._check_replay(enrolment, [("selfie", front_photo, front), ("selfie_turned", turned_photo, turned)],
                           registry_photo, refuse)
        face = self._one_face(enrolment, "selfie", front_photo, front)
        turned_face = self._one_face(enrolment, "selfie_turned", turned_photo, turned)
        self._check_two_pictures(front_photo, front, turned_photo, turned, refuse)
        reference = the_one_face(self._faces, registry_photo)
        threshold = self._settings.face_match_threshold
        distance = self._faces.distance(face.descriptor, reference.descriptor)
        scores: dict[str, Any] = {"registry_distance": round(distance, 4), "threshold": threshold}
        card_face = (enrolment.data or {}).get("card_face")
        if card_face is not None:
            scores["card_distance"] = round(self._faces.distance(face.descriptor, np.array(card_face)), 4)
        if distance >= threshold:
            raise refuse("selfie", front_photo, front, "face_mismatch", **scores)
        live = liveness.check_turn(face, turned_face, enrolment.data["challenge"])
        scores.update(liveness={"frontal_ratio": live.frontal_ratio, "turned_ratio": live.turned_ratio,
                                "turn": live.turn, "challenge": enrolment.data["challenge"]})
        same_person = self._faces.distance(face.descriptor, turned_face.descriptor)
        scores["turned_distance"] = round(same_person, 4)
        if not live.passed or same_person >= threshold:
            raise refuse("selfie_turned", turned_photo, turned, "liveness_failed", **scores)
        return scores

    def _one_face(self, enrolment: Enrolment, kind: str, photo: bytes, image: np.ndarray) -> Face:
        try:
            return the_one_face(self._faces, image)
        except ProofingRefused as refusal:
            self._refuse_evidence(enrolment, kind, photo, image, refusal)
            raise

    def _check_replay(self, enrolment: Enrolment, shots: list[tuple[str, bytes, np.ndarray]],
                      registry_photo: np.ndarray, refuse: Any) -> None:
        """Refuse a selfie seen before for this citizen, or a copy of the registry photo."""
        hashes = [(kind, photo, image, hashlib.sha256(photo).hexdigest(), liveness.perceptual_hash(image))
                  for kind, photo, image in shots]
        with self._db.reading() as session:
            seen = session.execute(select(Evidence.sha256, Evidence.perceptual_hash).where(
                Evidence.pid == enrolment.pid, Evidence.kind.in_(("selfie", "selfie_turned")))).all()
        known = [(row.sha256, row.perceptual_hash) for row in seen]
        known.append(("", liveness.perceptual_hash(registry_photo)))
        for kind, photo, image, digest, phash in hashes:
            if any(digest == old or liveness.hash_distance(phash, old_p) <= liveness.SAME_PICTURE_BITS
                   for old, old_p in known):
                raise refuse(kind, photo, image, "replayed_image")

    def _check_two_pictures(self, front_photo: bytes, front: np.ndarray, turned_photo: bytes,
                            turned: np.ndarray, refuse: Any) -> None:
        """The head turn must be a second picture, not the first one again."""
        if liveness.hash_distance(liveness.perceptual_hash(front),
                                  liveness.perceptual_hash(turned)) <= liveness.SAME_PICTURE_BITS:
            raise refuse("selfie_turned", turned_photo, turned, "liveness_failed", same_picture=True)

    # -- steps 6–8: passcode twice, consent with the passcode again ---------------------------------
    def set_passcode(self, enrolment_id: str, token: str, passcode: str, confirmation: str) -> EnrolmentView:
        enrolment = self._step(enrolment_id, token, {S.FACE_VERIFIED, S.OFFICE_PROVEN, S.PASSCODE_SET})
        citizen = self._registry.citizen(enrolment.pid or "")
        assert citizen is not None
        check_new_passcode(passcode, confirmation, citizen.birth_date)
        return self._advance(enrolment, S.PASSCODE_SET, {"passcode_hash": self._hasher.hash(passcode),
                                                          "consent_failures": 0})

    def consent(self, enrolment_id: str, token: str, *, accept: bool, passcode: str) -> EnrolledIdentity:
        enrolment = self._step(enrolment_id, token, {S.PASSCODE_SET})
        if not accept:
            raise InvalidInput("Consent to the processing of your data is needed to create a digital ID.",
                               "ต้องให้ความยินยอมในการประมวลผลข้อมูลจึงจะสร้างดิจิทัลไอดีได้", field="accept")
        if not self._hasher.verify(enrolment.data["passcode_hash"], passcode):
            failures = enrolment.data.get("consent_failures", 0) + 1
            proven = S(enrolment.data.get("proven_state", S.FACE_VERIFIED))
            back = proven if failures >= 3 else S.PASSCODE_SET
            self._advance(enrolment, back, {"consent_failures": failures})
            if back == proven:
                raise WrongPasscode("The passcode did not match three times; choose your passcode again.",
                                    "รหัสผ่านไม่ตรงกันสามครั้ง กรุณาตั้งรหัสผ่านใหม่", attempts_left=0)
            raise WrongPasscode("The passcode does not match the one you chose.",
                                "รหัสผ่านไม่ตรงกับที่ตั้งไว้", attempts_left=3 - failures)
        # The channel's proving step decided the level (an office visit says 2.3 or 3).
        ial = enrolment.data.get("ial") or IAL_APP_FACE
        citizen = self._registry.citizen(enrolment.pid or "")
        if citizen is None:
            raise WrongStep("The citizen is no longer in the registry.")
        with self._db.transaction() as session:
            moved = session.execute(update(Enrolment).where(
                Enrolment.id == enrolment.id, Enrolment.state == S.PASSCODE_SET).values(
                state=S.COMPLETED, ial=ial, completed_at=_now())).rowcount
            if moved != 1:
                raise WrongStep()
            enrolled = Identities.bind(session, citizen, enrolment.device_jwk,
                                       enrolment.data["passcode_hash"], ial, enrolment.channel)
            session.execute(update(Enrolment).where(Enrolment.id == enrolment.id).values(
                identity_id=enrolled.identity_id, data={**enrolment.data, "passcode_hash": None}))
            office = {k: enrolment.data[k] for k in ("visit_id", "officer_id", "office_code") if k in enrolment.data}
            if office:
                session.execute(update(OfficeVisit).where(OfficeVisit.id == office["visit_id"]).values(
                    state=VisitState.COMPLETED))
            record(session, "enrolment.completed", identity_id=enrolled.identity_id, enrolment_id=enrolment.id,
                   ial=ial, channel=enrolment.channel, **office)
        return enrolled

    # -- the machinery --------------------------------------------------------------------------
    def _load(self, session: Session, enrolment_id: str, token: str, *, allow_final: bool = False) -> Enrolment:
        enrolment = session.get(Enrolment, enrolment_id)
        if enrolment is None or not hmac.compare_digest(enrolment.token_hash, token_hash(token)):
            raise EnrolmentNotFound()
        if not allow_final and (enrolment.state in (S.COMPLETED, S.REFUSED)
                                or _aware(enrolment.expires_at) <= _now()):
            raise EnrolmentExpired(reason=enrolment.refusal_reason)
        return enrolment

    def _step(self, enrolment_id: str, token: str, allowed: set[EnrolmentState]) -> Enrolment:
        with self._db.reading() as session:
            enrolment = self._load(session, enrolment_id, token)
            session.expunge(enrolment)
        if enrolment.state not in allowed:
            raise WrongStep(f"This enrolment is at '{enrolment.state.value}'; the next step is "
                            f"'{NEXT_STEP.get(enrolment.state)}'.", state=enrolment.state.value,
                            next_step=NEXT_STEP.get(enrolment.state))
        return enrolment

    def _advance(self, enrolment: Enrolment, state: EnrolmentState, data: dict[str, Any], *,
                 evidence: list[tuple[str, bytes, np.ndarray, dict]] = (), pid: str | None = None) -> EnrolmentView:
        """Move to ``state`` if nobody else moved the enrolment since we read it."""
        merged = {**(enrolment.data or {}), **data}
        with self._db.transaction() as session:
            moved = session.execute(update(Enrolment).where(
                Enrolment.id == enrolment.id, Enrolment.state == enrolment.state).values(
                state=state, data=merged, pid=pid or enrolment.pid)).rowcount
            if moved != 1:
                raise WrongStep("Another request moved this enrolment on; read its state and continue.")
            for kind, photo, image, scores in evidence:
                session.add(self._evidence(enrolment, pid or enrolment.pid, kind, photo, image, "accepted",
                                           None, scores))
            tallies.add(session, evidence_tallies([kind for kind, *_ in evidence], "accepted"))
        enrolment.state, enrolment.data, enrolment.pid = state, merged, pid or enrolment.pid
        return view(enrolment)

    def _end(self, enrolment: Enrolment, reason: str) -> None:
        with self._db.transaction() as session:
            session.execute(update(Enrolment).where(Enrolment.id == enrolment.id).values(
                state=S.REFUSED, refusal_reason=reason))
            record(session, "enrolment.refused", enrolment_id=enrolment.id, reason=reason, final=True)

    def _audit(self, kind: str, enrolment: Enrolment, **details: Any) -> None:
        with self._db.transaction() as session:
            record(session, kind, enrolment_id=enrolment.id, **details)

    def _count_uploads(self, enrolment: Enrolment, *photos: bytes) -> None:
        """Photos per enrolment, and bytes per device a day, counted before anything is decoded."""
        settings = self._settings
        sent = self._store.incr(f"enrol-uploads:{enrolment.id}", settings.enrolment_ttl, len(photos))
        if sent > settings.photos_per_enrolment:
            self._end(enrolment, "too_many_failures")
            raise ProofingRefused("too_many_failures")
        size = sum(len(p) for p in photos)
        if self._store.incr(f"enrol-bytes:{enrolment.device_thumbprint}", DAY, size) > \
                settings.photo_megabytes_per_device_per_day * 1024 * 1024:
            raise TooManyAttempts("Too many photos from this device today; try again tomorrow.",
                                  "ส่งภาพจากอุปกรณ์นี้มากเกินไปในวันนี้ กรุณาลองใหม่พรุ่งนี้")

    def _decode(self, enrolment: Enrolment, kind: str, photo: bytes) -> np.ndarray:
        try:
            return card_ocr.decode_image(photo, kind.replace("_", " "))
        except ProofingRefused as refusal:
            self._refuse_evidence(enrolment, kind, photo, None, refusal)
            raise

    def _refuse_evidence(self, enrolment: Enrolment, kind: str, photo: bytes, image: np.ndarray | None,
                         refusal: ProofingRefused, scores: dict | None = None) -> None:
        with self._db.transaction() as session:
            session.add(self._evidence(enrolment, enrolment.pid, kind, photo, image, "refused", refusal.reason,
                                       scores or {k: v for k, v in refusal.extra.items() if k != "reason"}))
            tallies.add(session, evidence_tallies([kind], "refused", refusal.reason))
            record(session, "enrolment.refused", enrolment_id=enrolment.id, step=kind, reason=refusal.reason)

    def _evidence(self, enrolment: Enrolment, pid: str | None, kind: str, photo: bytes, image: np.ndarray | None,
                  decision: str, reason: str | None, scores: dict) -> Evidence:
        retention = self._settings.evidence_retention_hours
        # A refused upload keeps its hashes, reason and scores (replays are still caught) but never
        # its bytes: anyone can post anything, and nothing refused is stored.
        keep = retention > 0 and decision == "accepted"
        now = _now()
        return Evidence(id=str(uuid.uuid4()), enrolment_id=enrolment.id, pid=pid, kind=kind,
                        sha256=hashlib.sha256(photo).hexdigest(),
                        perceptual_hash=liveness.perceptual_hash(image) if image is not None else "0" * 64,
                        decision=decision, reason=reason, scores=scores, created_at=now,
                        image=photo if keep else None,
                        retain_until=now + dt.timedelta(hours=retention) if keep else None)

    def _read_card(self, enrolment: Enrolment, kind: str, photo: bytes,
                   reader: Callable[[np.ndarray], Any]) -> tuple[np.ndarray, Any]:
        """Decode and read one side of the card; a refusal is recorded as evidence, then raised."""
        image = self._decode(enrolment, kind, photo)
        try:
            return image, reader(image)
        except ProofingRefused as refusal:
            self._refuse_evidence(enrolment, kind, photo, image, refusal)
            raise

    def _card_portrait(self, portrait: np.ndarray | None) -> list[float] | None:
        """The descriptor of the face printed on the card, if one can be found there."""
        try:
            face = the_one_face(self._faces, portrait) if portrait is not None else None
        except ProofingRefused:
            return None
        return None if face is None else [round(float(v), 6) for v in face.descriptor]


def purge_images(session: Session, now: dt.datetime | None = None) -> int:
    """Drop evidence images past their retention; hashes, decisions and scores stay."""
    return session.execute(update(Evidence).where(
        Evidence.retain_until.is_not(None), Evidence.retain_until < (now or _now())).values(
        image=None, retain_until=None)).rowcount


def evidence_tallies(kinds: list[str], decision: str, reason: str | None = None) -> dict[tuple[str, str], int]:
    """The dashboard's tallies for evidence examined today: face checks (a selfie is one) by
    decision, and refusals by reason."""
    day = tallies.today()
    changes = {(f"faces|{decision}", day): sum(1 for kind in kinds if kind == "selfie")}
    if decision == "refused" and reason:
        changes[(f"refused|{reason}", day)] = len(kinds)
    return changes
