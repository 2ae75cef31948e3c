"""Fixtures: a real database (SQLite, or PostgreSQL with TUATON_TEST_BACKEND=postgres), a real
ephemeral store (in-process, or Redis), and the application built through its public factory.

Where PostgreSQL or Redis are needed but absent the tests skip with the reason, unless
TUATON_REQUIRE_SERVICES=1 (as CI sets), which turns such a skip into a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tuaton.appclient.client import AppClient, DeviceFile
from tuaton.registry.sampling import sample_personas
from tuaton.registry.seeding import seed_population
from tuaton.services import Services, build_services
from tuaton.settings import Settings
from tuaton.storage.db import Database
from tuaton.storage.ephemeral import MemoryStore, RedisStore
from tuaton.storage.schema import metadata
from tuaton.web import create_app

BACKEND = os.environ.get("TUATON_TEST_BACKEND", "sqlite")
REQUIRE_SERVICES = os.environ.get("TUATON_REQUIRE_SERVICES") == "1"
PG_URL = os.environ.get("TUATON_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TUATON_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
ISSUER = "http://testserver"
PASSCODE = "50738261"
POPULATION = 300
#: Tables every test starts without (the registry and the keys are kept for the session).
PER_TEST_TABLES = ("card_credentials", "agency_application_decisions", "agency_applications", "enrolment_evidence",
                   "enrolments", "office_visits", "officers", "consents", "oidc_refresh_tokens", "oidc_grants",
                   "devices", "identities", "oidc_clients", "audit_events", "audit_batches", "audit_rollups",
                   "tallies", "service_ratings", "programme_reminders", "programme_snapshots", "organisations",
                   "organisation_members", "organisation_letters", "organisation_officials")


def unavailable(what: str, why: str) -> None:
    message = f"{what} is not reachable ({why}); start it or unset TUATON_TEST_BACKEND"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} — TUATON_REQUIRE_SERVICES=1 forbids skipping", pytrace=False)
    pytest.skip(message)


def redis_url_or_skip() -> str:
    store = RedisStore(REDIS_URL, "tuaton-test:")
    if not store.ping():
        unavailable(f"Redis at {REDIS_URL}", "no PONG")
    return REDIS_URL


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory) -> Settings:
    cheap = {"audit_seal_seconds": 0, "argon2_time_cost": 1, "argon2_memory_kib": 1024, "issuer": ISSUER,
             "passcode_key_file": str(tmp_path_factory.mktemp("keys") / "passcode-keys.json")}
    if BACKEND == "postgres":
        try:
            with create_engine(PG_URL).connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001
            unavailable(f"PostgreSQL at {PG_URL}", type(exc).__name__)
        return Settings(database_url=PG_URL, redis_url=redis_url_or_skip(), redis_prefix="tuaton-test:", **cheap)
    return Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('db')}/tuaton.db", **cheap)


@pytest.fixture(scope="session")
def database(base_settings: Settings) -> Iterator[Database]:
    db = Database(base_settings)
    if BACKEND == "postgres":
        metadata.drop_all(db.engine)
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            connection.execute(text("DROP TABLE IF EXISTS audit_head"))  # before migration 0006
    db.create_schema()
    seed_population(db, POPULATION, processes=1)
    yield db
    db.dispose()


def _fresh_store(settings: Settings):
    if settings.redis_url:
        store = RedisStore(settings.redis_url, settings.redis_prefix)
        store.flush_prefix()
        return store
    return MemoryStore()


@pytest.fixture
def settings(base_settings: Settings, request) -> Settings:
    """The suite's settings; a test changes some with
    ``@pytest.mark.parametrize("settings", [{"name": value}], indirect=True)``."""
    overrides = getattr(request, "param", None)
    return base_settings.model_copy(update=overrides) if overrides else base_settings


@pytest.fixture
def services(settings: Settings, database: Database) -> Iterator[Services]:
    with database.engine.begin() as connection:
        for table in PER_TEST_TABLES:
            connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
    yield build_services(settings, database=database, store=_fresh_store(settings), migrate=False)


@pytest.fixture
def app(services: Services):
    return create_app(services=services)


@pytest.fixture
def http(app) -> Iterator[TestClient]:
    with TestClient(app, base_url=ISSUER) as client:
        yield client


@pytest.fixture
def personas(database: Database) -> list[dict]:
    return sample_personas(database, 20)


@pytest.fixture
def persona(personas) -> dict:
    return personas[0]


@pytest.fixture
def app_client(http) -> AppClient:
    return AppClient(ISSUER, http=http)


@pytest.fixture
def device(app_client: AppClient, persona) -> DeviceFile:
    return app_client.enroll_card_data_only(persona["pid"], PASSCODE)


@dataclass
class Agency:
    client_id: str
    client_secret: str | None
    redirect_uri: str

    @property
    def auth(self) -> tuple[str, str]:
        return (self.client_id, self.client_secret or "")


REDIRECT_URI = "https://eservice.example.go.th/callback"
AGENCY_SCOPES = ["openid", "pid", "name", "name_en", "given_name", "family_name", "birthdate", "gender",
                 "address", "ial", "smartcard_code", "date_of_issuance", "date_of_expiry", "profile"]


@pytest.fixture
def agency(services: Services) -> Agency:
    created = services.clients.create(name_en="Revenue e-Filing", name_th="ยื่นภาษีออนไลน์",
                                      redirect_uris=[REDIRECT_URI], scopes=AGENCY_SCOPES,
                                      post_logout_redirect_uris=["https://eservice.example.go.th/"],
                                      purpose_en="File your income tax", purpose_th="ยื่นแบบภาษีเงินได้")
    return Agency(created.client.client_id, created.client_secret, REDIRECT_URI)


def authorize_params(agency: Agency, **extra) -> dict[str, str]:
    params = {"client_id": agency.client_id, "redirect_uri": agency.redirect_uri, "response_type": "code",
              "scope": "openid pid name", "state": "st-123", "nonce": "nonce-abc"}
    params.update({k: v for k, v in extra.items() if v is not None})
    return {k: v for k, v in params.items() if v != ""}


@dataclass
class StartedPage:
    payload: str
    status_url: str
    html: str
    #: The number the page shows, which the citizen picks in the app (number matching).
    number: str


def read_signin_page(html: str) -> StartedPage:
    match = re.search(r'id="signin-qr"[^>]*data-payload="([^"]+)"\s+data-status="([^"]+)"', html)
    assert match, "the sign-in page must carry #signin-qr with data-payload and data-status"
    number = re.search(r'id="signin-number" data-number="([0-9]{2})"', html)
    assert number, "the sign-in page must show its number (#signin-number)"
    return StartedPage(match.group(1), match.group(2), html, number.group(1))


def start_signin(http: TestClient, agency: Agency, **extra) -> StartedPage:
    response = http.get("/oauth2/authorize", params=authorize_params(agency, **extra))
    assert response.status_code == 200, response.text
    return read_signin_page(response.text)


def follow_status(http: TestClient, page: StartedPage) -> dict:
    return http.get(page.status_url, headers={"Accept": "application/json"}).json()


def code_from(redirect_to: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(redirect_to).query).items()}


def signed_in_code(http: TestClient, app_client: AppClient, device: DeviceFile, agency: Agency, **extra) -> str:
    page = start_signin(http, agency, **extra)
    app_client.decide(page.payload, device, PASSCODE, number=page.number)
    return code_from(follow_status(http, page)["redirect_to"])["code"]


def exchange(http: TestClient, agency: Agency, code: str, **extra) -> dict:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": agency.redirect_uri, **extra}
    return http.post("/oauth2/token", data=data, auth=agency.auth)


def portal_sign_in(http: TestClient, app_client: AppClient, device: DeviceFile, next_path: str = "/me") -> None:
    """Sign in to the portals the way a person does: the portal sends the browser to Tuaton's own
    /authorize, the app approves the QR sign-in, the browser comes back to /portal/callback."""
    start = http.get("/portal/signin", params={"next": next_path}, follow_redirects=False)
    assert start.status_code == 303, start.text
    page = read_signin_page(http.get(start.headers["location"]).text)
    app_client.decide(page.payload, device, PASSCODE, number=page.number)
    status = http.get(page.status_url, headers={"Accept": "application/json"}).json()
    assert status["status"] == "approved", status
    back = http.get(status["redirect_to"], follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == next_path, back.text


@pytest.fixture
def new_browser(app):
    """Another person's browser (its own cookie jar) on the same Tuaton."""
    opened: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app, base_url=ISSUER)
        client.__enter__()
        opened.append(client)
        return client
    yield make
    for client in opened:
        client.__exit__(None, None, None)


ADMIN_PASSWORD = "bootstrap admin password"


def console_sign_in(http: TestClient, username: str = "root", password: str = ADMIN_PASSWORD):
    form = http.get("/console/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    return http.post("/console/signin", data={"username": username, "password": password, "csrf": csrf},
                     follow_redirects=False)


def csrf_of(page_html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page_html).group(1)


def a_pdf(pages: int = 1) -> bytes:
    """A real (blank) PDF, as a scanned letter would be."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def prove_authority(services: Services, identity_id: str, code: str, name_th: str = "กรมการขนส่งทางบก",
                    email: str = "saraban@dlt.go.th") -> None:
    """Set-up for tests about what comes after: an organisation with ``identity_id`` as its owner, its
    central e-mail verified and a letter uploaded — what production credentials wait for. Written to
    the tables directly; tests/organisations/ exercise the real flow (e-mail through SMTP, PDF checks)."""
    import datetime as dt
    import uuid

    from sqlalchemy import select

    from tuaton.organisations.models import AuthorityLetter, Organisation, OrganisationMember

    now = dt.datetime.now(dt.UTC)
    with services.database.transaction() as session:
        org = session.get(Organisation, code)
        if org is None:
            session.add(Organisation(code=code, kind="government", name_th=name_th, name_en="", created_at=now,
                                     campaign_code=f"campaign-{code}", central_email=email, email_verified_at=now))
        else:
            org.central_email, org.email_verified_at = email, now
        if session.execute(select(OrganisationMember.id).where(
                OrganisationMember.organisation_code == code, OrganisationMember.identity_id == identity_id,
                OrganisationMember.status == "active")).first() is None:
            session.add(OrganisationMember(organisation_code=code, identity_id=identity_id, display_name="Staff",
                                           role="owner", status="active", invited_email="", invited_at=now,
                                           joined_at=now))
        pdf = a_pdf()
        session.add(AuthorityLetter(id=str(uuid.uuid4()), organisation_code=code, file_name="letter.pdf",
                                    content=pdf, size=len(pdf), letter_number="คค 0401/123", letter_date=now.date(),
                                    issuing_division="กองกลาง", uploaded_by=identity_id, uploaded_by_name="Staff",
                                    uploaded_at=now, status="submitted"))


class SmtpInbox:
    """A real SMTP server (aiosmtpd) on a loopback port; what it received, parsed."""

    def __init__(self) -> None:
        self.messages: list = []
        self.url = ""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def link(self, address: str, pattern: str) -> str:
        """The last link matching ``pattern`` e-mailed to ``address``."""
        bodies = [m.get_body(("plain",)).get_content() for m in self.to(address)]
        found = [x for body in bodies for x in re.findall(pattern, body)]
        assert found, f"no link like {pattern} was e-mailed to {address}"
        return found[-1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    from tests.live import free_port

    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{port}"
    try:
        yield inbox
    finally:
        controller.stop()
