"""The programme office's service: the catalogue, the digital-ID link derived from real sign-ins,
the dashboard's cuts, dated snapshots, reminders, and citizens' ratings.

**The digital-ID link is derived, not typed.** A service is linked to Tuaton when it is bound to a
production client that is active and had at least one approved sign-in in the last
``programme_link_window_days``; otherwise the service says which of those is missing
(:data:`LINK_STATES`). The KPI is the share of e-Services linked, against seed 001's targets.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from tuaton.audit.queries import BANGKOK, counts_by_client, last_days
from tuaton.audit.trail import record
from tuaton.errors import CatalogueImportRefused, InvalidInput, NotFound, RatingRefused
from tuaton.mail import Mail, Mailer
from tuaton.oidc.clients import Clients
from tuaton.oidc.grants import Grants
from tuaton.programme.catalogue import (
    DUE_FISCAL_YEAR,
    KPI_TARGETS,
    ORGANISATION_COLUMNS,
    SERVICE_COLUMNS,
    CatalogueRowError,
    OrganisationRecord,
    ServiceRecord,
    check_service,
    organisation_cells,
    parse_organisation_row,
    parse_service_row,
    service_cells,
    words,
)
from tuaton.programme.models import (
    CatalogueOrganisation,
    ProgrammeReminder,
    ProgrammeSnapshot,
    ServiceProcess,
    ServiceRating,
)
from tuaton.settings import Settings
from tuaton.storage.db import Database

#: Why a service is or is not linked to the digital ID: (English, Thai).
LINK_STATES: dict[str, tuple[str, str]] = {
    "linked": ("Linked: citizens sign in with Tuaton", "เชื่อมโยงแล้ว: ประชาชนเข้าสู่ระบบด้วยตัวตน"),
    "not_eservice": ("Not an e-Service yet", "ยังไม่เป็น e-Service"),
    "no_client": ("No Tuaton client is bound to it", "ยังไม่ได้ผูกกับ client ของตัวตน"),
    "client_unknown": ("Its client does not exist or is deactivated", "client ที่ผูกไว้ไม่มีอยู่หรือถูกระงับ"),
    "sandbox_client": ("Bound to a sandbox client, not production", "ผูกกับ client ทดสอบ ไม่ใช่ client ใช้งานจริง"),
    "no_recent_signins": ("No real sign-ins lately", "ไม่มีการเข้าสู่ระบบจริงในช่วงที่ผ่านมา"),
}
FILTERS = ("ministry", "agency", "organisation_type", "level", "platform", "platform_status", "group",
           "development_mode", "budget_source", "reason", "link")
#: A rating may be given this long after the sign-in.
RATING_WINDOW = dt.timedelta(days=7)
#: A rating of 4 or 5 counts as satisfied (the share of satisfied ratings is OPDC's figure).
SATISFIED = 4
SATISFACTION_TARGET = 0.90


@dataclass(frozen=True)
class Filters:
    ministry: str = ""
    agency: str = ""
    organisation_type: str = ""
    level: str = ""
    platform: str = ""
    platform_status: str = ""
    group: str = ""
    development_mode: str = ""
    budget_source: str = ""
    reason: str = ""
    #: "linked" / "not_linked": the derived digital-ID link.
    link: str = ""

    def active(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


@dataclass(frozen=True)
class ServiceView:
    record: ServiceRecord
    organisation: OrganisationRecord
    ministry_code: str
    #: A key of :data:`LINK_STATES`.
    link: str

    @property
    def linked(self) -> bool:
        return self.link == "linked"


@dataclass
class Summary:
    """What the dashboard and ``tuaton programme summary --json`` show for the services selected."""

    as_of: str
    link_window_days: int
    agencies: int = 0
    services: int = 0
    eservices: int = 0
    not_eservices: int = 0
    levels: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    #: Group 1 by central platform.
    group1_platforms: dict[str, int] = field(default_factory=dict)
    #: {platform status: {platform or "none": services}}
    platform_statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Group 2 only.
    development_modes: dict[str, int] = field(default_factory=dict)
    budget_sources: dict[str, int] = field(default_factory=dict)
    #: Groups 3 and 4 (and any other service that gives a reason).
    reasons: dict[str, int] = field(default_factory=dict)
    system_names: dict[str, int] = field(default_factory=dict)
    #: The digital-ID KPI: e-Services linked to Tuaton, of all e-Services.
    eservices_linked: int = 0
    linked_share: float | None = None
    link_states: dict[str, int] = field(default_factory=dict)
    targets: list[dict] = field(default_factory=list)
    #: Group-2 services due to link in FY2569 and not linked to their platform yet.
    due_this_year: int = 0
    #: Per ministry: {code: {"name_th", "name_en", "eservices", "linked"}}.
    ministries: dict[str, dict] = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ImportResult:
    organisations: int
    added: int
    changed: int
    unchanged: int


@dataclass(frozen=True)
class Reminder:
    organisation: OrganisationRecord
    sent_to: str
    services_behind: int


@dataclass(frozen=True)
class AgencyUsage:
    """Sign-ins through an agency's (or every) bound client over a window, and their citizens."""

    days: int
    signins: int
    unique_citizens: int
    returning_citizens: int
    previous_signins: int
    ratings: int
    satisfied: int
    service_mean: float | None
    tuaton_mean: float | None

    @property
    def growth(self) -> float | None:
        return None if not self.previous_signins else self.signins / self.previous_signins - 1

    @property
    def satisfaction(self) -> float | None:
        return None if not self.ratings else self.satisfied / self.ratings

    @property
    def returning_share(self) -> float | None:
        return None if not self.unique_citizens else self.returning_citizens / self.unique_citizens


def today() -> str:
    return dt.datetime.now(BANGKOK).date().isoformat()


def _org(row: CatalogueOrganisation) -> OrganisationRecord:
    return OrganisationRecord(row.code, row.name_th, row.name_en, row.organisation_type, row.parent_code,
                              row.contact_email)


def _service(row) -> ServiceRecord:
    return ServiceRecord(row.service_code, row.organisation_code, row.name_th, row.name_en, row.is_eservice,
                         row.level, row.system_name, row.group, row.platform, row.platform_status,
                         row.development_mode, row.budget_source, row.reason, row.client_id, row.minutes_before,
                         row.minutes_after)


_SERVICE_FIELDS = [f.name for f in fields(ServiceRecord)]


class Programme:
    def __init__(self, database: Database, clients: Clients, settings: Settings, mailer: Mailer) -> None:
        self._db, self._clients, self._settings, self._mailer = database, clients, settings, mailer

    # -- the catalogue ----------------------------------------------------------------------
    def load(self, organisations: Iterable[OrganisationRecord], services: Iterable[ServiceRecord], *,
             by: str, source: str) -> ImportResult:
        """Add or change organisations and services in one transaction (all or nothing), audited.
        Services of organisations neither given nor known are refused."""
        organisations, services = list(organisations), list(services)
        now = dt.datetime.now(dt.UTC)
        added = changed = unchanged = 0
        changed_codes: list[str] = []
        with self._db.transaction() as session:
            known = {r.code: r for r in session.execute(select(CatalogueOrganisation)).scalars()}
            for org in organisations:
                row = known.get(org.code)
                if row is None:
                    row = CatalogueOrganisation(code=org.code, updated_at=now)
                    session.add(row)
                    known[org.code] = row
                row.name_th, row.name_en, row.organisation_type = org.name_th, org.name_en, org.organisation_type
                row.parent_code, row.contact_email, row.updated_at = org.parent_code, org.contact_email, now
            missing = sorted({s.organisation_code for s in services} - set(known))
            if missing:
                raise CatalogueImportRefused(
                    f"These agency codes are not in the catalogue: {', '.join(missing[:10])}. Import the "
                    "agencies first, or correct the codes.",
                    f"ไม่พบรหัสหน่วยงานเหล่านี้ในบัญชี: {', '.join(missing[:10])}", rows=[])
            # The whole catalogue (thousands of rows): one read, whatever the file's size.
            existing = {r.service_code: r for r in session.execute(select(ServiceProcess)).scalars()}
            for service in services:
                row = existing.get(service.service_code)
                if row is None:
                    session.add(ServiceProcess(**asdict(service), updated_at=now, updated_by=by))
                    added += 1
                    continue
                if _service(row) == service:
                    unchanged += 1
                    continue
                for name in _SERVICE_FIELDS:
                    setattr(row, name, getattr(service, name))
                row.updated_at, row.updated_by = now, by
                changed += 1
                changed_codes.append(service.service_code)
            record(session, "programme.catalogue_imported", by=by, source=source, organisations=len(organisations),
                   added=added, changed=changed, unchanged=unchanged, changed_services=changed_codes[:500])
        return ImportResult(len(organisations), added, changed, unchanged)

    def import_file(self, data: bytes, filename: str, *, by: str, only_organisation: str | None = None) -> ImportResult:
        """A CSV or Excel file of services (and, in Excel, an "Agencies" sheet) in the documented
        layout (docs/programme.md). Every row is checked first; one bad row and nothing is written,
        and every bad row is named. ``only_organisation``: an agency's own staff may only touch its
        own services."""
        sheets = _read_table(data, filename)
        organisations: list[OrganisationRecord] = []
        services: list[ServiceRecord] = []
        problems: list[dict] = []
        for name, rows in sheets.items():
            if not rows:
                continue
            headings, body = [str(h or "") for h in rows[0]], rows[1:]
            is_org = name.casefold() in ("agencies", "organisations", "หน่วยงาน")
            for number, row in enumerate(body, start=2):
                if not any(str(c or "").strip() for c in row):
                    continue
                try:
                    if is_org:
                        organisations.append(parse_organisation_row(headings, [str(c or "") for c in row]))
                    else:
                        services.append(parse_service_row(headings, [_text(c) for c in row]))
                except CatalogueRowError as exc:
                    problems.append({"sheet": name, "row": number, "column": exc.column, "detail_en": exc.en,
                                     "detail_th": exc.th})
        if only_organisation is not None:
            organisations = []
            for s in services:
                if s.organisation_code != only_organisation:
                    problems.append({"sheet": "", "row": 0, "column": "organisation_code",
                                     "detail_en": f"Service {s.service_code} belongs to {s.organisation_code}; you "
                                                  "may change only your own agency's services.",
                                     "detail_th": f"กระบวนงาน {s.service_code} ไม่ใช่ของหน่วยงานของท่าน"})
        duplicates = [c for c, n in Counter(s.service_code for s in services).items() if n > 1]
        for code in duplicates[:20]:
            problems.append({"sheet": "", "row": 0, "column": "service_code",
                             "detail_en": f"Service {code} appears more than once.",
                             "detail_th": f"กระบวนงาน {code} ซ้ำกันในไฟล์"})
        if problems:
            raise CatalogueImportRefused(
                f"{len(problems)} row(s) need changing; nothing was imported. The first: row {problems[0]['row']}, "
                f"{problems[0]['column']}: {problems[0]['detail_en']}",
                f"มี {len(problems)} แถวที่ต้องแก้ไข ยังไม่ได้นำเข้าข้อมูลใด ๆ", rows=problems[:200])
        if not services and not organisations:
            raise CatalogueImportRefused("The file holds no rows to import.", "ไฟล์ไม่มีข้อมูลให้นำเข้า", rows=[])
        return self.load(organisations, services, by=by, source=filename[-100:])

    def export(self, file_format: str, filters: Filters = Filters()) -> bytes:
        """The selected services (and, in Excel, their agencies) in the documented layout."""
        views = self.services(filters)
        if file_format == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow([c[0] for c in SERVICE_COLUMNS])
            for v in views:
                writer.writerow(service_cells(v.record))
            return ("\ufeff" + out.getvalue()).encode()        # a BOM, so Excel reads the Thai as UTF-8
        if file_format == "xlsx":
            from openpyxl import Workbook

            book = Workbook()
            sheet = book.active
            sheet.title = "Services"
            sheet.append([c[0] for c in SERVICE_COLUMNS])
            for v in views:
                sheet.append(service_cells(v.record))
            orgs = book.create_sheet("Agencies")
            orgs.append([c[0] for c in ORGANISATION_COLUMNS])
            for org in self.organisations():
                orgs.append(organisation_cells(org))
            out = io.BytesIO()
            book.save(out)
            return out.getvalue()
        raise InvalidInput("The format is csv or xlsx.", "รูปแบบไฟล์ต้องเป็น csv หรือ xlsx", field="format")

    def update_service(self, service_code: str, changes: dict, *, by: str,
                       only_organisation: str | None = None) -> ServiceRecord:
        """Change some fields of one service (the portal's form), checked as an import row is."""
        with self._db.transaction() as session:
            row = session.get(ServiceProcess, service_code)
            if row is None or (only_organisation is not None and row.organisation_code != only_organisation):
                raise NotFound(f"There is no service {service_code} here.", f"ไม่พบกระบวนงาน {service_code}")
            before = _service(row)
            allowed = {k: v for k, v in changes.items() if k in _SERVICE_FIELDS and k not in (
                "service_code", "organisation_code")}
            after = replace(before, **allowed)
            try:
                check_service(after)
            except CatalogueRowError as exc:
                raise InvalidInput(exc.en, exc.th, field=exc.column) from exc
            for name in allowed:
                setattr(row, name, getattr(after, name))
            row.updated_at, row.updated_by = dt.datetime.now(dt.UTC), by
            changed = {k: [getattr(before, k), getattr(after, k)] for k in allowed
                       if getattr(before, k) != getattr(after, k)}
            record(session, "programme.service_changed", service=service_code,
                   organisation=row.organisation_code, by=by, changes=changed)
        return after

    # -- reading -------------------------------------------------------------------------------
    def organisations(self) -> list[OrganisationRecord]:
        with self._db.reading() as session:
            return [_org(r) for r in session.execute(
                select(CatalogueOrganisation).order_by(CatalogueOrganisation.code)).scalars()]

    def organisation(self, code: str) -> OrganisationRecord:
        with self._db.reading() as session:
            row = session.get(CatalogueOrganisation, code)
        if row is None:
            raise NotFound(f"There is no agency {code} in the catalogue.", f"ไม่พบหน่วยงาน {code} ในบัญชี")
        return _org(row)

    def link_states(self) -> dict[str, str]:
        """{client_id: state} for every client a service is bound to (see :data:`LINK_STATES`)."""
        first_day = last_days(self._settings.programme_link_window_days)[0]
        with self._db.reading() as session:
            bound = [c for (c,) in session.execute(
                select(ServiceProcess.client_id).where(ServiceProcess.client_id.is_not(None)).distinct())]
            activity = counts_by_client(session, "signin.approved", first_day) if bound else {}
        states = {}
        for client_id in bound:
            client = self._clients.get(client_id)
            if client is None:
                states[client_id] = "client_unknown"
            elif client.is_sandbox:
                states[client_id] = "sandbox_client"
            elif activity.get(client_id, 0) <= 0:
                states[client_id] = "no_recent_signins"
            else:
                states[client_id] = "linked"
        return states

    def services(self, filters: Filters = Filters()) -> list[ServiceView]:
        states = self.link_states()
        with self._db.reading() as session:
            orgs = {r.code: _org(r) for r in session.execute(select(CatalogueOrganisation)).scalars()}
            rows = session.execute(select(*[getattr(ServiceProcess, n) for n in _SERVICE_FIELDS])
                                   .order_by(ServiceProcess.service_code)).all()
        out = []
        for row in rows:
            rec = ServiceRecord(*row)
            org = orgs[rec.organisation_code]
            ministry = org.parent_code or org.code
            if not rec.is_eservice:
                link = "not_eservice"
            elif rec.client_id is None:
                link = "no_client"
            else:
                link = states.get(rec.client_id, "client_unknown")
            view = ServiceView(rec, org, ministry, link)
            if _selected(view, filters):
                out.append(view)
        return out

    def summary(self, filters: Filters = Filters(), views: list[ServiceView] | None = None) -> Summary:
        views = self.services(filters) if views is None else views
        s = Summary(as_of=today(), link_window_days=self._settings.programme_link_window_days)
        s.services = len(views)
        s.agencies = len({v.organisation.code for v in views})
        s.eservices = sum(v.record.is_eservice for v in views)
        s.not_eservices = s.services - s.eservices
        statuses: dict[str, Counter] = {}
        ministries: dict[str, dict] = {}
        names = {o.code: o for o in self.organisations()}
        counters = {k: Counter() for k in ("levels", "groups", "group1_platforms", "development_modes",
                                           "budget_sources", "reasons", "system_names", "link_states")}
        for v in views:
            r = v.record
            counters["groups"][r.group] += 1
            if r.level:
                counters["levels"][r.level] += 1
            if r.group == "1" and r.platform:
                counters["group1_platforms"][r.platform] += 1
            if r.platform_status:
                statuses.setdefault(r.platform_status, Counter())[r.platform or "none"] += 1
            if r.group == "2":
                if r.development_mode:
                    counters["development_modes"][r.development_mode] += 1
                if r.budget_source:
                    counters["budget_sources"][r.budget_source] += 1
                if r.platform_status in ("not_linked", "planned"):
                    s.due_this_year += 1
            if r.reason:
                counters["reasons"][r.reason] += 1
            if r.is_eservice:
                counters["system_names"][r.system_name or "-"] += 1
                counters["link_states"][v.link] += 1
                m = ministries.setdefault(v.ministry_code, {
                    "name_th": names[v.ministry_code].name_th if v.ministry_code in names else v.ministry_code,
                    "name_en": names[v.ministry_code].name_en if v.ministry_code in names else v.ministry_code,
                    "eservices": 0, "linked": 0})
                m["eservices"] += 1
                m["linked"] += v.linked
        for key, counter in counters.items():
            setattr(s, key, dict(counter.most_common(12 if key == "system_names" else None)))
        s.platform_statuses = {k: dict(c) for k, c in statuses.items()}
        s.eservices_linked = counters["link_states"].get("linked", 0)
        s.linked_share = s.eservices_linked / s.eservices if s.eservices else None
        s.targets = [{"year_be": year, "share": share, "met": s.linked_share is not None and s.linked_share >= share}
                     for year, share in KPI_TARGETS]
        s.ministries = dict(sorted(ministries.items(), key=lambda kv: kv[0]))
        return s

    # -- snapshots -----------------------------------------------------------------------------
    def take_snapshot(self, day: str | None = None) -> bool:
        """The day's figures (national, per ministry, per agency), once per Bangkok day. True if
        this call took it; False if the day already had one."""
        day = day or today()
        with self._db.reading() as session:
            if session.get(ProgrammeSnapshot, day) is not None:
                return False
        views = self.services()
        summary = self.summary(views=views)
        agencies: dict[str, list[int]] = {}
        due: dict[str, dict] = {}
        for v in views:
            if v.record.is_eservice:
                pair = agencies.setdefault(v.organisation.code, [0, 0])
                pair[0] += 1
                pair[1] += v.linked
            if v.record.group == "2" and v.record.platform_status in ("not_linked", "planned"):
                row = due.setdefault(v.organisation.code, {"name_th": v.organisation.name_th,
                                                           "name_en": v.organisation.name_en, "due": 0, "modes": {}})
                row["due"] += 1
                mode = v.record.development_mode or "-"
                row["modes"][mode] = row["modes"].get(mode, 0) + 1
        # The quarterly report's per-agency table comes from here, as it stood that day.
        figures = {"summary": summary.to_json(), "agencies": agencies, "due": due}
        try:
            with self._db.transaction() as session:
                session.add(ProgrammeSnapshot(day=day, taken_at=dt.datetime.now(dt.UTC), figures=figures))
                record(session, "programme.snapshot_taken", day=day, eservices=summary.eservices,
                       linked=summary.eservices_linked)
        except IntegrityError:
            return False          # another process took it first
        return True

    def snapshot(self, day: str | None = None) -> tuple[str, dict]:
        """The snapshot of ``day`` (or the latest), taking today's first if there is none."""
        with self._db.reading() as session:
            row = session.get(ProgrammeSnapshot, day) if day else session.execute(
                select(ProgrammeSnapshot).order_by(ProgrammeSnapshot.day.desc()).limit(1)).scalar_one_or_none()
        if row is None:
            if day:
                raise NotFound(f"There is no snapshot of {day}.", f"ไม่มีข้อมูล ณ วันที่ {day}")
            self.take_snapshot()
            return self.snapshot(today())
        return row.day, row.figures

    def series(self, agency: str | None = None, limit: int = 400) -> list[tuple[str, int, int]]:
        """(day, e-Services, linked) from the dated snapshots, oldest first — nationally or for one agency."""
        with self._db.reading() as session:
            rows = session.execute(select(ProgrammeSnapshot.day, ProgrammeSnapshot.figures)
                                   .order_by(ProgrammeSnapshot.day.desc()).limit(limit)).all()
        out = []
        for day, figures in reversed(rows):
            if agency is None:
                out.append((day, figures["summary"]["eservices"], figures["summary"]["eservices_linked"]))
            elif agency in figures.get("agencies", {}):
                e, linked = figures["agencies"][agency]
                out.append((day, e, linked))
        return out

    # -- reminders -----------------------------------------------------------------------------
    def behind(self) -> dict[str, list[ServiceView]]:
        """Per agency, its services that are behind: group-2 services due in FY2569 and not linked to
        their platform yet, and e-Services not linked to the digital ID."""
        out: dict[str, list[ServiceView]] = {}
        for v in self.services():
            r = v.record
            due = r.group == "2" and r.platform_status in ("not_linked", "planned")
            if due or (r.is_eservice and not v.linked):
                out.setdefault(v.organisation.code, []).append(v)
        return out

    def send_reminders(self, now: dt.datetime | None = None) -> list[Reminder]:
        """E-mail each agency that is behind and was not reminded in the last
        ``programme_reminder_days`` (15): what is behind, in Thai and English, with a CSV of the
        services. Each sent reminder is recorded; an agency with no central e-mail is skipped."""
        now = now or dt.datetime.now(dt.UTC)
        since = now - dt.timedelta(days=self._settings.programme_reminder_days)
        with self._db.reading() as session:
            recent = {c for (c,) in session.execute(select(ProgrammeReminder.organisation_code).where(
                ProgrammeReminder.sent_at > since))}
        sent: list[Reminder] = []
        for code, views in sorted(self.behind().items()):
            org = views[0].organisation
            if code in recent or not org.contact_email:
                continue
            self._mailer.send(_reminder_mail(org, views, self._settings.programme_link_window_days))
            with self._db.transaction() as session:
                session.add(ProgrammeReminder(organisation_code=code, sent_to=org.contact_email,
                                              services_behind=len(views), sent_at=now))
                record(session, "programme.reminder_sent", organisation=code, services_behind=len(views))
            sent.append(Reminder(org, org.contact_email, len(views)))
        return sent

    def reminders(self, organisation_code: str) -> list[tuple[dt.datetime, str, int]]:
        with self._db.reading() as session:
            return [(r.sent_at, r.sent_to, r.services_behind) for r in session.execute(
                select(ProgrammeReminder).where(ProgrammeReminder.organisation_code == organisation_code)
                .order_by(ProgrammeReminder.sent_at.desc()).limit(20)).scalars()]

    # -- ratings and usage ---------------------------------------------------------------------
    def rate(self, *, grant_id: str, client_id: str, signed_in_at: dt.datetime, service_score: int | None,
             tuaton_score: int | None, comment: str = "") -> None:
        """One optional rating of one sign-in (the caller has checked the sign-in is the citizen's)."""
        for name, score in (("service", service_score), ("tuaton", tuaton_score)):
            if score is not None and not 1 <= score <= 5:
                raise InvalidInput(f"The {name} score is 1 to 5.", "คะแนนต้องอยู่ระหว่าง 1 ถึง 5", field=name)
        if service_score is None and tuaton_score is None:
            raise InvalidInput("Give at least one score (1 to 5), or skip the rating.",
                               "กรุณาให้คะแนนอย่างน้อยหนึ่งรายการ หรือข้ามการให้คะแนน", field="service")
        now = dt.datetime.now(dt.UTC)
        if signed_in_at.tzinfo is None:
            signed_in_at = signed_in_at.replace(tzinfo=dt.UTC)
        if now - signed_in_at > RATING_WINDOW:
            raise RatingRefused("A sign-in can be rated for seven days after it.",
                                "ให้คะแนนได้ภายใน 7 วันหลังการเข้าสู่ระบบ")
        try:
            with self._db.transaction() as session:
                session.add(ServiceRating(grant_id=grant_id, client_id=client_id, service_score=service_score,
                                          tuaton_score=tuaton_score, comment=" ".join(comment.split())[:500],
                                          rated_at=now))
                record(session, "signin.rated", client_id=client_id, grant_id=grant_id)
        except IntegrityError as exc:
            raise RatingRefused("This sign-in was already rated; each sign-in is rated once.",
                                "การเข้าสู่ระบบนี้ได้รับการให้คะแนนแล้ว") from exc

    def usage(self, grants: Grants, organisation_code: str | None = None, days: int = 365) -> AgencyUsage:
        """Sign-ins, unique and returning citizens over ``days``, the same window a year before, and
        ratings — through one agency's bound clients, or every client."""
        with self._db.reading() as session:
            clients = None
            if organisation_code is not None:
                clients = [c for (c,) in session.execute(select(ServiceProcess.client_id).where(
                    ServiceProcess.organisation_code == organisation_code,
                    ServiceProcess.client_id.is_not(None)).distinct())]
            start = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
            query = select(func.count(), func.coalesce(func.sum(case((ServiceRating.service_score >= SATISFIED, 1),
                                                                     else_=0)), 0),
                           func.avg(ServiceRating.service_score), func.avg(ServiceRating.tuaton_score)).where(
                ServiceRating.rated_at >= start)
            if clients is not None:
                query = query.where(ServiceRating.client_id.in_(clients or ["-"]))
            ratings, satisfied, service_mean, tuaton_mean = session.execute(query).one()
        signins, unique, returning = grants.citizens_served(clients, start)
        previous, _, _ = grants.citizens_served(clients, start - dt.timedelta(days=days), start)
        return AgencyUsage(days, signins, unique, returning, previous, int(ratings), int(satisfied),
                           float(service_mean) if service_mean is not None else None,
                           float(tuaton_mean) if tuaton_mean is not None else None)


def _selected(v: ServiceView, f: Filters) -> bool:
    r = v.record
    checks = (
        (f.ministry, v.ministry_code), (f.agency, v.organisation.code),
        (f.organisation_type, v.organisation.organisation_type), (f.level, r.level), (f.platform, r.platform),
        (f.platform_status, r.platform_status), (f.group, r.group), (f.development_mode, r.development_mode),
        (f.budget_source, r.budget_source), (f.reason, r.reason),
    )
    if any(want and want != have for want, have in checks):
        return False
    if f.link == "linked" and not v.linked:
        return False
    if f.link == "not_linked" and (v.linked or not r.is_eservice):
        return False
    return True


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _read_table(data: bytes, filename: str) -> dict[str, list[list]]:
    """A CSV (UTF-8, with or without BOM) or an .xlsx workbook → {sheet name: rows}."""
    if len(data) > 20 * 1024 * 1024:
        raise CatalogueImportRefused("The file is over 20 MB; split it.", "ไฟล์ใหญ่เกิน 20 MB กรุณาแบ่งไฟล์", rows=[])
    if data[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:   # openpyxl raises many kinds for a damaged file
            raise CatalogueImportRefused("The file is not an Excel workbook (.xlsx) that can be read.",
                                         "ไฟล์ไม่ใช่ไฟล์ Excel (.xlsx) ที่อ่านได้", rows=[]) from exc
        return {sheet.title: [list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueImportRefused("A CSV file must be UTF-8 (save it as 'CSV UTF-8').",
                                     "ไฟล์ CSV ต้องเข้ารหัสเป็น UTF-8 (บันทึกเป็น CSV UTF-8)", rows=[]) from exc
    return {"Services": [row for row in csv.reader(io.StringIO(text))]}


def _reminder_mail(org: OrganisationRecord, views: list[ServiceView], window: int) -> Mail:
    due = sum(v.record.group == "2" and v.record.platform_status in ("not_linked", "planned") for v in views)
    unlinked = sum(v.record.is_eservice and not v.linked for v in views)
    lines_th = [f"เรียน {org.name_th}", "",
                "สำนักงาน ก.พ.ร. ขอแจ้งความคืบหน้างานบริการของหน่วยงานท่าน (แจ้งทุก 15 วัน):",
                f"- งานบริการที่ต้องเชื่อมโยงแพลตฟอร์มดิจิทัลกลางภายในปีงบประมาณ {DUE_FISCAL_YEAR}: {due} งานบริการ",
                f"- e-Service ที่ยังไม่ได้เชื่อมโยงกับตัวตนดิจิทัล: {unlinked} งานบริการ", "",
                "รายการงานบริการอยู่ในไฟล์แนบ"]
    lines_en = [f"To {org.name_en or org.name_th},", "",
                "The programme office's fortnightly reminder of your agency's services:",
                f"- due to link to a central platform in FY{DUE_FISCAL_YEAR}: {due}",
                f"- e-Services not yet linked to the digital ID (no real sign-ins in {window} days): {unlinked}", "",
                "The services are listed in the attached file."]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["service_code", "name_th", "group", "platform_status", "digital_id"])
    for v in views:
        writer.writerow([v.record.service_code, v.record.name_th, v.record.group,
                         words("platform_status", v.record.platform_status, "th"), LINK_STATES[v.link][1]])
    return Mail(to=org.contact_email,
                subject=f"แจ้งความคืบหน้างานบริการ / Services behind plan: {org.name_th}",
                text="\n".join(lines_th + ["", "—", ""] + lines_en),
                attachments=((f"services-behind-{org.code}.csv", "text/csv",
                              ("\ufeff" + out.getvalue()).encode()),))
