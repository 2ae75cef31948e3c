"""``tuaton demo``: a seeded laptop installation plus a demo e-Service, in one process."""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path

import uvicorn
from rich.console import Console
from sqlalchemy import delete, select

from tuaton.oidc.clients import Clients
from tuaton.oidc.models import Client
from tuaton.registry.sampling import sample_personas
from tuaton.registry.seeding import seed_population
from tuaton.settings import Settings
from tuaton.storage.db import Database

DEMO_CLIENT_ID = "demo-eservice"
MEETING_CLIENT_ID = "demo-meeting"
DEMO_SCOPES = ["openid", "pid", "name", "name_en", "birthdate", "gender", "address", "ial", "date_of_expiry"]


def _ensure_client(database: Database, var_dir: Path, client_id: str, redirect_uri: str, **create) -> str:
    """A demo client whose secret is kept in ./var/{client_id}.json so reruns reuse it."""
    secret_file = var_dir / f"{client_id}.json"
    clients = Clients(database)
    if clients.get(client_id) and secret_file.exists():
        saved = json.loads(secret_file.read_text())
        if saved.get("redirect_uri") == redirect_uri:
            return saved["client_secret"]
    secret = secrets.token_urlsafe(32)
    with database.transaction() as session:
        session.execute(delete(Client).where(Client.client_id == client_id))
    clients.create(client_id=client_id, client_secret=secret, redirect_uris=[redirect_uri], **create)
    var_dir.mkdir(parents=True, exist_ok=True)
    secret_file.write_text(json.dumps({"client_secret": secret, "redirect_uri": redirect_uri}))
    secret_file.chmod(0o600)
    return secret


def ensure_demo_client(database: Database, eservice_url: str, var_dir: Path) -> str:
    """The demo e-Service's client (QR sign-in, authorization code flow)."""
    return _ensure_client(database, var_dir, DEMO_CLIENT_ID, f"{eservice_url}/callback",
                          name_en="Civil registration check (demo)", name_th="ตรวจสอบข้อมูลทะเบียนราษฎร (ตัวอย่าง)",
                          post_logout_redirect_uris=[f"{eservice_url}/"], scopes=DEMO_SCOPES,
                          purpose_en="Shows you the data the civil registry holds about you.",
                          purpose_th="แสดงข้อมูลของท่านตามทะเบียนราษฎร")


def ensure_meeting_client(database: Database, meeting_url: str, var_dir: Path) -> str:
    """The meeting check-in's client: backchannel sign-in (CIBA, poll), approved for the citizen ID."""
    return _ensure_client(database, var_dir, MEETING_CLIENT_ID, f"{meeting_url}/",
                          name_en="Meeting check-in (demo)", name_th="ลงทะเบียนเข้าประชุม (ตัวอย่าง)",
                          scopes=["openid", "pid", "name"], backchannel_mode="poll",
                          purpose_en="Confirms that the person in the seat is the invitee.",
                          purpose_th="ยืนยันว่าผู้เข้าประชุมเป็นบุคคลที่ได้รับเชิญ")


def ensure_demo_account(database: Database, settings: Settings, var_dir: Path, username: str, name: str,
                        office: str, role: str, *, bootstrap: bool = False) -> str:
    """A demo officer account whose password is kept in ./var/demo-<role>.json, so reruns reuse it."""
    from tuaton.officers.models import Officer
    from tuaton.officers.service import Officers
    from tuaton.storage.ephemeral import MemoryStore

    saved = var_dir / f"demo-{username.removeprefix('demo.')}.json"
    with database.reading() as session:
        exists = session.execute(select(Officer.id).where(Officer.username == username)).first()
    if exists and saved.exists():
        return json.loads(saved.read_text())["password"]
    if exists:
        with database.transaction() as session:
            session.execute(delete(Officer).where(Officer.username == username))
    password = secrets.token_urlsafe(16)
    Officers(database, MemoryStore(), settings).create(username, name, office, role, password, bootstrap=bootstrap)
    var_dir.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps({"username": username, "password": password}))
    saved.chmod(0o600)
    return password


def seed_demo_catalogue(settings: Settings, database: Database) -> None:
    """The programme office's synthetic national catalogue (seed 004's figures), with the civil
    registration service of DOPA bound to the demo e-Service and one of OPDC's to the meeting check-in."""
    from tuaton.mail import NoMailer
    from tuaton.programme.service import Programme
    from tuaton.programme.synthetic import catalogue, with_demo_bindings

    organisations, services = catalogue()
    services = with_demo_bindings(services, {"DOPA": DEMO_CLIENT_ID, "OPDC": MEETING_CLIENT_ID})
    Programme(database, Clients(database), settings, NoMailer()).load(organisations, services, by="demo",
                                                                      source="synthetic catalogue")


def run_demo(settings: Settings, port: int | None, citizens: int) -> None:
    from tuaton.demo_eservice.app import create_demo_eservice
    from tuaton.demo_meeting.app import create_meeting_checkin, demo_invitees
    from tuaton.web import create_app

    console = Console(soft_wrap=True, highlight=False)
    port = port or settings.port
    issuer = settings.issuer if settings.issuer != "http://127.0.0.1:8000" else f"http://{settings.host}:{port}"
    # Officers sign in to the station with the Tuaton app; the demo also keeps the break-glass
    # password on, so the station can be tried without a second enrolled phone (production: off).
    settings = settings.model_copy(update={"issuer": issuer, "port": port, "office_break_glass": True})
    database = Database(settings)
    database.create_schema()
    with console.status(f"seeding {citizens} synthetic citizens"):
        seed_population(database, citizens)
    eservice_url = f"http://{settings.host}:{port + 1}"
    secret = ensure_demo_client(database, eservice_url, Path("var"))
    meeting_url = f"http://{settings.host}:{port + 2}"
    meeting_secret = ensure_meeting_client(database, meeting_url, Path("var"))
    # the station's registrar (var/demo-officer.json) and the console's bootstrap administrator (var/demo-admin.json)
    ensure_demo_account(database, settings, Path("var"), "demo.officer", "เจ้าหน้าที่ตัวอย่าง (Demo officer)", "1001",
                        "registrar")
    ensure_demo_account(database, settings, Path("var"), "demo.admin", "ผู้ดูแลระบบตัวอย่าง (Demo administrator)",
                        "0000", "administrator", bootstrap=True)
    personas = sample_personas(database, 5)
    seed_demo_catalogue(settings, database)
    database.dispose()

    tuaton = create_app(settings)
    eservice = create_demo_eservice(issuer, DEMO_CLIENT_ID, secret, eservice_url)
    meeting = create_meeting_checkin(issuer, MEETING_CLIENT_ID, meeting_secret, demo_invitees(personas))
    console.print(f"\n[bold]Tuaton[/bold] (OpenID Provider)   {issuer}\n"
                  f"  discovery                  {issuer}/.well-known/openid-configuration\n"
                  f"  citizen app (PWA)          {issuer}/app\n"
                  f"  card verifier              {issuer}/verify\n"
                  f"[bold]Demo e-Service[/bold]               {eservice_url}\n"
                  f"[bold]Meeting check-in[/bold] (CIBA)      {meeting_url}\n")
    console.print("Test personas (sandbox):")
    for p in personas[:3]:
        console.print(f"  {p['pid']}  {p['title_th']}{p['given_name_th']} {p['family_name_th']} "
                      f"({p['given_name_en']} {p['family_name_en']})")
    if personas:
        console.print(f"\nEnrol one:  .venv/bin/tuaton app enroll --simulate {personas[0]['pid']} "
                      f"--passcode 50738261 --device var/device.json --issuer {issuer}\n"
                      f"Then open {eservice_url}, press sign in, and approve the QR code's link:\n"
                      "            .venv/bin/tuaton app approve '<the QR link>' --device var/device.json "
                      "--passcode 50738261\n")
        console.print(f"Registrar office station: {issuer}/office  (officers sign in with the Tuaton app; the "
                      "demo also keeps the break-glass password on: officer [bold]demo.officer[/bold], the "
                      "password is in var/demo-officer.json)\n"
                      f"            insert {personas[0]['pid']} in the simulated reader, read the card, scan the "
                      "simulated finger, show the QR code, then:\n"
                      f"            .venv/bin/tuaton app enroll --office '<the QR link>' --pid {personas[0]['pid']} "
                      f"--passcode 50738261 --device var/device.json --issuer {issuer}\n")

    if personas:
        console.print(f"Meeting check-in: open {meeting_url}, press Ask for {personas[0]['given_name_th']}, then "
                      "answer on the phone:\n"
                      "            .venv/bin/tuaton app requests --device var/device.json --passcode 50738261\n"
                      "Digital ID card:  .venv/bin/tuaton app card --device var/device.json --passcode 50738261 "
                      f"--show age-over-20 | .venv/bin/tuaton verify --issuer {issuer}\n")
    console.print(f"Portals: {issuer}/  — citizens {issuer}/me, agencies {issuer}/agency (sign in with the app, "
                  f"as above), operators {issuer}/console (bootstrap administrator [bold]demo.admin[/bold]; the "
                  "password is in var/demo-admin.json)\n")
    console.print(f"Programme office: {issuer}/programme — government e-Services and their digital-ID link (the "
                  "administrator above may open it; DOPA's first e-Service is bound to the demo e-Service, so it "
                  "counts as linked once someone signs in there)\n")

    async def serve_both() -> None:
        servers = [uvicorn.Server(uvicorn.Config(tuaton, host=settings.host, port=port, log_level="warning")),
                   uvicorn.Server(uvicorn.Config(eservice, host=settings.host, port=port + 1,
                                                 log_level="warning")),
                   uvicorn.Server(uvicorn.Config(meeting, host=settings.host, port=port + 2, log_level="warning"))]
        await asyncio.gather(*(s.serve() for s in servers))

    asyncio.run(serve_both())
