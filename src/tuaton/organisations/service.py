"""Organisations: who acts for an agency (owner, developer, viewer), how it proves its authority
before production credentials, and its officials.

**Authority.** Anyone could once apply in any agency's name. Now production credentials need the
organisation's authority proven (:meth:`Organisations.authority`): its official central e-mail,
which must follow seed 004's rules (central_email.py), verified by a link sent to it; and a signed
permission letter (a real PDF, ≤ 5 MB, with its number, date and issuing division) that an operator
sees and accepts with the decision. The applicant must be the organisation's owner or developer.

**Members.** The one who registers the organisation is its owner; the owner invites others by
e-mail (a link valid 7 days, accepted by signing in with Tuaton), removes them, and hands ownership
over before leaving. Every change is audited.

**Officials** (e-Office, e-Saraban, back offices): registered by citizen ID with position and unit;
the organisation's own clients receive them in the ``official`` claim (oidc/claims.py), and removing
an official revokes those grants.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from tuaton.agencies.application import valid_juristic_id
from tuaton.audit.trail import record
from tuaton.errors import InvalidInput, NotFound, OrganisationForbidden
from tuaton.mail import Mail, Mailer
from tuaton.oidc.grants import token_hash
from tuaton.organisations.central_email import EmailProblem, check_central_email
from tuaton.organisations.models import AuthorityLetter, Official, Organisation, OrganisationMember
from tuaton.registry import citizen_id
from tuaton.settings import Settings
from tuaton.storage import tallies
from tuaton.storage.db import Database
from tuaton.storage.ephemeral import EphemeralStore

#: The staff enrolment drive's cookie, set by /join/{code}; enrolments made in that browser count.
CAMPAIGN_COOKIE = "tuaton_campaign"
ROLE_WORDS = {"owner": ("Owner", "เจ้าของ"), "developer": ("Developer", "นักพัฒนา"), "viewer": ("Viewer", "ผู้ดู")}
MAX_LETTER = 5 * 1024 * 1024
INVITATION_DAYS = 7
VERIFICATION_SECONDS = 24 * 3600
LETTER_STATUS_WORDS = {"submitted": ("Waiting for review", "รอพิจารณา"), "accepted": ("Accepted", "รับรองแล้ว"),
                       "rejected": ("Rejected", "ไม่รับรอง")}


@dataclass(frozen=True)
class OrganisationView:
    code: str
    kind: str
    name_th: str
    name_en: str
    central_email: str | None
    email_verified_at: dt.datetime | None
    campaign_code: str

    def name_in(self, lang: str) -> str:
        return self.name_th if lang == "th" or not self.name_en else self.name_en


@dataclass(frozen=True)
class MemberView:
    id: int
    identity_id: str | None
    display_name: str
    role: str
    status: str
    invited_email: str
    invited_at: dt.datetime
    joined_at: dt.datetime | None


@dataclass(frozen=True)
class LetterView:
    id: str
    file_name: str
    size: int
    letter_number: str
    letter_date: dt.date
    issuing_division: str
    uploaded_by_name: str
    uploaded_at: dt.datetime
    status: str
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None


@dataclass(frozen=True)
class Authority:
    """What an operator needs to see before production credentials, and what is missing."""

    organisation: OrganisationView | None
    email_verified: bool
    letter: LetterView | None
    #: (English, Thai) for each thing missing; empty when the authority is proven.
    missing: tuple[tuple[str, str], ...]

    @property
    def proven(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class OfficialView:
    id: int
    organisation_code: str
    pid: str
    position: str
    unit: str
    added_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _org(row: Organisation) -> OrganisationView:
    return OrganisationView(row.code, row.kind, row.name_th, row.name_en, row.central_email, row.email_verified_at,
                            row.campaign_code)


def _member(row: OrganisationMember) -> MemberView:
    return MemberView(row.id, row.identity_id, row.display_name, row.role, row.status, row.invited_email,
                      row.invited_at, row.joined_at)


def _letter(row: AuthorityLetter) -> LetterView:
    return LetterView(row.id, row.file_name, row.size, row.letter_number, row.letter_date, row.issuing_division,
                      row.uploaded_by_name, row.uploaded_at, row.status, row.decided_by, row.decided_at,
                      row.decision_reason)


def check_pdf(data: bytes) -> int:
    """The number of pages of a real PDF, or :class:`InvalidInput` (not a PDF, damaged, encrypted)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if len(data) > MAX_LETTER:
        raise InvalidInput("The letter is over 5 MB; scan it at a lower resolution.",
                           "ไฟล์หนังสือมีขนาดเกิน 5 MB กรุณาสแกนด้วยความละเอียดที่ต่ำลง", field="letter")
    if not data.startswith(b"%PDF-"):
        raise InvalidInput("The letter must be a PDF file.", "หนังสือต้องเป็นไฟล์ PDF", field="letter")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InvalidInput("The PDF is password-protected; upload it without a password.",
                               "ไฟล์ PDF มีรหัสผ่าน กรุณาอัปโหลดไฟล์ที่ไม่มีรหัสผ่าน", field="letter")
        pages = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput("The PDF is damaged and cannot be opened.", "ไฟล์ PDF เสียหาย เปิดไม่ได้",
                           field="letter") from exc
    if pages < 1:
        raise InvalidInput("The PDF has no pages.", "ไฟล์ PDF ไม่มีหน้า", field="letter")
    return pages


class Organisations:
    def __init__(self, database: Database, store: EphemeralStore, mailer: Mailer, settings: Settings,
                 catalogue_lookup) -> None:
        """``catalogue_lookup(code)``: the programme office's organisation (names, type) or NotFound."""
        self._db, self._store, self._mailer, self._settings = database, store, mailer, settings
        self._catalogue = catalogue_lookup

    # -- registering and reading -------------------------------------------------------------
    def register(self, identity_id: str, display_name: str, *, kind: str, code: str, name_th: str = "",
                 name_en: str = "") -> OrganisationView:
        """A new organisation, with its registrant as owner. A government body is one of the programme
        office's catalogue (its names come from there); a private company is its juristic number."""
        code = code.strip().upper()
        if kind == "government":
            try:
                entry = self._catalogue(code)
            except NotFound as exc:
                raise InvalidInput(f"{code} is not a government body in the catalogue; ask the programme office "
                                   "to add it, or check the code.",
                                   f"ไม่พบรหัสหน่วยงาน {code} ในบัญชีหน่วยงาน", field="code") from exc
            name_th, name_en = entry.name_th, entry.name_en
        elif kind == "private":
            if not valid_juristic_id(code):
                raise InvalidInput("A company is named by its 13-digit juristic person number.",
                                   "นิติบุคคลต้องระบุเลขทะเบียนนิติบุคคล 13 หลักที่ถูกต้อง", field="code")
            if not name_th.strip():
                raise InvalidInput("Give the company's registered name.", "กรุณาระบุชื่อนิติบุคคล", field="name_th")
        else:
            raise InvalidInput("An organisation is government or private.", "ประเภทหน่วยงานไม่ถูกต้อง", field="kind")
        now = _now()
        with self._db.transaction() as session:
            if session.get(Organisation, code) is not None:
                raise InvalidInput(f"{code} is already registered; ask its owner to invite you.",
                                   f"หน่วยงาน {code} ลงทะเบียนแล้ว กรุณาขอให้เจ้าของเชิญท่าน", field="code")
            row = Organisation(code=code, kind=kind, name_th=name_th.strip()[:300], name_en=name_en.strip()[:300],
                               campaign_code=secrets.token_urlsafe(12), created_at=now)
            session.add(row)
            session.add(OrganisationMember(organisation_code=code, identity_id=identity_id,
                                           display_name=display_name[:200], role="owner", status="active",
                                           invited_email="", invited_at=now, joined_at=now))
            record(session, "organisation.registered", identity_id=identity_id, organisation=code,
                   organisation_kind=kind)
            return _org(row)

    def mine(self, identity_id: str) -> list[tuple[OrganisationView, str]]:
        with self._db.reading() as session:
            rows = session.execute(select(Organisation, OrganisationMember.role).join(
                OrganisationMember, OrganisationMember.organisation_code == Organisation.code).where(
                OrganisationMember.identity_id == identity_id, OrganisationMember.status == "active")
                .order_by(Organisation.name_th)).all()
        return [(_org(o), role) for o, role in rows]

    def find(self, code: str) -> OrganisationView | None:
        with self._db.reading() as session:
            row = session.get(Organisation, code)
        return _org(row) if row else None

    def role_of(self, code: str, identity_id: str) -> str | None:
        with self._db.reading() as session:
            return session.execute(select(OrganisationMember.role).where(
                OrganisationMember.organisation_code == code, OrganisationMember.identity_id == identity_id,
                OrganisationMember.status == "active")).scalar_one_or_none()

    def get(self, code: str, identity_id: str) -> tuple[OrganisationView, str]:
        """The organisation and this member's role; another person gets NotFound (not theirs to learn)."""
        role = self.role_of(code, identity_id)
        org = self.find(code) if role else None
        if org is None:
            raise NotFound("There is no such organisation among yours.", "ไม่พบหน่วยงานนี้ในรายการของท่าน")
        return org, role

    def _require(self, code: str, identity_id: str, *roles: str) -> OrganisationView:
        org, role = self.get(code, identity_id)
        if role not in roles:
            raise OrganisationForbidden(f"Only the organisation's {' or '.join(roles)} may do this.",
                                        "เฉพาะเจ้าของหน่วยงานเท่านั้นที่ทำรายการนี้ได้" if roles == ("owner",)
                                        else "ท่านไม่มีสิทธิ์ทำรายการนี้")
        return org

    # -- members -------------------------------------------------------------------------------
    def members(self, code: str) -> list[MemberView]:
        with self._db.reading() as session:
            return [_member(r) for r in session.execute(select(OrganisationMember).where(
                OrganisationMember.organisation_code == code, OrganisationMember.status != "removed")
                .order_by(OrganisationMember.id)).scalars()]

    def invite(self, code: str, by_identity: str, email: str, role: str) -> MemberView:
        """E-mail an invitation link (valid 7 days); the invitee accepts by signing in with Tuaton."""
        org = self._require(code, by_identity, "owner")
        email = email.strip().lower()
        if role not in ("developer", "viewer"):
            raise InvalidInput("Invite a developer or a viewer; ownership is handed over, not invited.",
                               "เชิญได้เฉพาะนักพัฒนาหรือผู้ดู", field="role")
        if not re.fullmatch(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,}", email):
            raise InvalidInput("This is not an e-mail address.", "รูปแบบอีเมลไม่ถูกต้อง", field="email")
        token = secrets.token_urlsafe(32)
        now = _now()
        link = f"{self._settings.issuer}/agency/invitations/{token}"
        name_en = org.name_en or org.name_th
        self._mailer.send(Mail(
            to=email, subject=f"คำเชิญร่วมดูแล {org.name_th} ในตัวตน / Invitation: {name_en}",
            text=(f"ท่านได้รับเชิญให้ร่วมดูแล {org.name_th} ในพอร์ทัลหน่วยงานของตัวตน ({ROLE_WORDS[role][1]})\n"
                  f"เปิดลิงก์นี้และเข้าสู่ระบบด้วยแอปตัวตนภายใน {INVITATION_DAYS} วัน:\n{link}\n\n"
                  f"You are invited to act for {name_en} in Tuaton's agency portal as "
                  f"{ROLE_WORDS[role][0].lower()}. Open the link above and sign in with the Tuaton app within "
                  f"{INVITATION_DAYS} days.")))
        with self._db.transaction() as session:
            row = OrganisationMember(organisation_code=code, role=role, status="invited", invited_email=email,
                                     invite_token_hash=token_hash(token), invited_at=now)
            session.add(row)
            record(session, "organisation.member_invited", identity_id=by_identity, organisation=code, role=role)
            session.flush()
            return _member(row)

    def accept(self, token: str, identity_id: str, display_name: str) -> OrganisationView:
        with self._db.transaction() as session:
            row = session.execute(select(OrganisationMember).where(
                OrganisationMember.invite_token_hash == token_hash(token),
                OrganisationMember.status == "invited")).scalar_one_or_none()
            if row is None or _now() - _aware(row.invited_at) > dt.timedelta(days=INVITATION_DAYS):
                raise NotFound("This invitation is unknown, used or expired; ask the owner for a new one.",
                               "คำเชิญนี้ไม่ถูกต้อง ถูกใช้แล้ว หรือหมดอายุ กรุณาขอคำเชิญใหม่จากเจ้าของ")
            already = session.execute(select(OrganisationMember.id).where(
                OrganisationMember.organisation_code == row.organisation_code,
                OrganisationMember.identity_id == identity_id, OrganisationMember.status == "active")).first()
            if already:
                raise InvalidInput("You are already a member of this organisation.", "ท่านเป็นสมาชิกของหน่วยงานนี้แล้ว")
            row.identity_id, row.display_name, row.status = identity_id, display_name[:200], "active"
            row.joined_at, row.invite_token_hash = _now(), None
            record(session, "organisation.member_joined", identity_id=identity_id,
                   organisation=row.organisation_code, role=row.role)
            return _org(session.get(Organisation, row.organisation_code))

    def remove(self, code: str, by_identity: str, member_id: int) -> None:
        self._require(code, by_identity, "owner")
        with self._db.transaction() as session:
            row = session.get(OrganisationMember, member_id)
            if row is None or row.organisation_code != code or row.status == "removed":
                raise NotFound("There is no such member.", "ไม่พบสมาชิก")
            if row.role == "owner":
                raise InvalidInput("Hand ownership over to another member before leaving.",
                                   "กรุณาโอนความเป็นเจ้าของให้สมาชิกอื่นก่อน", field="member")
            row.status, row.removed_at, row.invite_token_hash = "removed", _now(), None
            record(session, "organisation.member_removed", identity_id=by_identity, organisation=code,
                   member_id=member_id, member_identity_id=row.identity_id, role=row.role)

    def hand_over(self, code: str, by_identity: str, member_id: int) -> None:
        """The owner hands ownership to an active member and becomes a developer."""
        self._require(code, by_identity, "owner")
        with self._db.transaction() as session:
            target = session.get(OrganisationMember, member_id)
            if target is None or target.organisation_code != code or target.status != "active" \
                    or target.identity_id == by_identity:
                raise InvalidInput("Hand ownership to another active member.",
                                   "โอนความเป็นเจ้าของได้เฉพาะสมาชิกอื่นที่ใช้งานอยู่", field="member")
            owner = session.execute(select(OrganisationMember).where(
                OrganisationMember.organisation_code == code, OrganisationMember.identity_id == by_identity,
                OrganisationMember.status == "active")).scalar_one()
            owner.role, target.role = "developer", "owner"
            record(session, "organisation.ownership_handed_over", identity_id=by_identity, organisation=code,
                   new_owner_identity_id=target.identity_id)

    def release(self, code: str, *, by: str, reason: str) -> None:
        """An operator frees a registration (someone registered a body that is not theirs, or an
        organisation left): its members and officials go, its letters are kept as rejected with the
        reason, and the code can be registered again. Audited with the reason."""
        if len(reason.strip()) < 10:
            raise InvalidInput("Give the reason (at least 10 characters).", "กรุณาระบุเหตุผลอย่างน้อย 10 ตัวอักษร",
                               field="reason")
        now = _now()
        with self._db.transaction() as session:
            org = session.get(Organisation, code)
            if org is None:
                raise NotFound(f"No organisation {code} is registered.", f"ไม่มีการลงทะเบียนหน่วยงาน {code}")
            members = session.execute(select(OrganisationMember).where(
                OrganisationMember.organisation_code == code, OrganisationMember.status != "removed")).scalars().all()
            for member in members:
                member.status, member.removed_at, member.invite_token_hash = "removed", now, None
            for official in session.execute(select(Official).where(
                    Official.organisation_code == code, Official.removed_at.is_(None))).scalars():
                official.removed_at = now
            for letter in session.execute(select(AuthorityLetter).where(
                    AuthorityLetter.organisation_code == code, AuthorityLetter.status == "submitted")).scalars():
                letter.status, letter.decided_by, letter.decided_at = "rejected", by[:200], now
                letter.decision_reason = f"registration released: {reason.strip()}"[:1000]
            session.delete(org)
            record(session, "organisation.released", organisation=code, by=by, reason=reason.strip()[:500],
                   members=len(members))

    # -- authority ------------------------------------------------------------------------------
    def set_central_email(self, code: str, by_identity: str, email: str) -> None:
        """Check the address by seed 004's rules, keep it unverified, and e-mail it a verification link."""
        org = self._require(code, by_identity, "owner")
        try:
            address = check_central_email(email, government=org.kind == "government")
        except EmailProblem as exc:
            raise InvalidInput(exc.en, exc.th, field="central_email") from exc
        token = secrets.token_urlsafe(32)
        self._mailer.send(Mail(to=address, subject=f"ยืนยันอีเมลกลางของ {org.name_th} / Confirm the central e-mail",
                               text=(f"มีผู้ขอใช้อีเมลนี้เป็นอีเมลกลางของ {org.name_th} ในตัวตน (บริการตัวตนดิจิทัล)\n"
                                     f"หากถูกต้อง กรุณาเปิดลิงก์นี้ภายใน 24 ชั่วโมงเพื่อยืนยัน:\n"
                                     f"{self._settings.issuer}/organisations/verify/{token}\n"
                                     "หากท่านไม่ได้ขอ ไม่ต้องดำเนินการใด ๆ\n\n"
                                     f"Someone asked to use this address as the central e-mail of "
                                     f"{org.name_en or org.name_th} in Tuaton. If that is right, open the link above "
                                     "within 24 hours. If not, ignore this message.")))
        self._store.put(f"org-email:{token_hash(token)}", {"code": code, "email": address}, VERIFICATION_SECONDS)
        with self._db.transaction() as session:
            row = session.get(Organisation, code)
            row.central_email, row.email_verified_at = address, None
            record(session, "organisation.central_email_set", identity_id=by_identity, organisation=code)

    def verification(self, token: str) -> dict | None:
        return self._store.get(f"org-email:{token_hash(token)}")

    def verify_email(self, token: str) -> OrganisationView:
        pending = self._store.take(f"org-email:{token_hash(token)}")
        if pending is None:
            raise NotFound("This link is unknown, used or expired; ask for a new one in the agency portal.",
                           "ลิงก์นี้ไม่ถูกต้อง ถูกใช้แล้ว หรือหมดอายุ กรุณาขอลิงก์ใหม่ในพอร์ทัลหน่วยงาน")
        with self._db.transaction() as session:
            row = session.get(Organisation, pending["code"])
            if row is None or row.central_email != pending["email"]:
                raise NotFound("The organisation's central e-mail has changed since; this link no longer applies.",
                               "อีเมลกลางของหน่วยงานถูกเปลี่ยนแล้ว ลิงก์นี้ใช้ไม่ได้")
            row.email_verified_at = _now()
            record(session, "organisation.central_email_verified", organisation=row.code)
            return _org(row)

    def upload_letter(self, code: str, by_identity: str, by_name: str, *, file_name: str, data: bytes,
                      letter_number: str, letter_date: str, issuing_division: str) -> LetterView:
        self._require(code, by_identity, "owner", "developer")
        check_pdf(data)
        number, division = letter_number.strip(), issuing_division.strip()
        if not number or len(number) > 64:
            raise InvalidInput("Give the letter's number (เลขที่หนังสือ), e.g. นร 1234/567.",
                               "กรุณาระบุเลขที่หนังสือ", field="letter_number")
        if not division or len(division) > 200:
            raise InvalidInput("Give the division that issued the letter.", "กรุณาระบุส่วนราชการเจ้าของหนังสือ",
                               field="issuing_division")
        try:
            day = dt.date.fromisoformat(letter_date.strip())
        except ValueError as exc:
            raise InvalidInput("The letter's date is a date like 2026-12-07.", "วันที่หนังสือไม่ถูกต้อง",
                               field="letter_date") from exc
        if day > dt.date.today() + dt.timedelta(days=1) or day < dt.date.today() - dt.timedelta(days=366):
            raise InvalidInput("The letter must be dated within the last year, not in the future.",
                               "หนังสือต้องลงวันที่ภายในหนึ่งปีที่ผ่านมา และไม่ใช่วันในอนาคต", field="letter_date")
        row = AuthorityLetter(id=str(uuid.uuid4()), organisation_code=code,
                              file_name=re.sub(r"[^\w.\- ]", "_", file_name)[-200:] or "letter.pdf", content=data,
                              size=len(data), letter_number=number, letter_date=day, issuing_division=division,
                              uploaded_by=by_identity, uploaded_by_name=by_name[:200], uploaded_at=_now(),
                              status="submitted")
        with self._db.transaction() as session:
            session.add(row)
            record(session, "organisation.letter_uploaded", identity_id=by_identity, organisation=code,
                   letter_id=row.id, size=len(data))
            return _letter(row)

    def letters(self, code: str) -> list[LetterView]:
        with self._db.reading() as session:
            return [_letter(r) for r in session.execute(select(AuthorityLetter).where(
                AuthorityLetter.organisation_code == code).order_by(AuthorityLetter.uploaded_at.desc())).scalars()]

    def letter_pdf(self, code: str, letter_id: str) -> tuple[str, bytes]:
        with self._db.reading() as session:
            row = session.get(AuthorityLetter, letter_id)
            if row is None or row.organisation_code != code:
                raise NotFound("There is no such letter.", "ไม่พบหนังสือ")
            return row.file_name, row.content

    def authority(self, code: str, applicant_identity_id: str | None = None) -> Authority:
        org = self.find(code) if code else None
        missing: list[tuple[str, str]] = []
        if org is None:
            missing.append((f"No organisation {code or ''} is registered: the applicant registers it in the agency "
                            "portal first.", f"ยังไม่มีการลงทะเบียนหน่วยงาน {code or ''} ในพอร์ทัลหน่วยงาน"))
            return Authority(None, False, None, tuple(missing))
        if applicant_identity_id and self.role_of(code, applicant_identity_id) not in ("owner", "developer"):
            missing.append(("The applicant is not the organisation's owner or developer.",
                            "ผู้ยื่นคำขอไม่ได้เป็นเจ้าของหรือนักพัฒนาของหน่วยงาน"))
        if org.email_verified_at is None:
            missing.append(("The organisation's central e-mail is not verified.", "ยังไม่ได้ยืนยันอีเมลกลางของหน่วยงาน"))
        letters = [x for x in self.letters(code) if x.status in ("accepted", "submitted")]
        accepted = [x for x in letters if x.status == "accepted"]
        letter = accepted[0] if accepted else (letters[0] if letters else None)
        if letter is None:
            missing.append(("No signed permission letter has been uploaded.", "ยังไม่ได้อัปโหลดหนังสืออนุญาตที่ลงนามแล้ว"))
        return Authority(org, org.email_verified_at is not None, letter, tuple(missing))

    def decide_letter(self, letter_id: str, *, accept: bool, by: str, reason: str = "") -> None:
        with self._db.transaction() as session:
            row = session.get(AuthorityLetter, letter_id)
            if row is None:
                raise NotFound("There is no such letter.", "ไม่พบหนังสือ")
            if row.status != "submitted":
                return
            row.status = "accepted" if accept else "rejected"
            row.decided_by, row.decided_at, row.decision_reason = by[:200], _now(), reason[:1000] or None
            record(session, f"organisation.letter_{row.status}", organisation=row.organisation_code,
                   letter_id=row.id, by=by)

    # -- the staff enrolment drive ---------------------------------------------------------------
    def count_enrolment(self, campaign_code: str) -> bool:
        """One more citizen enrolled through this drive's link (a count only: no names)."""
        org = self.by_campaign(campaign_code[:32]) if campaign_code else None
        if org is None:
            return False
        with self._db.transaction() as session:
            tallies.add(session, {(f"campaign|{org.code}", tallies.TOTAL): 1})
        return True

    def campaign_enrolments(self, code: str) -> int:
        with self._db.reading() as session:
            return tallies.totals(session, f"campaign|{code}").get(f"campaign|{code}", 0)

    def by_campaign(self, campaign_code: str) -> OrganisationView | None:
        with self._db.reading() as session:
            row = session.execute(select(Organisation).where(
                Organisation.campaign_code == campaign_code)).scalar_one_or_none()
        return _org(row) if row else None

    # -- officials ---------------------------------------------------------------------------------
    def add_official(self, code: str, by_identity: str, pid: str, position: str, unit: str) -> OfficialView:
        self._require(code, by_identity, "owner")
        return self._add_officials(code, by_identity, [(pid, position, unit)])[0]

    def import_officials(self, code: str, by_identity: str, data: bytes) -> list[OfficialView]:
        """A CSV of ``pid,position,unit`` (a heading row is optional): all rows or none."""
        self._require(code, by_identity, "owner")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput("The CSV file must be UTF-8.", "ไฟล์ CSV ต้องเข้ารหัส UTF-8", field="file") from exc
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
        if rows and not re.fullmatch(r"[0-9 -]{13,17}", rows[0][0].strip()):
            rows = rows[1:]            # a heading row
        if not rows or len(rows) > 5000:
            raise InvalidInput("The file holds 1 to 5,000 officials (pid, position, unit).",
                               "ไฟล์ต้องมีรายชื่อเจ้าหน้าที่ 1 ถึง 5,000 รายการ", field="file")
        return self._add_officials(code, by_identity, [(r[0], r[1] if len(r) > 1 else "", r[2] if len(r) > 2 else "")
                                                       for r in rows])

    def _add_officials(self, code: str, by_identity: str, entries: list[tuple[str, str, str]]) -> list[OfficialView]:
        checked = []
        for number, (pid, position, unit) in enumerate(entries, start=1):
            where = f" (row {number})" if len(entries) > 1 else ""
            if not citizen_id.is_valid(pid):
                raise InvalidInput(f"The citizen ID is not valid{where}.", f"เลขประจำตัวประชาชนไม่ถูกต้อง{where}",
                                   field="pid")
            if not position.strip() or not unit.strip() or len(position) > 200 or len(unit) > 200:
                raise InvalidInput(f"Give the official's position and unit{where}.",
                                   f"กรุณาระบุตำแหน่งและหน่วยงานย่อย{where}", field="position")
            checked.append((citizen_id.normalize(pid), position.strip(), unit.strip()))
        now = _now()
        out = []
        with self._db.transaction() as session:
            current = {r.pid: r for r in session.execute(select(Official).where(
                Official.organisation_code == code, Official.removed_at.is_(None))).scalars()}
            for pid, position, unit in checked:
                row = current.get(pid)
                if row is None:
                    row = Official(organisation_code=code, pid=pid, position=position, unit=unit,
                                   added_by=by_identity, added_at=now)
                    session.add(row)
                    current[pid] = row
                else:
                    row.position, row.unit = position, unit
                session.flush()
                out.append(OfficialView(row.id, code, pid, position, unit, row.added_at))
            record(session, "organisation.officials_added", identity_id=by_identity, organisation=code,
                   officials=len(checked))
        return out

    def officials(self, code: str) -> list[OfficialView]:
        with self._db.reading() as session:
            return [OfficialView(r.id, r.organisation_code, r.pid, r.position, r.unit, r.added_at)
                    for r in session.execute(select(Official).where(
                        Official.organisation_code == code, Official.removed_at.is_(None))
                        .order_by(Official.unit, Official.position)).scalars()]

    def remove_official(self, code: str, by_identity: str, official_id: int) -> str:
        """Remove an official; returns their citizen ID (the caller revokes their grants)."""
        self._require(code, by_identity, "owner")
        with self._db.transaction() as session:
            row = session.get(Official, official_id)
            if row is None or row.organisation_code != code or row.removed_at is not None:
                raise NotFound("There is no such official.", "ไม่พบเจ้าหน้าที่")
            row.removed_at = _now()
            record(session, "organisation.official_removed", identity_id=by_identity, organisation=code,
                   official_id=official_id)
            return row.pid

    def official_roles(self, pid: str) -> list[tuple[OrganisationView, OfficialView]]:
        """Where this citizen is an official (for /me and the ``official`` claim)."""
        with self._db.reading() as session:
            rows = session.execute(select(Organisation, Official).join(
                Official, Official.organisation_code == Organisation.code).where(
                Official.pid == pid, Official.removed_at.is_(None))).all()
        return [(_org(o), OfficialView(r.id, r.organisation_code, r.pid, r.position, r.unit, r.added_at))
                for o, r in rows]

    def official_claim(self, pid: str, organisation_code: str) -> dict | None:
        """The ``official`` claim: the organisation, unit and position, if the citizen is one of its officials."""
        for org, official in self.official_roles(pid):
            if org.code == organisation_code:
                return {"organisation": org.code, "organisation_name": org.name_th,
                        "organisation_name_en": org.name_en, "unit": official.unit, "position": official.position}
        return None


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
