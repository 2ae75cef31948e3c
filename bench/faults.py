"""`make bench` (faults part), and its shorter run in the suite (tests/test_faults.py): QR sign-ins
through `make cluster` (HAProxy → processes → PgBouncer → PostgreSQL, and a Redis of its own) while
the parts fail, and what each sign-in's browser and app saw.

  - kill -9 of one Tuaton process in the middle of approvals;
  - Redis stopped and started again (persistence off: what was in it is gone);
  - PostgreSQL dropping every connection (what a restart or a failover does to its clients).

Each sign-in is driven as the browser and the app drive it: the page, the app's read and decision
(retried on a 502/503 or a dropped connection, as the app does), the browser's status until it is
final, and the agency's code exchange. Nothing may answer 500; every sign-in must end either
completed (one grant, one code, exchanged once) or with a clear error the citizen is shown (a
problem JSON 404/409/503, the page's "start again"); no QR code may be approved twice.

    .venv/bin/python bench/faults.py [--seconds 60] [--workers 6] [--processes 2]
    .venv/bin/python bench/faults.py --soak-minutes 30 [--rate 5.5]   # opt-in (make bench-soak): no faults
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tuaton.appclient.client import AppClient, AppError  # noqa: E402
from tuaton.cluster import Cluster, free_port  # noqa: E402
from tuaton.settings import Settings  # noqa: E402

REDIRECT = "https://eservice.example.go.th/cb"
PASSCODE = "24681357"
#: What the app and the browser may be told while a part is down: a clear answer, never a 500.
CLEAR_ERRORS = {404, 409, 410, 502, 503, 504}
RETRYABLE = {502, 503, 504}


class PrivateRedis:
    """A redis-server of the run's own (the machine's shared Redis is never restarted)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(  # noqa: S603 - our own arguments
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        import redis

        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if redis.Redis(port=self.port).ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def restart(self, down_seconds: float = 1.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()


def freeze_then_kill(cluster: Cluster, index: int, frozen_seconds: float = 0.5) -> None:
    """SIGSTOP, so that the requests HAProxy sends it in the meantime are mid-way, then SIGKILL."""
    import signal

    cluster.servers[index].send_signal(signal.SIGSTOP)
    time.sleep(frozen_seconds)
    cluster.kill(index)


def drop_database_connections(database_url: str) -> int:
    """Every connection to the run's database ended by the server, as a restart would."""
    from sqlalchemy import create_engine, text

    name = database_url.rsplit("/", 1)[1]
    admin = create_engine(database_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        ended = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :n AND pid <> "
            "pg_backend_pid()"), {"n": name}).scalar()
    admin.dispose()
    return int(ended or 0)


@dataclass
class Outcome:
    """One sign-in as its browser and app saw it."""

    ending: str = "unfinished"          # completed | clear_error | server_error | unfinished
    statuses: list[int] = field(default_factory=list)
    detail: str = ""
    approved_by_app: bool = False
    #: The app's decision may have been carried out (approved, or an answer lost on the way back).
    app_may_have_approved: bool = False
    code: str | None = None


def _record(outcome: Outcome, response: httpx.Response) -> httpx.Response:
    outcome.statuses.append(response.status_code)
    if response.status_code >= 500 and response.status_code not in RETRYABLE:
        outcome.ending = "server_error"
        outcome.detail = f"{response.request.method} {response.request.url.path}: {response.status_code}"
    elif response.status_code in RETRYABLE and response.headers.get("content-type", "").startswith("text/html") \
            and "Traceback" in response.text:
        outcome.ending = "server_error"
    return response


def sign_in(url: str, client_id: str, secret: str, device, *, deadline_seconds: float = 30.0) -> Outcome:
    outcome = Outcome()
    app = AppClient(url)
    with httpx.Client(base_url=url, timeout=15, headers={"Accept": "text/html"}) as browser:
        try:
            page = _record(outcome, browser.get("/oauth2/authorize", params={
                "client_id": client_id, "redirect_uri": REDIRECT, "response_type": "code",
                "scope": "openid name"}))
        except httpx.HTTPError as error:
            outcome.ending, outcome.detail = "clear_error", f"page: {type(error).__name__}"
            return outcome
        if page.status_code != 200:
            if outcome.ending != "server_error":
                outcome.ending, outcome.detail = "clear_error", f"page: {page.status_code}"
            return outcome
        payload = re.search(r'data-payload="([^"]+)"', page.text).group(1)
        number = re.search(r'data-number="([0-9]{2})"', page.text).group(1)
        status_url = re.search(r'data-status="([^"]+)"', page.text).group(1)
        # The app: retried on a gateway error or a dropped connection, as the app does.
        for _attempt in range(6):
            try:
                result = app.decide(payload, device, PASSCODE, number=number)
                outcome.approved_by_app = outcome.app_may_have_approved = result.get("status") == "approved"
                break
            except AppError as error:
                if error.status is None or error.status in RETRYABLE:     # unreachable, or a gateway error
                    outcome.app_may_have_approved = True
                    outcome.statuses.append(error.status or 0)
                    time.sleep(0.5)
                    continue
                outcome.statuses.append(error.status)
                if error.status >= 500:
                    outcome.ending, outcome.detail = "server_error", f"decision: {error.status}"
                    return outcome
                if error.problem.get("type", "").endswith("signin-already-decided"):
                    outcome.app_may_have_approved = True
                    break                          # a retry after the first answer was lost: decided
                slug = error.problem.get("type", "").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
                outcome.ending, outcome.detail = "clear_error", f"decision: {error.status} {slug}"
                return outcome
        # The browser: its status until final.
        end = time.monotonic() + deadline_seconds
        while time.monotonic() < end:
            try:
                status = _record(outcome, browser.get(status_url, headers={"Accept": "application/json"}))
            except httpx.HTTPError:
                time.sleep(0.3)
                continue
            if outcome.ending == "server_error":
                return outcome
            if status.status_code in (404, 410):
                outcome.ending, outcome.detail = "clear_error", "status: the sign-in is gone (start again)"
                return outcome
            if status.status_code in RETRYABLE:
                time.sleep(0.3)
                continue
            body = status.json()
            if body["status"] == "approved":
                outcome.code = re.search(r"code=([^&]+)", body["redirect_to"]).group(1)
                break
            if body["status"] in ("denied", "expired"):
                outcome.ending, outcome.detail = "clear_error", f"status: {body['status']}"
                return outcome
            time.sleep(0.2)
        else:
            outcome.detail = "the browser never saw a final status"
            return outcome
    # The agency: the code, exchanged once (retried on a gateway error: a code is single use, so a
    # retry after a lost answer is refused with invalid_grant, which is the agency's clear error).
    for _attempt in range(6):
        try:
            token = _record(outcome, httpx.post(url + "/oauth2/token", data={
                "grant_type": "authorization_code", "code": outcome.code, "redirect_uri": REDIRECT},
                auth=(client_id, secret), timeout=15))
        except httpx.HTTPError:
            time.sleep(0.5)
            continue
        if outcome.ending == "server_error":
            return outcome
        if token.status_code in RETRYABLE:
            time.sleep(0.5)
            continue
        if token.status_code == 200:
            outcome.ending = "completed"
        else:
            error = token.json().get("error", "") if token.headers.get("content-type", "").endswith("json") else ""
            outcome.ending, outcome.detail = "clear_error", f"token: {token.status_code} {error}"
        return outcome
    outcome.ending, outcome.detail = "clear_error", "token: unavailable"
    return outcome


class Load:
    """``workers`` threads signing in one after another until stopped; every outcome kept."""

    def __init__(self, url: str, client_id: str, secret: str, devices: list, rate: float | None = None) -> None:
        self.url, self.client_id, self.secret, self.devices = url, client_id, secret, devices
        #: Seconds between one worker's sign-ins for a total of ``rate`` a second (none: flat out).
        self._interval = len(devices) / rate if rate else 0.0
        self.outcomes: list[tuple[float, Outcome]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._work, args=(d,), daemon=True) for d in devices]

    def _work(self, device) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                outcome = sign_in(self.url, self.client_id, self.secret, device)
            except Exception as error:            # the driver's own failure is a finding too
                outcome = Outcome(ending="unfinished", detail=f"driver: {type(error).__name__}: {error}")
            self.outcomes.append((started, outcome))
            self._stop.wait(max(0.0, started + self._interval - time.monotonic()))

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(120)

    def summary(self) -> dict:
        endings = Counter(o.ending for _, o in self.outcomes)
        return {"sign_ins": len(self.outcomes), "endings": dict(endings),
                "clear_errors": dict(Counter(o.detail for _, o in self.outcomes if o.ending == "clear_error")),
                "server_errors": [o.detail for _, o in self.outcomes if o.ending == "server_error"],
                "unfinished": [o.detail for _, o in self.outcomes if o.ending == "unfinished"]}


def prepared(settings: Settings, cluster: Cluster, workers: int):
    """The agency's client and one enrolled device per worker."""
    from tuaton.registry.sampling import sample_personas
    from tuaton.services import build_services
    from tuaton.storage.db import Database

    database = Database(settings)
    system = build_services(settings, database=database, migrate=False)
    created = system.clients.create(name_en="Fault e-Service", name_th="บริการทดสอบความทนทาน",
                                    redirect_uris=[REDIRECT], scopes=["openid", "name"])
    personas = sample_personas(database, workers)
    devices = [AppClient(cluster.url).enroll_card_data_only(p["pid"], PASSCODE) for p in personas]
    system.close()
    return created.client.client_id, created.client_secret, devices


def grants_and_approvals(settings: Settings, client_id: str) -> dict:
    """Grants written for the client, and whether any approval has two (the unique index forbids it)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(settings.database_url)
    with engine.connect() as connection:
        grants = connection.execute(text("SELECT count(*) FROM oidc_grants WHERE client_id = :c"),
                                    {"c": client_id}).scalar()
        doubled = connection.execute(text(
            "SELECT count(*) FROM (SELECT approval_ref FROM oidc_grants WHERE client_id = :c AND approval_ref "
            "IS NOT NULL GROUP BY approval_ref HAVING count(*) > 1) d"), {"c": client_id}).scalar()
    engine.dispose()
    return {"grants": int(grants), "approvals_with_two_grants": int(doubled)}


def run_faults(database_url: str, *, seconds: float, workers: int, processes: int, workdir: Path) -> dict:
    """The load for ``seconds``; at a quarter of it one process is killed, at half Redis restarts,
    at three quarters PostgreSQL drops every connection."""
    redis = PrivateRedis(workdir)
    redis.start()
    settings = Settings(database_url=database_url, redis_url=redis.url, redis_prefix="tuaton-faults:",
                        passcode_key_file=str(workdir / "keys.json"), audit_seal_seconds=0,
                        argon2_time_cost=1, argon2_memory_kib=1024)
    events: list[tuple[float, str]] = []
    try:
        with Cluster(settings, processes=processes, workdir=workdir / "cluster") as cluster:
            client_id, secret, devices = prepared(settings, cluster, workers)
            captured = card_request(cluster.url, devices[0])         # a device-signed request, used once
            started = time.monotonic()

            def restart_redis() -> None:
                redis.restart()
                replay["status"], replay["type"] = replay_card_request(cluster.url, captured)

            replay: dict = {}
            with Load(cluster.url, client_id, secret, devices) as load:
                for at, what, action in ((0.25, "kill -9 of a Tuaton process with requests in flight (frozen "
                                          "0.5 s first, so that some are)", lambda: freeze_then_kill(cluster, 0)),
                                         (0.5, "Redis stopped for 1 s and started empty", restart_redis),
                                         (0.75, "PostgreSQL dropped every connection",
                                          lambda: drop_database_connections(database_url))):
                    time.sleep(max(0.0, started + at * seconds - time.monotonic()))
                    events.append((round(time.monotonic() - started, 1), what))
                    action()
                time.sleep(max(0.0, started + seconds - time.monotonic()))
            survivors = [s.poll() is None for s in cluster.servers]
            after = sign_in(cluster.url, client_id, secret, devices[0])
            result = {"seconds": seconds, "workers": workers, "processes": processes, "events": events,
                      **load.summary(), **grants_and_approvals(settings, client_id),
                      "processes_alive_at_end": survivors, "a_sign_in_after_it_all": after.ending,
                      "approved_by_the_app": sum(1 for _, o in load.outcomes if o.approved_by_app),
                      "the_app_may_have_approved": sum(1 for _, o in load.outcomes if o.app_may_have_approved),
                      "gateway_answers_seen": sum(1 for _, o in load.outcomes for c in o.statuses if c in RETRYABLE),
                      "a_request_from_before_replayed_after_the_redis_restart": replay}
            completed = sum(1 for _, o in load.outcomes if o.ending == "completed") + (after.ending == "completed")
            result["completed_and_exchanged"] = completed
            return result
    finally:
        redis.stop()


def card_request(url: str, device) -> dict:
    """A device-signed request for the digital ID card, sent once (it must succeed)."""
    import secrets

    from tuaton.identity.devices import sign_request

    body = {"device_id": device.device_id, "passcode": PASSCODE, "signed_request": sign_request(device.key, {
        "purpose": "card", "nonce": secrets.token_urlsafe(16), "iat": int(time.time())})}
    response = httpx.post(url + "/api/app/v1/card", json=body, timeout=15)
    if response.status_code != 200:
        raise RuntimeError(f"the card request failed before any fault: {response.status_code} {response.text}")
    return body


def replay_card_request(url: str, body: dict) -> tuple[int, str]:
    """The same request again, once the cluster answers after the restart: what it was told."""
    deadline = time.monotonic() + 20
    while True:
        try:
            response = httpx.post(url + "/api/app/v1/card", json=body, timeout=15)
        except httpx.HTTPError:
            response = None
        if response is not None and response.status_code not in RETRYABLE or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if response is None:
        return 0, "unreachable"
    problem = response.json() if response.headers.get("content-type", "").endswith("json") else {}
    return response.status_code, str(problem.get("type", ""))


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run_soak(database_url: str, *, minutes: float, workers: int, processes: int, workdir: Path,
             rate: float) -> dict:
    """No faults: ``rate`` sign-ins a second for ``minutes``; errors, and each process's memory
    every minute."""
    redis = PrivateRedis(workdir)
    redis.start()
    settings = Settings(database_url=database_url, redis_url=redis.url, redis_prefix="tuaton-soak:",
                        passcode_key_file=str(workdir / "keys.json"), argon2_time_cost=1,
                        argon2_memory_kib=1024)
    try:
        with Cluster(settings, processes=processes, workdir=workdir / "cluster") as cluster:
            client_id, secret, devices = prepared(settings, cluster, workers)
            memory = []
            with Load(cluster.url, client_id, secret, devices, rate=rate) as load:
                end = time.monotonic() + minutes * 60
                while time.monotonic() < end:
                    memory.append([_rss_kib(s.pid) // 1024 for s in cluster.servers])
                    time.sleep(min(60.0, max(0.0, end - time.monotonic())))
            memory.append([_rss_kib(s.pid) // 1024 for s in cluster.servers])
            return {"minutes": minutes, "workers": workers, "processes": processes, "rate_asked": rate,
                    **load.summary(),
                    "sign_ins_per_second": round(len(load.outcomes) / (minutes * 60), 1),
                    "rss_mib_per_minute": memory}
    finally:
        redis.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "TUATON_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/tuaton_faults"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--soak-minutes", type=float, default=0)
    parser.add_argument("--rate", type=float, default=5.5,
                        help="soak: sign-ins a second (half of what this 2-core machine completes flat out)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tuaton-faults-"))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"
    if args.soak_minutes:
        result = run_soak(args.database_url, minutes=args.soak_minutes, workers=args.workers,
                          processes=args.processes, workdir=workdir, rate=args.rate)
    else:
        result = run_faults(args.database_url, seconds=args.seconds, workers=args.workers,
                            processes=args.processes, workdir=workdir)
    result["machine"] = machine
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out = ROOT / "var" / ("bench-soak.json" if args.soak_minutes else "bench-faults.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
