"""The ``tuaton`` command: serve, demo, seed, registry, keys, client, audit, app."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tuaton.settings import Settings

app = typer.Typer(help="Tuaton (ตัวตน): national digital identity.", no_args_is_help=True)
registry_app = typer.Typer(help="The civil registry.", no_args_is_help=True)
keys_app = typer.Typer(help="The OpenID Provider's signing keys.", no_args_is_help=True)
client_app = typer.Typer(help="Agencies' OIDC clients (operators' shortcut around the portal).",
                         no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app_app = typer.Typer(help="The reference citizen app, scriptable.", no_args_is_help=True)
officer_app = typer.Typer(help="Registrar officers' accounts.", no_args_is_help=True)
admin_app = typer.Typer(help="The bootstrap administrator of a new installation.", no_args_is_help=True)
card_app = typer.Typer(help="Digital ID cards.", no_args_is_help=True)
organisation_app = typer.Typer(help="Agencies' organisations: operators' tools.", no_args_is_help=True)
programme_app = typer.Typer(help="The e-Service programme office: the catalogue of government services and the "
                            "digital-ID KPI.", no_args_is_help=True)
for sub, name in ((registry_app, "registry"), (keys_app, "keys"), (client_app, "client"),
                  (audit_app, "audit"), (db_app, "db"), (app_app, "app"), (officer_app, "officer"),
                  (admin_app, "admin"), (card_app, "card"), (programme_app, "programme"),
                  (organisation_app, "organisation")):
    app.add_typer(sub, name=name)

err = Console(stderr=True, soft_wrap=True, highlight=False)


def _database(settings: Settings):
    from tuaton.storage.db import Database
    database = Database(settings)
    database.create_schema()
    return database


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


# -- serving ---------------------------------------------------------------------------------
@app.command()
def serve(port: int = typer.Option(None, help="Port (default TUATON_PORT or 8000)"),
          host: str = typer.Option(None, help="Interface (default TUATON_HOST or 127.0.0.1)"),
          workers: int = typer.Option(1, min=1, help="Worker processes")) -> None:
    """Serve the whole system (migrates the database first)."""
    import uvicorn

    from tuaton.observability import UVICORN_LOG_CONFIG
    settings = Settings()
    _database(settings).dispose()
    uvicorn.run("tuaton.web:app_from_env", factory=True, host=host or settings.host,
                port=port or settings.port, workers=workers, log_level="info", access_log=False,
                proxy_headers=True, log_config=UVICORN_LOG_CONFIG)


@app.command()
def cluster(processes: int = typer.Option(2, envvar="TUATON_PROCESSES", min=1, help="Tuaton processes"),
            port: int = typer.Option(8000, envvar="TUATON_PORT", help="HAProxy's port")) -> None:
    """HAProxy in front of N processes, PgBouncer in front of PostgreSQL, Redis: a country's layout
    on one machine (TUATON_DATABASE_URL and TUATON_REDIS_URL name PostgreSQL and Redis)."""
    from tuaton.cluster import ClusterError, run
    try:
        run(Settings(), processes, port)
    except ClusterError as exc:
        _fail(str(exc))


@app.command()
def demo(port: int = typer.Option(None, help="Port for Tuaton (demo e-Service: port + 1, meeting: + 2)"),
         citizens: int = typer.Option(2000, help="Synthetic citizens to seed")) -> None:
    """Seed a synthetic population, register demo agencies, and serve Tuaton, a demo e-Service and a
    meeting check-in."""
    from tuaton.demo import run_demo
    run_demo(Settings(), port, citizens)


@app.command()
def seed(citizens: int = typer.Option(..., "--citizens", min=1, help="How many synthetic citizens"),
         seed_value: int = typer.Option(0, "--seed", help="Population seed")) -> None:
    """Fill the registry with synthetic citizens (idempotent: the same N twice adds nothing)."""
    from tuaton.registry.seeding import seed_population
    database = _database(Settings())
    with Progress(TextColumn("seeding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err) as progress:
        task = progress.add_task("seed", total=citizens)
        added = seed_population(database, citizens, seed_value, lambda n: progress.advance(task, n))
    err.print(f"{added} new citizens ({citizens - added} were there already)")


@registry_app.command("sample")
def registry_sample(count: int = typer.Option(5, min=1), as_json: bool = typer.Option(False, "--json")) -> None:
    """List test personas: alive adult citizens with a current card."""
    from tuaton.registry.sampling import sample_personas
    personas = sample_personas(_database(Settings()), count)
    if as_json:
        print(json.dumps(personas, ensure_ascii=False, indent=2))
        return
    for p in personas:
        print(f"{p['pid']}  {p['title_th']}{p['given_name_th']} {p['family_name_th']}  "
              f"({p['given_name_en']} {p['family_name_en']}, born {p['birth_date']})")


# -- keys, clients, audit, db ----------------------------------------------------------------
def _keys(settings: Settings, database=None):
    from tuaton.oidc.keys import SigningKeys
    keys = SigningKeys(database or _database(settings), settings.key_overlap, settings.key_cache_seconds)
    keys.ensure()
    return keys


@keys_app.command("rotate")
def keys_rotate() -> None:
    """New signing keys now; the old ones stay in the JWKS for TUATON_KEY_OVERLAP seconds."""
    kids = _keys(Settings()).rotate()
    print(json.dumps({"signing_kids": kids}))


@keys_app.command("rotate-passcode-key")
def keys_rotate_passcode_key() -> None:
    """A new passcode key version for new verifiers; verifiers under older versions keep working and
    move to the new one at each citizen's next correct passcode. Prints how many remain per version."""
    from sqlalchemy import func, select

    from tuaton.identity.models import Identity
    from tuaton.identity.passcode_verifier import make_passcode_keys

    settings = Settings()
    if settings.passcode_verifier != "keyed":
        _fail("TUATON_PASSCODE_VERIFIER is not 'keyed': there is no passcode key to rotate")
    keys = make_passcode_keys(settings)
    version = keys.add_version()
    counts: dict[str, int] = {}
    with _database(settings).reading() as session:   # grouped in SQL by the verifier's prefix
        prefix = func.substr(Identity.passcode_hash, 1, 20)
        for head, count in session.execute(select(prefix, func.count()).group_by(prefix)):
            version = re.match(r"\$tuaton-hmac\$v=(\d+),", head or "")
            label = f"v{version.group(1)}" if version else "argon2id"
            counts[label] = counts.get(label, 0) + count
    print(json.dumps({"current_version": version, "versions": keys.versions(), "identities_by_key": counts}))


@keys_app.command("list")
def keys_list() -> None:
    """The published keys (public parts)."""
    print(json.dumps(_keys(Settings()).view().jwks, indent=2))


@client_app.command("create")
def client_create(name: str = typer.Option(..., help="The agency's e-Service name (English)"),
                  name_th: str = typer.Option(None, help="The name in Thai"),
                  redirect_uri: list[str] = typer.Option(..., help="Exact redirect URI (repeatable)"),
                  public: bool = typer.Option(False, help="A public client (PKCE, no secret)"),
                  scope: list[str] = typer.Option(None, help="A granted scope (repeatable); default: "
                                                  "openid name name_en birthdate ial"),
                  auth_method: str = typer.Option(None, help="client_secret_basic (default), "
                                                  "client_secret_post or private_key_jwt"),
                  jwks_file: Path = typer.Option(None, help="The client's public JWKS (private_key_jwt)"),
                  jwks_uri: str = typer.Option(None, help="Where the client publishes its public JWKS "
                                               "(private_key_jwt; fetched and cached, again on a new kid)"),
                  post_logout_redirect_uri: list[str] = typer.Option(None),
                  subject_type: str = typer.Option("pairwise"),
                  id_token_alg: str = typer.Option("ES256"),
                  purpose: str = typer.Option("", help="Why the agency needs the data"),
                  ciba: str = typer.Option(None, "--backchannel", help="CIBA: poll or ping"),
                  notification_endpoint: str = typer.Option(None, help="CIBA ping: where to notify"),
                  require_par: bool = typer.Option(False, "--require-par", help="FAPI 2.0: authorization "
                                                   "requests only by PAR (RFC 9126)"),
                  require_dpop: bool = typer.Option(False, "--require-dpop", help="FAPI 2.0: tokens only "
                                                    "bound to a DPoP key (RFC 9449)"),
                  as_json: bool = typer.Option(False, "--json")) -> None:
    """Register an agency's client and print its credentials."""
    from tuaton.errors import InvalidInput
    from tuaton.oidc.clients import Clients
    method = "none" if public else (auth_method or "client_secret_basic")
    jwks = json.loads(jwks_file.read_text()) if jwks_file else None
    try:
        created = Clients(_database(Settings())).create(
            name_en=name, name_th=name_th, redirect_uris=redirect_uri,
            scopes=scope or ["openid", "name", "name_en", "birthdate", "ial"], auth_method=method,
            post_logout_redirect_uris=post_logout_redirect_uri, jwks=jwks, subject_type=subject_type,
            id_token_alg=id_token_alg, purpose_en=purpose, backchannel_mode=ciba,
            backchannel_notification_endpoint=notification_endpoint, require_par=require_par,
            require_dpop=require_dpop, jwks_uri=jwks_uri, internal_ok=True)
    except InvalidInput as exc:
        _fail(exc.detail_en, 2)
    out = {"client_id": created.client.client_id, "token_endpoint_auth_method": method,
           "scopes": sorted(created.client.scopes), "redirect_uris": list(created.client.redirect_uris),
           "require_pushed_authorization_requests": created.client.require_pushed_authorization_requests,
           "dpop_bound_access_tokens": created.client.dpop_bound_access_tokens}
    if created.client_secret:
        out["client_secret"] = created.client_secret
    print(json.dumps(out, indent=None if as_json else 2))


@audit_app.command("verify")
def audit_verify() -> None:
    """Check every signed tree head and every sealed event; exit 1 if anything was edited, removed
    or forged. Events not sealed yet are counted, not failed."""
    from tuaton.audit.trail import verify_trail
    settings = Settings()
    database = _database(settings)
    keys = _keys(settings, database)
    with database.reading() as session:
        report = verify_trail(session, keys.key_for_kid)
    print(json.dumps(report.as_dict(), ensure_ascii=False))
    if not report.intact:
        raise typer.Exit(1)


@audit_app.command("seal")
def audit_seal() -> None:
    """Seal every unsealed event now (the servers do it every TUATON_AUDIT_SEAL_SECONDS)."""
    from tuaton.audit.trail import AuditSequencer
    settings = Settings()
    database = _database(settings)
    print(json.dumps({"sealed": AuditSequencer(database, _keys(settings, database).sign_compact).seal_all()}))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations."""
    _database(Settings()).dispose()
    err.print("database is at the newest migration")


# -- biometrics ---------------------------------------------------------------------------
biometrics_app = typer.Typer(help="Face verification: the engine's model, and the matcher on a labelled set.",
                             no_args_is_help=True)
app.add_typer(biometrics_app, name="biometrics")


@biometrics_app.command("evaluate")
def biometrics_evaluate(pairs: Path = typer.Argument(..., help="LFW-style pairs.txt"),
                        images: Path = typer.Option(..., help="Folder of <name>/<name>_<nnnn>.jpg"),
                        threshold: float = typer.Option(None, help="Default: TUATON_FACE_MATCH_THRESHOLD"),
                        as_json: bool = typer.Option(False, "--json")) -> None:
    """False accept and false reject rates of the face matcher on a labelled set of pairs."""
    from tuaton.biometrics.evaluation import evaluate, read_pairs
    from tuaton.services import LazyFaceEngine

    try:
        parsed = read_pairs(pairs, images)
    except (OSError, ValueError) as exc:
        _fail(str(exc))
    threshold = Settings().face_match_threshold if threshold is None else threshold
    result = evaluate(LazyFaceEngine(Settings()), parsed)
    if not result.genuine or not result.impostor:
        _fail("the set needs both same-person and different-person pairs with detectable faces")
    far, frr = result.rates(threshold)
    report = {"pairs": len(parsed), "genuine": len(result.genuine), "impostor": len(result.impostor),
              "not_detected": len(result.not_detected), "threshold": threshold,
              "false_accept_rate": round(far, 4), "false_reject_rate": round(frr, 4),
              "equal_error_threshold": round(result.equal_error_threshold(), 3)}
    _app_result(report, as_json, "\n".join(f"{k}: {v}" for k, v in report.items()))


@biometrics_app.command("convert-face-model")
def biometrics_convert_face_model(target: Path = typer.Option(None, help="Default: see face_model.model_path")) -> None:
    """Convert dlib's face descriptor network (from the installed face_recognition_models) to ONNX,
    check it against dlib on real face chips, and print where it was written (`make install` runs it)."""
    from tuaton.biometrics import face_model

    try:
        print(face_model.convert(target))
    except face_model.FaceModelError as exc:
        _fail(f"cannot convert the face model: {exc}")


@biometrics_app.command("sample-set")
def biometrics_sample_set(folder: Path = typer.Argument(..., help="Where to write the set")) -> None:
    """Write a tiny LFW-style set from the shipped faces, to try `evaluate` on."""
    from tuaton.biometrics.evaluation import write_sample_set

    print(write_sample_set(folder))


# -- the app ---------------------------------------------------------------------------------
def _app_result(result: dict, as_json: bool, human: str) -> None:
    print(json.dumps(result, ensure_ascii=False) if as_json else human)


@officer_app.command("create")
def officer_create(username: str = typer.Argument(..., help="Lower-case login name, e.g. somchai.j"),
                   office: str = typer.Option(..., help="The registrar office's code, e.g. 1001"),
                   name: str = typer.Option("", help="The officer's full name, as the station shows it"),
                   role: str = typer.Option("registrar", help="registrar (enrols citizens), administrator or "
                                            "programme_office"),
                   pid: str = typer.Option(None, help="The officer's own citizen ID: they sign in with the Tuaton "
                                           "app (the password is break-glass only)"),
                   password_stdin: bool = typer.Option(False, help="Read the password from standard input "
                                                       "instead of generating one")) -> None:
    """Create an officer's account, linked to their citizen ID (they sign in with the Tuaton app). A
    generated break-glass password is printed once; it is stored hashed."""
    officer_id = _create_account(username, name, office, role, password_stdin, 12, pid=pid)
    err.print(f"officer {username} ({role}, office {office}) created: {officer_id}")


@admin_app.command("create")
def admin_create(username: str = typer.Argument("admin", help="Lower-case login name"),
                 name: str = typer.Option("Bootstrap administrator", help="Shown in the console and the audit"),
                 password_stdin: bool = typer.Option(False, help="Read the password from standard input "
                                                     "instead of generating one")) -> None:
    """Create the bootstrap administrator: the one account that signs in to the operators' console
    (/console) with a password. Everyone else — other administrators included — signs in with Tuaton."""
    _create_account(username, name, "0000", "administrator", password_stdin, 16, bootstrap=True)
    err.print(f"bootstrap administrator {username} created; sign in at {Settings().issuer}/console/signin")


def _create_account(username: str, name: str, office: str, role: str, password_stdin: bool, length: int, *,
                    bootstrap: bool = False, pid: str | None = None) -> str:
    """An officer's account with a password read from stdin, or generated and printed once on stdout."""
    import secrets

    from tuaton.errors import InvalidInput
    from tuaton.officers.service import Officers
    from tuaton.storage.ephemeral import MemoryStore
    settings = Settings()
    password = sys.stdin.readline().rstrip("\n") if password_stdin else secrets.token_urlsafe(length)
    try:
        officer_id = Officers(_database(settings), MemoryStore(), settings).create(
            username, name, office, role, password, bootstrap=bootstrap, pid=pid)
    except InvalidInput as exc:
        _fail(exc.detail_en, 2)
    if not password_stdin:
        print(password)
    return officer_id


@app_app.command("enroll")
def app_enroll(simulate: str = typer.Option(None, help="Self-enrol this synthetic persona's citizen ID (sandbox)"),
               office: str = typer.Option(None, help="Enrol with an officer: the QR link the station shows"),
               pid: str = typer.Option(None, help="With --office: the citizen ID typed in the app"),
               passcode: str = typer.Option(..., help="The new 8-digit passcode"),
               device: Path = typer.Option(..., help="Where to keep this device's key"),
               issuer: str = typer.Option(None, help="Tuaton's URL (default TUATON_ISSUER)"),
               quick: bool = typer.Option(False, help="Card data only, no photos: IAL 1.2, a sandbox test persona "
                                                    "(the only identities sandbox credentials reach)"),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Enrol with a new device key: self-enrolment of a synthetic citizen (--simulate), or at a
    registrar office by scanning the station's QR code (--office with --pid).

    Self-enrolment photographs the persona's card, front and back, and takes a selfie and a head
    turn, all generated by the sandbox, and goes through the real proofing pipeline (IAL 2.1): the
    result counts as a real enrolment, which sandbox credentials refuse. With --quick the persona
    is enrolled from its card data alone and marked as a test persona for sandbox clients.
    """
    from tuaton.appclient.client import AppClient, AppError
    if bool(simulate) == bool(office) or (office and not pid):
        _fail("give either --simulate PID, or --office QR_LINK with --pid PID", 2)
    client = AppClient(issuer or Settings().issuer)
    try:
        if office:
            enrolled = client.enroll_at_office(office, pid, passcode, on_step=lambda name, _: err.print(f"  {name} ✓"))
        elif quick:
            enrolled = client.enroll_card_data_only(simulate, passcode)
        else:
            enrolled = client.enroll(simulate, passcode, on_step=lambda name, _: err.print(f"  {name} ✓"))
    except AppError as exc:
        _fail(str(exc))
    enrolled.save(device)
    _app_result({"device_id": enrolled.device_id, "identity_id": enrolled.identity_id, "ial": enrolled.ial,
                 "device_file": str(device)}, as_json, f"enrolled; device key in {device} (IAL {enrolled.ial})")


@app_app.command("approve")
def app_approve(payload: str = typer.Argument(..., help="The QR payload (a URL) or the sign-in id"),
                device: Path = typer.Option(...), passcode: str = typer.Option(None),
                number: str = typer.Option(None, help="The two-digit number the sign-in page shows"),
                deny: bool = typer.Option(False, help="Refuse the sign-in instead"),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Approve (or refuse) a sign-in shown as a QR code. Approving needs the passcode and the number
    the sign-in page shows (the app offers three; the citizen picks the one on their screen)."""
    from tuaton.appclient.client import AppClient, AppError, DeviceFile
    try:
        device_file = DeviceFile.load(device)
        if not deny and (not passcode or not number):
            raise AppError("--passcode and --number (the two digits the sign-in page shows) are required to approve.")
        result = AppClient(device_file.issuer).decide(payload, device_file, passcode, approve=not deny, number=number)
    except AppError as exc:
        _fail(str(exc))
    _app_result(result, as_json, f"{result['status']}: {result['agency']['name_en']} "
                                 f"(reference {result['reference']})")


@app_app.command("requests")
def app_requests(device: Path = typer.Option(..., help="The device file from 'tuaton app enroll'"),
                 passcode: str = typer.Option(None, help="Approve every waiting request with this passcode"),
                 deny: bool = typer.Option(False, help="Refuse every waiting request instead"),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Agencies' backchannel requests waiting for you (meeting check-in, call centres): list them,
    or answer them all with --passcode (approve) or --deny."""
    from tuaton.appclient.client import AppClient, AppError, DeviceFile
    try:
        device_file = DeviceFile.load(device)
        client = AppClient(device_file.issuer)
        pending = client.backchannel_requests(device_file)
        answered = []
        if passcode or deny:
            for request in pending:
                result = client.decide_backchannel(request["id"], device_file, passcode, approve=not deny)
                answered.append({"id": request["id"], "status": result["status"]})
    except AppError as exc:
        _fail(str(exc))
    lines = [f"{r['agency']['name_en']}: {r['binding_message'] or '(no message)'}" for r in pending]
    if answered:
        lines = [f"{line} → {a['status']}" for line, a in zip(lines, answered, strict=True)]
    _app_result({"requests": pending, "answered": answered}, as_json, "\n".join(lines) or "nothing waiting")


@app_app.command("passcode")
def app_passcode(device: Path = typer.Option(..., help="The device file from 'tuaton app enroll'"),
                 current: str = typer.Option(..., help="The passcode now"),
                 new: str = typer.Option(..., help="The new 8-digit passcode")) -> None:
    """Change the passcode (the same rules as at enrolment; a wrong current one counts towards the lock)."""
    from tuaton.appclient.client import AppClient, AppError, DeviceFile
    try:
        device_file = DeviceFile.load(device)
        AppClient(device_file.issuer).change_passcode(device_file, current, new)
    except AppError as exc:
        _fail(str(exc))
    print("passcode changed")


@app_app.command("card")
def app_card(device: Path = typer.Option(..., help="The device file from 'tuaton app enroll'"),
             passcode: str = typer.Option(None, help="Needed to fetch or renew the card (online)"),
             show: str = typer.Option("full", help="full, name-photo, age-over-20 or age-over-18"),
             audience: str = typer.Option(None, "--aud", help="The verifier's identifier, if it gave one"),
             nonce: str = typer.Option(None, help="The verifier's challenge, if it gave one"),
             offline: bool = typer.Option(False, help="Use only the card cached on this device"),
             qr: Path = typer.Option(None, help="Also write the QR code to this PNG or SVG file"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Present the digital ID card: a QR code's content that a verifier checks offline, valid for a
    minute, with only what --show chooses. The card is fetched (with the passcode) and cached
    beside the device file, and renewed when online once past half its life."""
    import segno

    from tuaton.appclient.card import card_for, present
    from tuaton.appclient.client import AppError, DeviceFile
    from tuaton.card.credential import Showing
    try:
        showing = Showing(show)
    except ValueError:
        _fail(f"--show must be one of {', '.join(s.value for s in Showing)}", 2)
    try:
        stored = card_for(device, passcode, offline=offline)
        result = present(stored, DeviceFile.load(device), showing, audience=audience, nonce=nonce)
    except AppError as exc:
        _fail(str(exc))
    if qr:
        segno.make(result["presentation"], error="l").save(str(qr), scale=4)
        result["qr_file"] = str(qr)
    _app_result(result, as_json, result["presentation"])


@app.command("verify")
def verify(presentation: str = typer.Argument("-", help="The QR code's content, or - to read standard input"),
           issuer: str = typer.Option(None, help="The issuer to trust (default TUATON_ISSUER)"),
           cache: Path = typer.Option(Path.home() / ".cache" / "tuaton" / "verifier.json",
                                      help="Where the issuer's keys and status lists are kept"),
           offline: bool = typer.Option(False, help="Never connect: use the cache only"),
           refresh: bool = typer.Option(False, help="Refresh the cache now (and fail if offline)"),
           audience: str = typer.Option(None, "--aud", help="This verifier's identifier, if it gave one"),
           nonce: str = typer.Option(None, help="The challenge this verifier gave, if any"),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Verify a digital ID card presentation with cached issuer keys and status lists: signature,
    the phone's key binding, a minute's freshness, expiry and revocation. Exits 1 if it fails."""
    import time

    from tuaton.card.trust_cache import TrustCache, TrustCacheError, fetch_trust
    from tuaton.card.verifier import verify_presentation
    from tuaton.errors import PresentationRejected
    issuer = (issuer or Settings().issuer).rstrip("/")
    text = sys.stdin.read().strip() if presentation == "-" else presentation.strip()
    try:
        store = TrustCache(cache)
        if refresh or (not offline and not store.is_fresh(time.time())):
            try:
                store.store(fetch_trust(issuer))
            except TrustCacheError as exc:
                if refresh or store.trust is None:
                    raise
                err.print(f"[yellow]offline:[/yellow] using the cache of "
                          f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(store.trust.fetched_at))} ({exc})")
        trust = store.trust
        if trust is None:
            raise TrustCacheError(f"No cached keys for {issuer}; run once online with --refresh.")
        if trust.issuer != issuer:
            raise TrustCacheError(f"The cache at {cache} is for {trust.issuer}, not {issuer}.")
        card = verify_presentation(text, trust, audience=audience or issuer + "/verify", nonce=nonce,
                                   first_use=store.first_use)
    except TrustCacheError as exc:
        _fail(str(exc), 2)
    except PresentationRejected as exc:
        if as_json:
            print(json.dumps({"valid": False, "reason": exc.reason, "detail": exc.detail_en,
                              "detail_th": exc.detail_th}, ensure_ascii=False))
            raise typer.Exit(1) from None
        _fail(f"NOT VALID ({exc.reason}): {exc.detail_en}")
    result = {"valid": True, "issuer": card.issuer, "claims": card.claims, "ial": card.ial,
              "presented_at": card.presented_at, "expires_at": card.expires_at,
              "status_checked_at": card.status_checked_at}
    shown = {k: ("<photo>" if k == "picture" else v) for k, v in card.claims.items()}
    _app_result(result, as_json, "VALID — " + ", ".join(f"{k}: {v}" for k, v in shown.items()))


@card_app.command("revoke")
def card_revoke(pid: str = typer.Argument(..., help="The citizen ID whose digital cards to revoke"),
                reason: str = typer.Option(..., help="Why, for the audit trail (e.g. 'card cancelled by registry')")
                ) -> None:
    """Revoke a citizen's digital ID cards (a lost phone needs no command: locking it is enough)."""
    from tuaton.services import build_services
    services = build_services(Settings())
    count = services.cards.revoke(pid, reason, by="cli")
    err.print(f"{count} digital card(s) revoked; verifiers see it when they next refresh the status list")



# -- the programme office --------------------------------------------------------------------
def _programme():
    from tuaton.services import build_services
    return build_services(Settings())


@programme_app.command("seed")
def programme_seed() -> None:
    """Load the synthetic national catalogue (seed 004's figures: 201 agencies, 5,146 services)."""
    from tuaton.programme.synthetic import catalogue
    services = _programme()
    organisations, records = catalogue()
    result = services.programme.load(organisations, records, by="cli", source="synthetic catalogue")
    err.print(f"{result.organisations} organisations; services: {result.added} added, {result.changed} changed, "
              f"{result.unchanged} unchanged")


@programme_app.command("summary")
def programme_summary(as_json: bool = typer.Option(False, "--json"),
                      ministry: str = typer.Option("", help="A ministry's code"),
                      agency: str = typer.Option("", help="An agency's code")) -> None:
    """The headline figures the programme dashboard shows."""
    from tuaton.programme.catalogue import words
    from tuaton.programme.service import Filters
    summary = _programme().programme.summary(Filters(ministry=ministry, agency=agency))
    if as_json:
        print(json.dumps(summary.to_json(), ensure_ascii=False, indent=2))
        return
    share = "—" if summary.linked_share is None else f"{summary.linked_share:.1%}"
    print(f"{summary.agencies:,} agencies, {summary.services:,} services, {summary.eservices:,} e-Services "
          f"({summary.not_eservices:,} not)")
    print("groups: " + ", ".join(f"{g} {n:,}" for g, n in sorted(summary.groups.items())))
    print("group 1 platforms: " + ", ".join(f"{words('platform', p, 'en')} {n:,}"
                                             for p, n in summary.group1_platforms.items()))
    print(f"digital ID: {summary.eservices_linked:,} of {summary.eservices:,} e-Services linked ({share}); targets "
          + ", ".join(f"{t['share']:.0%} by {t['year_be']}" for t in summary.targets))


@programme_app.command("import")
def programme_import(path: Path = typer.Argument(..., exists=True, dir_okay=False,
                                                 help="A .csv or .xlsx file, laid out as docs/programme.md says")
                     ) -> None:
    """Import services (and, from Excel, agencies): all rows or none."""
    from tuaton.errors import CatalogueImportRefused
    try:
        result = _programme().programme.import_file(path.read_bytes(), path.name, by="cli")
    except CatalogueImportRefused as exc:
        err.print(f"[red]{exc.detail_en}[/red]")
        for row in exc.extra.get("rows", [])[:50]:
            err.print(f"  {row['sheet']} row {row['row']}, {row['column']}: {row['detail_en']}")
        raise typer.Exit(1) from exc
    err.print(f"{result.organisations} organisations; services: {result.added} added, {result.changed} changed, "
              f"{result.unchanged} unchanged")


@programme_app.command("export")
def programme_export(path: Path = typer.Argument(..., dir_okay=False, help="Where to write: .csv or .xlsx")) -> None:
    """Export the catalogue in the documented layout."""
    data = _programme().programme.export("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
    path.write_bytes(data)
    err.print(f"wrote {path} ({len(data):,} bytes)")


@programme_app.command("snapshot")
def programme_snapshot() -> None:
    """Take today's dated snapshot (run daily, e.g. from cron; the dashboard also takes it)."""
    taken = _programme().programme.take_snapshot()
    err.print("snapshot taken" if taken else "today's snapshot was already taken")


@programme_app.command("remind")
def programme_remind() -> None:
    """E-mail the agencies whose services are behind (each at most every 15 days; run daily)."""
    from tuaton.errors import MailUnavailable
    try:
        sent = _programme().programme.send_reminders()
    except MailUnavailable as exc:
        err.print(f"[red]{exc.detail_en}[/red]")
        raise typer.Exit(1) from exc
    for reminder in sent:
        err.print(f"{reminder.organisation.code}: {reminder.services_behind} services behind → {reminder.sent_to}")
    err.print(f"{len(sent)} reminder(s) sent")


@organisation_app.command("release")
def organisation_release(code: str = typer.Argument(..., help="The organisation's code"),
                         reason: str = typer.Option(..., help="Why, for the audit trail (10 characters at least)"),
                         by: str = typer.Option(..., help="The operator releasing it")) -> None:
    """Free an organisation's registration: someone registered a body that is not theirs. Its members
    and officials are removed, its letters kept as rejected, and the code can be registered again."""
    from tuaton.errors import DomainError
    try:
        _programme().organisations.release(code.strip().upper(), by=by, reason=reason)
    except DomainError as exc:
        _fail(exc.detail_en, 2)
    err.print(f"organisation {code} released; it can be registered again")

def main() -> None:  # pragma: no cover
    app(prog_name="tuaton")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
