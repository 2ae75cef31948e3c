"""Agencies' applications: drafts with sandbox credentials at once, submission, the operators'
review (per claim), production credentials after approval, secret rotation, keys, logos, usage.

Only the staff member who applied sees an application; anyone else — another agency included —
gets :class:`ApplicationNotFound`, the same answer as for an application that does not exist.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from PIL import Image, ImageDraw, UnidentifiedImageError
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from tuaton.agencies.application import (
    ApplicationForm,
    Contact,
    Problem,
    problems,
    valid_redirect_uris,
)
from tuaton.agencies.models import AgencyApplication, ApplicationDecision, ApplicationStatus
from tuaton.audit.queries import counts_by_day, last_days, since_start_of
from tuaton.audit.trail import record
from tuaton.errors import (
    ApplicationIncomplete,
    ApplicationNotFound,
    AuthorityNotProven,
    InvalidInput,
    MailUnavailable,
    WrongApplicationState,
)
from tuaton.mail import Mail, Mailer
from tuaton.officers.service import OfficerView
from tuaton.oidc.claims import claims_for_scopes
from tuaton.oidc.client_keys import has_private_members
from tuaton.oidc.clients import PRODUCTION, SANDBOX, Clients
from tuaton.oidc.models import Grant
from tuaton.settings import Settings
from tuaton.storage.db import Database

if TYPE_CHECKING:
    from tuaton.organisations.service import Organisations

#: Where sandbox credentials send the browser until the agency gives its own redirect URI.
SANDBOX_PLACEHOLDER_REDIRECT = "http://127.0.0.1:8080/callback"
MAX_LOGO_BYTES = 512 * 1024
#: Checked in the header, before decoding: a logo is shown at LOGO_SIZE, so a large one is waste.
MAX_LOGO_SIDE = 2048
LOGO_SIZE = 256
USAGE_KINDS = ("signin.approved", "signin.denied", "signin.assurance_too_low", "signin.sandbox_refused",
               "passcode.failed")


@dataclass(frozen=True)
class ApplicationView:
    id: str
    status: str
    form: ApplicationForm
    sandbox_client_id: str | None
    production_client_id: str | None
    granted_claims: tuple[str, ...]
    decision_reason: str | None
    has_logo: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    #: Who filed it (members of its organisation act on it too).
    owner_identity_id: str = ""

    @property
    def title(self) -> str:
        return self.title_in("en")

    def title_in(self, lang: str) -> str:
        """The e-Service's name in the reader's language, else in the other, else said to be untitled."""
        th, en = self.form.service_name_th, self.form.service_name_en
        first, second = (th, en) if lang == "th" else (en, th)
        return first or second or ("(บริการที่ยังไม่ได้ตั้งชื่อ)" if lang == "th" else "(untitled e-Service)")


@dataclass(frozen=True)
class Decision:
    decision: str
    reason: str
    claims: dict[str, bool]
    reviewer_name: str
    decided_at: dt.datetime


@dataclass(frozen=True)
class Usage:
    days: list[str]
    approved: list[int]
    refused: list[int]
    claims: dict[str, int]

    @property
    def success_rate(self) -> float | None:
        total = sum(self.approved) + sum(self.refused)
        return sum(self.approved) / total if total else None


def form_of(row: AgencyApplication) -> ApplicationForm:
    return ApplicationForm(
        org_type=row.org_type, org_name_th=row.org_name_th, org_name_en=row.org_name_en,
        org_identifier=row.org_identifier, contact_email=row.contact_email, service_name_th=row.service_name_th,
        service_name_en=row.service_name_en, purpose_th=row.purpose_th, purpose_en=row.purpose_en,
        requested_claims=dict(row.requested_claims or {}), redirect_uris=tuple(row.redirect_uris or ()),
        technical_contacts=tuple(Contact(**c) for c in row.technical_contacts or ()))


def view_of(row: AgencyApplication) -> ApplicationView:
    return ApplicationView(row.id, row.status.value, form_of(row), row.sandbox_client_id, row.production_client_id,
                           tuple(row.granted_claims or ()), row.decision_reason, row.logo_png is not None,
                           row.created_at, row.updated_at, row.submitted_at, row.decided_at, row.owner_identity_id)


def _store_form(row: AgencyApplication, form: ApplicationForm) -> None:
    row.org_type, row.org_name_th, row.org_name_en = form.org_type, form.org_name_th, form.org_name_en
    row.org_identifier, row.contact_email = form.org_identifier, form.contact_email
    row.service_name_th, row.service_name_en = form.service_name_th, form.service_name_en
    row.purpose_th, row.purpose_en = form.purpose_th, form.purpose_en
    row.requested_claims = dict(form.requested_claims)
    row.redirect_uris = list(form.redirect_uris)
    row.technical_contacts = [c.__dict__ for c in form.technical_contacts]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Agencies:
    def __init__(self, database: Database, clients: Clients, settings: Settings,
                 organisations: Organisations | None = None, mailer: Mailer | None = None) -> None:
        self._db, self._clients, self._settings = database, clients, settings
        #: Who may act for an application's organisation, and whether it proved its authority.
        self._organisations = organisations
        self._mailer = mailer

    # -- the agency's side -------------------------------------------------------------------
    def create_draft(self, owner_identity_id: str, form: ApplicationForm) -> tuple[ApplicationView, str]:
        """A new draft and its sandbox client; returns the sandbox secret (shown once)."""
        found = problems(form, complete=False)
        if found:
            raise _incomplete(found)
        app_id = str(uuid.uuid4())
        sandbox = self._clients.create(
            name_en=form.service_name_en or "Sandbox e-Service", name_th=form.service_name_th or None,
            redirect_uris=valid_redirect_uris(form) or [SANDBOX_PLACEHOLDER_REDIRECT],
            scopes=sorted(form.requested_claims) or ["openid"], purpose_en=form.purpose_en,
            purpose_th=form.purpose_th, environment=SANDBOX)
        now = _now()
        row = AgencyApplication(id=app_id, owner_identity_id=owner_identity_id, status=ApplicationStatus.DRAFT,
                                sandbox_client_id=sandbox.client.client_id, granted_claims=[], created_at=now,
                                updated_at=now)
        _store_form(row, form)
        with self._db.transaction() as session:
            session.add(row)
            record(session, "agency.application_created", identity_id=owner_identity_id, application_id=app_id,
                   sandbox_client_id=sandbox.client.client_id)
            session.flush()
            view = view_of(row)
        return view, sandbox.client_secret or ""

    def mine(self, owner_identity_id: str) -> list[ApplicationView]:
        """The applications this person filed, and those of the organisations they are a member of."""
        codes = [o.code for o, _ in self._organisations.mine(owner_identity_id)] if self._organisations else []
        with self._db.reading() as session:
            rows = session.execute(select(AgencyApplication).where(or_(
                AgencyApplication.owner_identity_id == owner_identity_id,
                AgencyApplication.org_identifier.in_(codes)))
                .order_by(AgencyApplication.created_at.desc())).scalars()
            return [view_of(r) for r in rows]

    def get(self, application_id: str, owner_identity_id: str) -> ApplicationView:
        with self._db.reading() as session:
            return view_of(self._owned(session, application_id, owner_identity_id, write=False))

    def save(self, application_id: str, owner_identity_id: str, form: ApplicationForm, *,
             submit: bool) -> ApplicationView:
        """Keep the draft (even with problems), or submit it for review (only without any).

        An approved application's redirect URIs and contacts change at once; a change to what
        citizens are told or asked for (names, purpose, claims) goes to review again, while production
        keeps the claims approved before.
        """
        with self._db.transaction() as session:
            row = self._owned(session, application_id, owner_identity_id, lock=True)
            approved = row.status == ApplicationStatus.APPROVED or row.production_client_id is not None
            found = problems(form, complete=submit or approved)
            if found:
                raise _incomplete(found)
            needs_review = submit or (approved and form.review_fields != form_of(row).review_fields)
            _store_form(row, form)
            row.updated_at = _now()
            if needs_review:
                row.status, row.submitted_at = ApplicationStatus.SUBMITTED, row.updated_at
            record(session, "agency.application_submitted" if needs_review else "agency.application_saved",
                   identity_id=owner_identity_id, application_id=row.id)
            view = view_of(row)
        self._sync_clients(view)
        return view

    def _sync_clients(self, view: ApplicationView) -> None:
        form = view.form
        names = (form.service_name_th or form.service_name_en or "Sandbox e-Service",
                 form.service_name_en or form.service_name_th or "Sandbox e-Service")
        if view.sandbox_client_id:
            self._clients.update(view.sandbox_client_id,
                                 redirect_uris=valid_redirect_uris(form) or [SANDBOX_PLACEHOLDER_REDIRECT],
                                 scopes=sorted(form.requested_claims), names=names,
                                 purposes=(form.purpose_th, form.purpose_en))
        if view.production_client_id:
            self._clients.update(view.production_client_id, redirect_uris=valid_redirect_uris(form))

    def set_logo(self, application_id: str, owner_identity_id: str, data: bytes) -> None:
        png = normalised_logo(data)
        with self._db.transaction() as session:
            row = self._owned(session, application_id, owner_identity_id, lock=True)
            row.logo_png, row.updated_at = png, _now()
            record(session, "agency.logo_changed", identity_id=owner_identity_id, application_id=row.id)

    def logo(self, client_id: str) -> bytes | None:
        """The logo of the application that owns ``client_id`` (public: the sign-in page shows it)."""
        with self._db.reading() as session:
            return session.execute(select(AgencyApplication.logo_png).where(
                (AgencyApplication.production_client_id == client_id)
                | (AgencyApplication.sandbox_client_id == client_id))).scalar_one_or_none()

    def new_secret(self, application_id: str, owner_identity_id: str, environment: str) -> str:
        """A new client secret for sandbox or production, shown once; the previous one keeps
        working for ``client_secret_overlap`` so a running e-Service can switch without downtime."""
        client_id = _client_of(self.get(application_id, owner_identity_id), environment)
        return self._clients.rotate_secret(client_id, self._settings.client_secret_overlap)

    def set_keys(self, application_id: str, owner_identity_id: str, jwks_text: str, jwks_uri: str = "") -> None:
        """Switch production to private_key_jwt with the agency's public keys: pasted (JWKS), or
        at a public https ``jwks_uri`` Tuaton fetches (and fetches again when the agency rotates)."""
        client_id = _client_of(self.get(application_id, owner_identity_id), PRODUCTION)
        if jwks_uri.strip():
            self._clients.update(client_id, jwks_uri=jwks_uri.strip(), auth_method="private_key_jwt")
        else:
            self._clients.update(client_id, jwks=public_jwks(jwks_text), auth_method="private_key_jwt")

    def set_fapi(self, application_id: str, owner_identity_id: str, environment: str, *, require_par: bool,
                 require_dpop: bool) -> None:
        """FAPI 2.0 for sandbox or production: authorization requests only by PAR, tokens only
        bound to a DPoP key (PKCE S256 and ES256/PS256 assertions then follow)."""
        client_id = _client_of(self.get(application_id, owner_identity_id), environment)
        self._clients.update(client_id, require_par=require_par, require_dpop=require_dpop)

    def set_backchannel(self, application_id: str, owner_identity_id: str, environment: str, mode: str | None,
                        endpoint: str | None) -> None:
        """Backchannel sign-in (CIBA: meeting check-in, call centres) on or off for sandbox or
        production. The agency decides it itself: a request reaches only citizens it may already
        name (the citizen ID if granted ``pid``, else a ``sub`` from an earlier sign-in), at most a
        few a minute each, and sandbox credentials reach only test personas."""
        client_id = _client_of(self.get(application_id, owner_identity_id), environment)
        self._clients.set_backchannel(client_id, mode, (endpoint or "").strip() or None,
                                      changed_by=owner_identity_id)

    def usage(self, application_id: str, owner_identity_id: str, days: int = 30) -> Usage:
        view = self.get(application_id, owner_identity_id)
        client_ids = [c for c in (view.production_client_id, view.sandbox_client_id) if c]
        return self._usage(client_ids, days)

    def _usage(self, client_ids: list[str], days: int) -> Usage:
        day_list = last_days(days)
        with self._db.reading() as session:
            counts = counts_by_day(session, USAGE_KINDS, day_list, client_ids)
            claims: dict[str, int] = {}
            # Grants with the same scopes are counted together (JSON compared as text: PostgreSQL's
            # json type has no equality), then each scope list is opened into its claims.
            scopes_text = cast(Grant.scopes, String)
            rows = session.execute(select(scopes_text, func.count()).where(
                Grant.client_id.in_(client_ids), Grant.created_at >= since_start_of(day_list[0]))
                .group_by(scopes_text))
            for text, n in rows:
                for claim in claims_for_scopes(set(json.loads(text))):
                    claims[claim] = claims.get(claim, 0) + n
        approved = [counts.get((d, "signin.approved"), 0) for d in day_list]
        refused = [sum(counts.get((d, k), 0) for k in USAGE_KINDS[1:]) for d in day_list]
        return Usage(day_list, approved, refused, dict(sorted(claims.items(), key=lambda kv: -kv[1])))

    def production_clients_of(self, organisation_code: str) -> list[str]:
        """The production clients of the applications filed in an organisation's name."""
        with self._db.reading() as session:
            return [c for (c,) in session.execute(select(AgencyApplication.production_client_id).where(
                AgencyApplication.org_identifier == organisation_code,
                AgencyApplication.production_client_id.is_not(None)))]

    def organisation_of_client(self, client_id: str) -> str | None:
        """The organisation code a production client was approved for."""
        with self._db.reading() as session:
            return session.execute(select(AgencyApplication.org_identifier).where(
                AgencyApplication.production_client_id == client_id)).scalars().first()

    # -- the operators' side -----------------------------------------------------------------
    def queue(self) -> list[ApplicationView]:
        with self._db.reading() as session:
            rows = session.execute(select(AgencyApplication).where(
                AgencyApplication.status == ApplicationStatus.SUBMITTED)
                .order_by(AgencyApplication.submitted_at)).scalars()
            return [view_of(r) for r in rows]

    def for_review(self, application_id: str) -> tuple[ApplicationView, list[Decision]]:
        with self._db.reading() as session:
            row = session.get(AgencyApplication, application_id)
            if row is None:
                raise ApplicationNotFound()
            return view_of(row), self._history(session, application_id)

    def history(self, application_id: str, owner_identity_id: str) -> list[Decision]:
        with self._db.reading() as session:
            self._owned(session, application_id, owner_identity_id, write=False)
            return self._history(session, application_id)

    @staticmethod
    def _history(session: Session, application_id: str) -> list[Decision]:
        rows = session.execute(select(ApplicationDecision).where(
            ApplicationDecision.application_id == application_id)
            .order_by(ApplicationDecision.decided_at.desc(), ApplicationDecision.id.desc())).scalars()
        return [Decision(r.decision, r.reason, dict(r.claims), r.reviewer_name, r.decided_at) for r in rows]

    def decide(self, application_id: str, reviewer: OfficerView, *, approve: bool, reason: str,
               granted: set[str]) -> ApplicationView:
        """Approve (granting some or all of the claims asked for) or reject, with a reason.

        A reason is required to reject and to refuse any claim. Approval makes the production
        client (its secret is created by the agency, shown once) or updates its claims."""
        reason = reason.strip()
        letter_id = None
        if approve and self._organisations is not None:
            view, _ = self.for_review(application_id)
            proof = self._organisations.authority(view.form.org_identifier, view.owner_identity_id)
            if not proof.proven:
                raise AuthorityNotProven("Production credentials wait for the organisation's authority: "
                                         + " ".join(en for en, _ in proof.missing),
                                         "ข้อมูลรับรองสำหรับใช้งานจริงต้องรอหลักฐานการมีอำนาจของหน่วยงาน: "
                                         + " ".join(th for _, th in proof.missing),
                                         missing=[en for en, _ in proof.missing])
            letter_id = proof.letter.id if proof.letter else None
        with self._db.transaction() as session:
            row = session.get(AgencyApplication, application_id, with_for_update=True)
            if row is None:
                raise ApplicationNotFound()
            if row.status != ApplicationStatus.SUBMITTED:
                raise WrongApplicationState("Only a submitted application can be decided.",
                                            "พิจารณาได้เฉพาะคำขอที่ส่งแล้วเท่านั้น")
            asked = set(row.requested_claims or {})
            if not granted <= asked:
                raise InvalidInput("Only claims the agency asked for can be granted.",
                                   "อนุมัติได้เฉพาะข้อมูลที่หน่วยงานขอเท่านั้น", field="claims")
            if approve and not granted:
                raise InvalidInput("Grant at least one claim, or reject the application.",
                                   "กรุณาอนุมัติข้อมูลอย่างน้อยหนึ่งรายการ หรือปฏิเสธคำขอ", field="claims")
            if (not approve or granted != asked) and len(reason) < 10:
                raise InvalidInput("Give the agency a reason (at least 10 characters) for a rejection or a "
                                   "refused claim.", "กรุณาระบุเหตุผลอย่างน้อย 10 ตัวอักษรเมื่อปฏิเสธคำขอหรือข้อมูลบางรายการ",
                                   field="reason")
            now = _now()
            row.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
            row.decision_reason, row.decided_at = reason or None, now
            if approve:
                row.granted_claims = sorted(granted)
            session.add(ApplicationDecision(
                application_id=row.id, decision=row.status.value, reason=reason,
                claims={c: (approve and c in granted) for c in sorted(asked)}, reviewer_id=reviewer.id,
                reviewer_name=reviewer.display_name, decided_at=now, letter_id=letter_id))
            record(session, f"agency.application_{row.status.value}", application_id=row.id,
                   officer_id=reviewer.id, officer=reviewer.username, granted=sorted(granted) if approve else [])
            view = view_of(row)
        if letter_id is not None:
            self._organisations.decide_letter(letter_id, accept=True, by=reviewer.display_name)
        if approve:
            view = self._production(view)
        return view

    def notify_decision(self, view: ApplicationView) -> bool:
        """E-mail the outcome to the applicant's contact address; False when it could not be sent
        (the decision stands either way, and the agency portal shows it)."""
        if self._mailer is None or not view.form.contact_email:
            return False
        title_th, title_en = view.title_in("th"), view.title_in("en")
        approved = view.status == ApplicationStatus.APPROVED
        text = (f"ผลการพิจารณาคำขอใช้บริการตัวตนสำหรับ “{title_th}”: {'อนุมัติ' if approved else 'ไม่อนุมัติ'}\n"
                + (f"เหตุผล: {view.decision_reason}\n" if view.decision_reason else "")
                + f"ดูรายละเอียดได้ที่ {self._settings.issuer}/agency/{view.id}\n\n"
                f"Your application to use Tuaton for “{title_en}” was {'approved' if approved else 'rejected'}.\n"
                + (f"Reason: {view.decision_reason}\n" if view.decision_reason else "")
                + f"Details: {self._settings.issuer}/agency/{view.id}\n")
        try:
            self._mailer.send(Mail(to=view.form.contact_email, text=text,
                                   subject=f"ผลการพิจารณาคำขอ / Decision on your application: {title_en}"))
        except MailUnavailable:
            with self._db.transaction() as session:
                record(session, "agency.decision_mail_failed", application_id=view.id)
            return False
        return True

    def _production(self, view: ApplicationView) -> ApplicationView:
        form = view.form
        if view.production_client_id:
            self._clients.update(view.production_client_id, scopes=list(view.granted_claims),
                                 names=(form.service_name_th, form.service_name_en),
                                 purposes=(form.purpose_th, form.purpose_en),
                                 redirect_uris=valid_redirect_uris(form))
            return view
        created = self._clients.create(name_en=form.service_name_en, name_th=form.service_name_th,
                                       redirect_uris=valid_redirect_uris(form), scopes=list(view.granted_claims),
                                       purpose_en=form.purpose_en, purpose_th=form.purpose_th,
                                       issue_secret=False)
        with self._db.transaction() as session:
            row = session.get(AgencyApplication, view.id)
            row.production_client_id = created.client.client_id
            return view_of(row)

    # -- helpers -----------------------------------------------------------------------------
    def _owned(self, session: Session, application_id: str, identity_id: str, *, lock: bool = False,
               write: bool = True) -> AgencyApplication:
        """The application, if this person filed it or acts for its organisation (owner or developer;
        a viewer only reads). Anyone else gets ApplicationNotFound: whether it exists is not theirs."""
        row = session.get(AgencyApplication, application_id, with_for_update=lock) if application_id else None
        if row is None:
            raise ApplicationNotFound()
        if row.owner_identity_id == identity_id:
            return row
        role = self._organisations.role_of(row.org_identifier, identity_id) if self._organisations else None
        if role in ("owner", "developer") or (role == "viewer" and not write):
            return row
        raise ApplicationNotFound()


def _client_of(view: ApplicationView, environment: str) -> str:
    """The application's client for sandbox or production; production exists only once approved."""
    client_id = view.production_client_id if environment == PRODUCTION else view.sandbox_client_id
    if client_id is None:
        raise WrongApplicationState("Production credentials exist only after the application is approved.",
                                    "ข้อมูลรับรองสำหรับใช้งานจริงจะออกให้หลังคำขอได้รับอนุมัติ")
    return client_id


def _incomplete(found: dict[str, Problem]) -> ApplicationIncomplete:
    return ApplicationIncomplete(" ".join(en for en, _ in found.values()),
                                 " ".join(th for _, th in found.values()), problems=found)


def normalised_logo(data: bytes) -> bytes:
    """A PNG or JPEG of at most 512 KB, re-encoded as a PNG no larger than 256×256 (which also
    drops anything but the pixels: metadata, scripts in crafted files)."""
    if len(data) > MAX_LOGO_BYTES:
        raise InvalidInput("The logo is over 512 KB.", "ไฟล์โลโก้ใหญ่เกิน 512 KB", field="logo")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG") or image.width > MAX_LOGO_SIDE or image.height > MAX_LOGO_SIDE:
                raise InvalidInput(f"The logo must be a PNG or JPEG image of at most {MAX_LOGO_SIDE}×{MAX_LOGO_SIDE} "
                                   "pixels.", f"โลโก้ต้องเป็นไฟล์ PNG หรือ JPEG ขนาดไม่เกิน {MAX_LOGO_SIDE}×{MAX_LOGO_SIDE} "
                                   "พิกเซล", field="logo")
            image.draft("RGB", (LOGO_SIZE, LOGO_SIZE))      # a JPEG is decoded at a fraction of its size
            image.load()
            picture = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidInput("The logo is not a readable PNG or JPEG image.", "อ่านไฟล์โลโก้ไม่ได้", field="logo") from exc
    picture.thumbnail((LOGO_SIZE, LOGO_SIZE))
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()


def public_jwks(text: str) -> dict:
    """Parse an agency's JWKS (``{"keys": [...]}``) of EC or RSA public keys; refuse private parts."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidInput("The keys are not valid JSON.", "ข้อมูลกุญแจไม่ใช่ JSON ที่ถูกต้อง", field="jwks") from exc
    keys = value.get("keys") if isinstance(value, dict) else None
    if not isinstance(keys, list) or not keys or len(keys) > 10:
        raise InvalidInput('Paste a JWKS: {"keys": [ ... ]} with 1–10 public keys.',
                           'กรุณาวาง JWKS ในรูปแบบ {"keys": [...]} มีกุญแจสาธารณะ 1–10 รายการ', field="jwks")
    for key in keys:
        if not isinstance(key, dict) or key.get("kty") not in ("EC", "RSA"):
            raise InvalidInput("Each key must be an EC or RSA public key.", "กุญแจต้องเป็นชนิด EC หรือ RSA",
                               field="jwks")
        if has_private_members(key):
            raise InvalidInput("Paste only public keys: a private key must never leave your systems.",
                               "ห้ามส่งกุญแจส่วนตัว (private key) ให้ส่งเฉพาะกุญแจสาธารณะ", field="jwks")
    try:
        KeySet.import_key_set({"keys": keys})
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(f"A key could not be read: {exc}.", "อ่านกุญแจไม่ได้", field="jwks") from exc
    return {"keys": keys}


@lru_cache(maxsize=512)
def monogram_logo(name: str) -> bytes:
    """A plain logo for an agency that has not uploaded one: the first letter of its name, white
    on navy (Debian's Thai font draws Thai and Latin letters alike), so the approval screen never
    shows a broken image."""
    from tuaton.registry.card_render import font

    # The first consonant or Latin letter: Thai words may begin with a vowel written before it (เ แ โ ใ ไ).
    initial = next((ch for ch in name if ch.isalpha() and not "\u0e40" <= ch <= "\u0e44"), "?").upper()
    picture = Image.new("RGB", (LOGO_SIZE, LOGO_SIZE), (19, 49, 92))
    draw = ImageDraw.Draw(picture)
    face = font(LOGO_SIZE // 2, bold=True)
    left, top, right, bottom = draw.textbbox((0, 0), initial, font=face)
    draw.text(((LOGO_SIZE - (right - left)) / 2 - left, (LOGO_SIZE - (bottom - top)) / 2 - top), initial,
              font=face, fill=(255, 255, 255))
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()
