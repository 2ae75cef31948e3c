"""Officer accounts and their station sessions.

An officer signs in at the station with a username and password (argon2id); the session lives in
the ephemeral store, so any process can serve the station, and ends at sign-out or after
``TUATON_OFFICER_SESSION_TTL``. Every sign-in, failure and sign-out is audited with the officer's
identity.

Guessing is slowed, not turned into a lock anyone could pull: after four wrong passwords in a row
each further try waits 15 s, then 30 s, 1, 2, 4, 8 and at most 15 minutes (per account, in the
database, reserved before the password is checked, so concurrent guesses cannot overtake the
count and a restart forgets nothing); each source address has its own budget of tries; an unknown
username costs the same hash check as a known one and is slowed the same way.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
import time
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Float, bindparam, case, or_, select, update

from tuaton.audit.trail import record
from tuaton.errors import (
    InvalidInput,
    NotAnOfficer,
    NotAnOperator,
    OfficerNotSignedIn,
    TooManyAttempts,
    WrongOfficerPassword,
)
from tuaton.officers.models import Officer, OfficerRole
from tuaton.oidc.grants import token_hash
from tuaton.registry import citizen_id
from tuaton.settings import Settings
from tuaton.storage.db import Database
from tuaton.storage.ephemeral import EphemeralStore

USERNAME = re.compile(r"[a-z][a-z0-9._-]{2,63}")
OFFICE_CODE = re.compile(r"[0-9A-Z]{4,8}")
MIN_PASSWORD = 12
#: Wrong passwords in a row that cost nothing; each one after waits the next of WAITS (seconds).
FREE_FAILURES = 4
WAITS = (15, 30, 60, 120, 240, 480, 900)
SOURCE_WINDOW = 15 * 60

_OFFICERS = Officer.__table__
_FAILURES_AFTER = _OFFICERS.c.failed_logins + 1
#: One try, reserved before the password is checked: counted as a failure, and the next try put
#: off by the wait that failure would earn. Nothing is reserved while the account must wait.
_RESERVE_TRY = (
    update(_OFFICERS)
    .where(_OFFICERS.c.username == bindparam("name"),
           or_(_OFFICERS.c.next_login_at.is_(None), _OFFICERS.c.next_login_at <= bindparam("now", type_=Float)))
    .values(failed_logins=_FAILURES_AFTER, next_login_at=bindparam("now", type_=Float) + case(
        (_FAILURES_AFTER <= FREE_FAILURES, 0),
        *[(_FAILURES_AFTER == FREE_FAILURES + 1 + i, wait) for i, wait in enumerate(WAITS[:-1])],
        else_=WAITS[-1]))
    .returning(_OFFICERS.c.id))
_NEXT_TRY = select(_OFFICERS.c.next_login_at).where(_OFFICERS.c.username == bindparam("name"))
_RIGHT_PASSWORD = update(_OFFICERS).where(_OFFICERS.c.id == bindparam("officer")).values(
    failed_logins=0, next_login_at=None)


def wait_after(failures: int) -> int:
    """Seconds before the next try after ``failures`` wrong passwords in a row."""
    return 0 if failures <= FREE_FAILURES else WAITS[min(failures - FREE_FAILURES, len(WAITS)) - 1]


def _too_many(retry_after: float) -> TooManyAttempts:
    seconds = max(1, math.ceil(retry_after))
    return TooManyAttempts(f"Too many wrong passwords; try again in {seconds} seconds.",
                           f"ใส่รหัสผ่านผิดหลายครั้ง กรุณาลองใหม่ในอีก {seconds} วินาที", retry_after=seconds)


@dataclass(frozen=True)
class OfficerSession:
    """Who is at the station. ``csrf`` must come back with every form the station posts."""

    officer_id: str
    username: str
    display_name: str
    office_code: str
    role: str
    csrf: str

    @property
    def audit(self) -> dict[str, str]:
        return {"officer_id": self.officer_id, "officer": self.username, "office_code": self.office_code}


@dataclass(frozen=True)
class OfficerView:
    id: str
    username: str
    display_name: str
    office_code: str
    role: str
    pid: str | None
    active: bool
    bootstrap: bool
    created_at: dt.datetime


def _view(officer: Officer) -> OfficerView:
    return OfficerView(officer.id, officer.username, officer.display_name, officer.office_code,
                       officer.role.value, officer.pid, officer.active, officer.bootstrap, officer.created_at)


class Officers:
    def __init__(self, database: Database, store: EphemeralStore, settings: Settings) -> None:
        self._db, self._store, self._settings = database, store, settings
        self._hasher = PasswordHasher(settings.argon2_time_cost, settings.argon2_memory_kib,
                                      settings.argon2_parallelism)
        self._dummy: str | None = None

    def create(self, username: str, display_name: str, office_code: str, role: str, password: str, *,
               pid: str | None = None, bootstrap: bool = False, created_by: dict | None = None) -> str:
        if not USERNAME.fullmatch(username):
            raise InvalidInput("A username is 3–64 lower-case letters, digits, '.', '_' or '-', starting with "
                               "a letter.", "ชื่อผู้ใช้ต้องเป็นอักษรอังกฤษตัวเล็ก ตัวเลข . _ หรือ - ขึ้นต้นด้วยตัวอักษร",
                               field="username")
        if not OFFICE_CODE.fullmatch(office_code):
            raise InvalidInput("An office code is 4–8 digits or capital letters.",
                               "รหัสสำนักทะเบียนต้องเป็นตัวเลขหรืออักษรตัวใหญ่ 4–8 ตัว", field="office_code")
        if role not in OfficerRole.__members__.values():
            raise InvalidInput(f"The role must be one of {', '.join(OfficerRole)}.", "บทบาทไม่ถูกต้อง", field="role")
        if pid is not None and not citizen_id.is_valid(pid):
            raise InvalidInput("The officer's citizen ID must be 13 digits with a valid check digit.",
                               "เลขประจำตัวประชาชนของเจ้าหน้าที่ไม่ถูกต้อง", field="pid")
        pid = citizen_id.normalize(pid) if pid else None
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(f"An officer's password has at least {MIN_PASSWORD} characters.",
                               f"รหัสผ่านของเจ้าหน้าที่ต้องมีอย่างน้อย {MIN_PASSWORD} ตัวอักษร", field="password")
        officer = Officer(id=str(uuid.uuid4()), username=username, display_name=display_name.strip() or username,
                          office_code=office_code, role=OfficerRole(role), password_hash=self._hasher.hash(password),
                          active=True, pid=pid, bootstrap=bootstrap, created_at=dt.datetime.now(dt.UTC))
        with self._db.transaction() as session:
            if session.execute(select(Officer.id).where(Officer.username == username)).first():
                raise InvalidInput(f"The username '{username}' is taken.", "ชื่อผู้ใช้นี้มีผู้ใช้แล้ว",
                                   field="username")
            if pid and session.execute(select(Officer.id).where(Officer.pid == pid)).first():
                raise InvalidInput("Another officer account has this citizen ID.",
                                   "เลขประจำตัวประชาชนนี้ผูกกับบัญชีเจ้าหน้าที่อื่นแล้ว", field="pid")
            session.add(officer)
            record(session, "officer.created", officer_id=officer.id, officer=username, office_code=office_code,
                   role=role, bootstrap=bootstrap, linked_to_citizen=pid is not None, **(created_by or {}))
        return officer.id

    def sign_in(self, username: str, password: str, *, source: str = "unknown") -> tuple[str, OfficerSession]:
        """Check the password; return a new session token and the session. ``source``: the
        client's address, for its budget of tries."""
        officer = self._check_password(username, password, source)
        return self._station_session(officer, method="break-glass")

    def station_sign_in(self, pid: str | None) -> tuple[str, OfficerSession]:
        """A registrar officer who signed in with the Tuaton app (their own citizen ID): a station
        session, as the password gives one. Anyone else is NotAnOfficer."""
        with self._db.reading() as session:
            officer = session.execute(select(Officer).where(Officer.pid == pid)).scalar_one_or_none() if pid else None
        if officer is None or not officer.active or officer.role != OfficerRole.REGISTRAR:
            with self._db.transaction() as session:
                record(session, "officer.station_refused", officer_id=officer.id if officer else None)
            raise NotAnOfficer()
        return self._station_session(officer, method="tuaton")

    def _station_session(self, officer: Officer, *, method: str) -> tuple[str, OfficerSession]:
        token = secrets.token_urlsafe(32)
        officer_session = OfficerSession(officer.id, officer.username, officer.display_name, officer.office_code,
                                         officer.role.value, secrets.token_urlsafe(24))
        self._store.put(f"officer-session:{token_hash(token)}", officer_session.__dict__,
                        self._settings.officer_session_ttl)
        with self._db.transaction() as session:
            record(session, "officer.signed_in", method=method, **officer_session.audit)
            if method == "break-glass":
                record(session, "officer.break_glass_signin", **officer_session.audit)
        return token, officer_session

    def bootstrap_sign_in(self, username: str, password: str, *, source: str = "unknown") -> OfficerView:
        """The console's password sign-in: only for the bootstrap administrator."""
        officer = self._check_password(username, password, source)
        if not officer.bootstrap or officer.role != OfficerRole.ADMINISTRATOR:
            with self._db.transaction() as session:
                record(session, "console.password_refused", officer_id=officer.id, officer=officer.username)
            raise NotAnOperator("Only the bootstrap administrator signs in to the console with a password; "
                                "sign in with the Tuaton app instead.",
                                "รหัสผ่านใช้ได้เฉพาะผู้ดูแลระบบเริ่มต้น กรุณาเข้าสู่ระบบด้วยแอปตัวตน")
        with self._db.transaction() as session:
            record(session, "console.signed_in", officer_id=officer.id, officer=officer.username, method="password")
        return _view(officer)

    def operator(self, *, pid: str | None = None, officer_id: str | None = None) -> OfficerView:
        """The active administrator behind a console session, or :class:`NotAnOperator`."""
        if not pid and not officer_id:
            raise NotAnOperator()
        with self._db.reading() as session:
            query = select(Officer).where(Officer.pid == pid) if pid else select(Officer).where(
                Officer.id == officer_id)
            officer = session.execute(query).scalar_one_or_none()
        if officer is None or not officer.active or officer.role != OfficerRole.ADMINISTRATOR:
            raise NotAnOperator()
        return _view(officer)

    def programme_officer(self, *, pid: str | None = None, officer_id: str | None = None) -> OfficerView:
        """The active programme-office officer (or administrator) behind a /programme session."""
        from tuaton.errors import NotProgrammeOffice

        if not pid and not officer_id:
            raise NotProgrammeOffice()
        with self._db.reading() as session:
            query = select(Officer).where(Officer.pid == pid) if pid else select(Officer).where(
                Officer.id == officer_id)
            officer = session.execute(query).scalar_one_or_none()
        if officer is None or not officer.active or officer.role not in (OfficerRole.ADMINISTRATOR,
                                                                         OfficerRole.PROGRAMME_OFFICE):
            raise NotProgrammeOffice()
        return _view(officer)

    def all(self) -> list[OfficerView]:
        with self._db.reading() as session:
            return [_view(o) for o in session.execute(select(Officer).order_by(Officer.created_at)).scalars()]

    def deactivate(self, officer_id: str, by: OfficerView) -> None:
        if officer_id == by.id:
            raise InvalidInput("You cannot deactivate your own account.", "ไม่สามารถระงับบัญชีของตนเองได้",
                               field="officer_id")
        with self._db.transaction() as session:
            officer = session.get(Officer, officer_id)
            if officer is None:
                raise InvalidInput("There is no such officer.", "ไม่พบเจ้าหน้าที่", field="officer_id")
            officer.active = False
            record(session, "officer.deactivated", officer_id=officer.id, officer=officer.username,
                   by_officer_id=by.id, by_officer=by.username)

    def _check_password(self, username: str, password: str, source: str) -> Officer:
        username = username.strip().lower()
        limit = self._settings.officer_login_tries_per_source
        if self._store.incr(f"officer-login-source:{source}", SOURCE_WINDOW) > limit:
            raise _too_many(SOURCE_WINDOW)
        now = time.time()
        with self._db.writing() as connection:
            reserved = connection.execute(_RESERVE_TRY, {"name": username, "now": now}).first()
            next_try = None if reserved else connection.execute(_NEXT_TRY, {"name": username}).scalar()
        if reserved is None and next_try is not None:
            raise _too_many(next_try - now)         # an account that must wait: nothing is checked
        officer = None
        if reserved is not None:
            with self._db.reading() as session:
                officer = session.get(Officer, reserved.id)
        if officer is None:
            # No such account: the same hash check and the same slowing, so neither the time taken
            # nor the answers tell which usernames exist.
            self._slow_unknown(username[:64], now)
            self._verify(self._dummy_hash(), password)
        if officer is None or not self._verify(officer.password_hash, password) or not officer.active:
            with self._db.transaction() as session:
                record(session, "officer.signin_failed", officer_id=officer.id if officer else None,
                       officer=username[:64])
            raise WrongOfficerPassword()
        with self._db.writing() as connection:
            connection.execute(_RIGHT_PASSWORD, {"officer": officer.id})
        return officer

    def _slow_unknown(self, username: str, now: float) -> None:
        """The account rule for a username that has no account (kept in the store: there is
        nothing to protect, only the answers to keep alike)."""
        key = f"officer-login-unknown:{username}"
        state = self._store.get(key) or {"failures": 0, "next": 0}
        if state["next"] > now:
            raise _too_many(state["next"] - now)
        failures = state["failures"] + 1
        self._store.put(key, {"failures": failures, "next": now + wait_after(failures)}, 2 * WAITS[-1])

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy

    def session(self, token: str | None) -> OfficerSession:
        data = self._store.get(f"officer-session:{token_hash(token)}") if token else None
        if data is None:
            raise OfficerNotSignedIn()
        return OfficerSession(**data)

    def sign_out(self, token: str) -> None:
        data = self._store.take(f"officer-session:{token_hash(token)}")
        if data is not None:
            with self._db.transaction() as session:
                record(session, "officer.signed_out", **OfficerSession(**data).audit)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
