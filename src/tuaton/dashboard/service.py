"""The national dashboard: registrations, identities, agencies, sign-ins, face checks, failures
and latency — counted from the database and the audit trail, shared by every process through the
ephemeral store for ``dashboard_cache_seconds`` so that many operators watching cost one count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select

from tuaton.agencies.models import AgencyApplication, ApplicationStatus
from tuaton.audit.models import AuditEvent
from tuaton.audit.queries import counts_by_day, last_days, latency_percentiles
from tuaton.audit.trail import record
from tuaton.errors import ProofingRefused
from tuaton.identity.models import IdentityStatus
from tuaton.settings import Settings
from tuaton.storage import tallies
from tuaton.storage.db import Database
from tuaton.storage.ephemeral import EphemeralStore

SIGNIN_KINDS = ("signin.approved", "signin.denied", "signin.assurance_too_low", "signin.sandbox_refused",
                "passcode.failed", "signin.wrong_number", "identity.locked")
#: The kinds counted as a failed sign-in attempt (an identity locking is the consequence of one).
FAILED_KINDS = SIGNIN_KINDS[1:6]
#: How the dashboard names each failure reason (English, Thai).
FAILURE_LABELS = {
    "signin.denied": ("Citizen refused the sign-in", "ประชาชนปฏิเสธการเข้าสู่ระบบ"),
    "signin.assurance_too_low": ("Assurance level too low", "ระดับการพิสูจน์ตัวตนไม่ถึง"),
    "signin.sandbox_refused": ("Sandbox client, real citizen", "ไคลเอนต์ทดสอบกับประชาชนจริง"),
    "passcode.failed": ("Wrong passcode", "รหัสผ่านไม่ถูกต้อง"),
    "signin.wrong_number": ("Wrong number picked (a relayed QR code?)", "เลือกตัวเลขไม่ตรง (อาจเป็น QR code ที่ถูกส่งต่อ)"),
    "identity.locked": ("Identity locked (5 wrong passcodes)", "ตัวตนถูกล็อก (รหัสผิด 5 ครั้ง)"),
    "face_mismatch": ("Face did not match the registry photo", "ใบหน้าไม่ตรงกับภาพในทะเบียน"),
    "liveness_failed": ("Liveness check failed", "ตรวจสอบความมีชีวิตไม่ผ่าน"),
}


def failure_label(reason: str) -> tuple[str, str]:
    """(English, Thai) for a failure reason: the dashboard's own words, else the words the app
    shows the citizen for that refusal (without the advice after a semicolon), never the bare code."""
    if reason in FAILURE_LABELS:
        return FAILURE_LABELS[reason]
    if reason in ProofingRefused.REASONS:
        en, th = ProofingRefused.REASONS[reason]
        return en.split(";")[0].rstrip("."), th
    return (f"Other ({reason.replace('_', ' ')})", f"อื่น ๆ ({reason.replace('_', ' ')})")




@dataclass
class NationalFigures:
    days: list[str]
    generated_at: str
    active_identities: int = 0
    locked_identities: int = 0
    registrations: dict[str, list[int]] = field(default_factory=dict)     # channel → per day
    provinces: list[tuple[str, str, int]] = field(default_factory=list)   # (th, en, identities), top 10
    agencies: dict[str, int] = field(default_factory=dict)                # government/private → approved orgs
    signins_approved: list[int] = field(default_factory=list)
    signins_failed: list[int] = field(default_factory=list)
    face_checks_passed: list[int] = field(default_factory=list)
    face_checks_failed: list[int] = field(default_factory=list)
    failure_reasons: list[tuple[str, int]] = field(default_factory=list)  # (reason key, count), 30 days
    #: p50/p90/p99 of the time to approve, as the latency histogram's bucket ("≤ 15" seconds)
    seconds_to_approve: dict[str, str] = field(default_factory=dict)

    @property
    def success_rate(self) -> float | None:
        total = sum(self.signins_approved) + sum(self.signins_failed)
        return sum(self.signins_approved) / total if total else None


class NationalDashboard:
    def __init__(self, database: Database, store: EphemeralStore, settings: Settings) -> None:
        self._db, self._store, self._settings = database, store, settings

    def figures(self, days: int = 30) -> NationalFigures:
        key = f"dashboard:national:{days}"
        cached = self._store.get(key) if self._settings.dashboard_cache_seconds else None
        if cached is not None:
            return _from_cache(cached)
        figures = self.count(days)
        if self._settings.dashboard_cache_seconds:
            self._store.put(key, asdict(figures), self._settings.dashboard_cache_seconds)
        return figures

    def count(self, days: int = 30) -> NationalFigures:
        day_list = last_days(days)
        out = NationalFigures(day_list, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        with self._db.reading() as session:
            # Identities, provinces, registrations and face checks from the tallies written with
            # them (storage/tallies.py), never by counting tables that grow with the population.
            statuses = tallies.totals(session, "identities|")
            active = f"identities|{IdentityStatus.ACTIVE}"
            out.active_identities = statuses.get(active, 0)
            out.locked_identities = sum(n for name, n in statuses.items() if name != active)
            daily = tallies.by_day(session, day_list[0], day_list[-1])
            per_channel: dict[str, dict[str, int]] = {}
            for (name, d), n in daily.items():
                if name.startswith("registrations|") and n:
                    per_channel.setdefault(name.split("|", 1)[1], {})[d] = n
            out.registrations = {c: [v.get(d, 0) for d in day_list] for c, v in sorted(per_channel.items())}
            provinces = [(*name.split("|", 2)[1:], n) for name, n in tallies.totals(session, "province|").items()
                         if n > 0]
            out.provinces = sorted(provinces, key=lambda p: (-p[2], p[0]))[:10]
            out.agencies = {t: n for t, n in session.execute(
                select(AgencyApplication.org_type, func.count(func.distinct(AgencyApplication.org_identifier)))
                .where(AgencyApplication.status == ApplicationStatus.APPROVED)
                .group_by(AgencyApplication.org_type))}
            counts = counts_by_day(session, SIGNIN_KINDS, day_list)
            out.signins_approved = [counts.get((d, "signin.approved"), 0) for d in day_list]
            out.signins_failed = [sum(counts.get((d, k), 0) for k in FAILED_KINDS) for d in day_list]
            out.face_checks_passed = [daily.get(("faces|accepted", d), 0) for d in day_list]
            out.face_checks_failed = [daily.get(("faces|refused", d), 0) for d in day_list]
            reasons: dict[str, int] = {}
            for (_, kind), n in counts.items():
                if kind != "signin.approved":
                    reasons[kind] = reasons.get(kind, 0) + n
            for (name, _), n in daily.items():
                if name.startswith("refused|") and n:
                    reason = name.split("|", 1)[1]
                    reasons[reason] = reasons.get(reason, 0) + n
            out.failure_reasons = sorted(reasons.items(), key=lambda kv: -kv[1])
            out.seconds_to_approve = latency_percentiles(session, day_list)
        return out

    def audit_search(self, *, identity_id: str | None = None, client_id: str | None = None,
                     officer: str | None = None, kind: str | None = None, since: dt.datetime | None = None,
                     until: dt.datetime | None = None, limit: int = 200,
                     searched_by: dict[str, str] | None = None) -> list[AuditEvent]:
        """Audit events by citizen (identity), agency (client), officer (username), kind and time.
        Looking is itself recorded: who searched, and for whom."""
        with self._db.transaction() as session:
            record(session, "console.audit_searched", identity_id=identity_id, client_id=client_id,
                   officer_searched=officer, kind_searched=kind, **(searched_by or {}))
        query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
        if identity_id:
            query = query.where(AuditEvent.identity_id == identity_id)
        if client_id:
            query = query.where(AuditEvent.client_id == client_id)
        if kind:
            query = query.where(AuditEvent.kind.startswith(kind))
        if since:
            query = query.where(AuditEvent.at >= since)
        if until:
            query = query.where(AuditEvent.at < until)
        with self._db.reading() as session:
            if officer:
                # Officers appear in events' details; the console's searches are rare and bounded
                # by time, so the filter is applied to the newest events that match the rest.
                rows = session.execute(query.limit(limit * 50)).scalars().all()
                return [e for e in rows if (e.details or {}).get("officer") == officer
                        or (e.details or {}).get("by_officer") == officer][:limit]
            return list(session.execute(query).scalars())


def _from_cache(data: dict[str, Any]) -> NationalFigures:
    data = dict(data)
    data["provinces"] = [tuple(p) for p in data["provinces"]]
    data["failure_reasons"] = [tuple(r) for r in data["failure_reasons"]]
    return NationalFigures(**data)
