"""`make bench`: Tuaton's throughput on this machine, against real servers on loopback.

Scenarios (each bounded in time and requests, loopback only):
  seed        1,000,000 synthetic citizens into a fresh SQLite file
  signin      full sign-ins end to end: authorize → app reads + approves (ES256 signature, argon2id
              passcode at production cost) → code exchange → userinfo
  exchange    authorization-code exchanges alone (codes made beforehand)
  discovery   GETs of /.well-known/openid-configuration and the JWKS
on SQLite with one process, and on PostgreSQL + Redis with two worker processes.
The load generator runs on the same 2 cores as the servers, so the numbers are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
from joserfc.jwk import ECKey

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.live import free_port, wait_until_up  # noqa: E402

from tuaton.identity.devices import sign_request  # noqa: E402
from tuaton.oidc.clients import Clients  # noqa: E402
from tuaton.registry.sampling import sample_personas  # noqa: E402
from tuaton.registry.seeding import seed_population  # noqa: E402
from tuaton.settings import Settings  # noqa: E402
from tuaton.storage.db import Database  # noqa: E402
from tuaton.storage.ephemeral import RedisStore  # noqa: E402

VAR = ROOT / "var" / "bench"
PASSCODE = "50738261"
REDIRECT = "https://bench.example.go.th/cb"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql+psycopg://postgres@127.0.0.1:5432/tuaton_bench"
REDIS = "redis://127.0.0.1:6379/8"


def bench_seed(count: int) -> dict:
    path = VAR / "seed.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = Database(Settings(database_url=f"sqlite:///{path}"))
    db.create_schema()
    started = time.perf_counter()
    added = seed_population(db, count)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = seed_population(db, count)
    rerun = time.perf_counter() - started
    db.dispose()
    return {"citizens": added, "seconds": round(seconds, 1), "per_second": round(added / seconds),
            "rerun_added": again, "rerun_seconds": round(rerun, 1)}


# -- servers ---------------------------------------------------------------------------------
def prepare(database_url: str, citizens: int) -> tuple[str, str, list[dict]]:
    db = Database(Settings(database_url=database_url))
    db.create_schema()
    seed_population(db, citizens)
    created = Clients(db).create(name_en="Bench e-Service", redirect_uris=[REDIRECT],
                                 scopes=["openid", "pid", "name", "birthdate"])
    personas = sample_personas(db, 64)
    db.dispose()
    return created.client.client_id, created.client_secret, personas


def start(port: int, workers: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "tuaton.cli", "serve", "--port", str(port), "--workers",
                                str(workers)], env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/healthz", 60)
    return process


# -- load ------------------------------------------------------------------------------------
class Device:
    def __init__(self, pid: str, device_id: str, key: ECKey) -> None:
        self.pid, self.device_id, self.key = pid, device_id, key


async def enrol(http: httpx.AsyncClient, persona: dict) -> Device:
    key = ECKey.generate_key("P-256")
    body = await http.post("/api/app/v1/enrolments/simulated", json={
        "accept_terms": True, "pid": persona["pid"], "given_name_th": persona["given_name_th"],
        "family_name_th": persona["family_name_th"], "birth_date": persona["birth_date"],
        "laser_code": persona["laser_code"], "public_jwk": key.as_dict(private=False),
        "key_proof": sign_request(key, {"purpose": "enrol", "pid": persona["pid"], "iat": int(time.time())}),
        "passcode": PASSCODE, "passcode_confirmation": PASSCODE})
    body.raise_for_status()
    return Device(persona["pid"], body.json()["device_id"], key)


async def signin_to_code(http: httpx.AsyncClient, client_id: str, device: Device) -> str:
    page = await http.get("/oauth2/authorize", params={
        "client_id": client_id, "redirect_uri": REDIRECT, "response_type": "code", "scope": "openid pid name",
        "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8)})
    signin_id = re.search(r'data-payload="[^"]+/s/([^"]+)"', page.text).group(1)
    browser_cookie = page.cookies.get(f"tuaton_signin_{signin_id}")
    shown = (await http.get(f"/api/app/v1/signins/{signin_id}")).json()
    signed = sign_request(device.key, {"purpose": "signin", "signin": signin_id, "challenge": shown["challenge"],
                                       "decision": "approve", "device": device.device_id,
                                       "nonce": secrets.token_urlsafe(16), "iat": int(time.time())})
    decided = await http.post(f"/api/app/v1/signins/{signin_id}/decision", json={
        "device_id": device.device_id, "decision": "approve", "signed_request": signed, "passcode": PASSCODE})
    decided.raise_for_status()
    status = (await http.get(f"/signin/{signin_id}/status", headers={"Accept": "application/json"},
                             cookies={f"tuaton_signin_{signin_id}": browser_cookie})).json()
    return re.search(r"code=([^&]+)", status["redirect_to"]).group(1)


async def exchange(http: httpx.AsyncClient, client: tuple[str, str], code: str) -> str:
    tokens = await http.post("/oauth2/token", auth=client, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})
    tokens.raise_for_status()
    return tokens.json()["access_token"]


async def run_for(seconds: float, concurrency: int, job, limit: int = 100_000) -> dict:
    done = errors = 0
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []

    async def worker(n: int) -> None:
        nonlocal done, errors
        i = n
        while time.perf_counter() < deadline and i < limit:
            t = time.perf_counter()
            try:
                await job(i)
                done += 1
                latencies.append(time.perf_counter() - t)
            except Exception:  # noqa: BLE001 - counted
                errors += 1
            i += concurrency

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    p = (lambda q: round(latencies[int(q * (len(latencies) - 1))] * 1000, 1)) if latencies else (lambda q: None)
    return {"per_second": round(done / elapsed, 1), "completed": done, "errors": errors,
            "p50_ms": p(0.5), "p95_ms": p(0.95), "seconds": round(elapsed, 1), "concurrency": concurrency}


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process and all its descendants (uvicorn workers), from
    /proc: what the server itself spent, whatever the load generator on the same cores did."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(p, 0.0) for p in tree)


async def load(base: str, client_id: str, secret: str, personas: list[dict], seconds: float,
               server_pid: int | None = None) -> dict:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        devices = [await enrol(http, p) for p in personas[:32]]
        client = (client_id, secret)

        async def full(i: int) -> None:
            code = await signin_to_code(http, client_id, devices[i % len(devices)])
            token = await exchange(http, client, code)
            (await http.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {token}"})).raise_for_status()

        cpu_before = server_cpu_seconds(server_pid) if server_pid else None
        results = {"full_signin": await run_for(seconds, 16, full)}
        if server_pid:
            # The generator shares the 2 cores, so sign-ins/s is a floor; the server's own CPU per
            # sign-in says what the cores could carry with the generator elsewhere.
            cpu = server_cpu_seconds(server_pid) - cpu_before
            per = cpu / max(results["full_signin"]["completed"], 1)
            results["full_signin"]["server_cpu_ms_per_signin"] = round(per * 1000, 1)
            results["full_signin"]["server_capacity_per_second_on_all_cores"] = round((os.cpu_count() or 1) / per, 1)
        codes = [await signin_to_code(http, client_id, devices[i % len(devices)]) for i in range(150)]

        async def one_exchange(i: int) -> None:
            await exchange(http, client, codes[i])

        results["code_exchange"] = await run_for(seconds, 16, one_exchange, limit=len(codes))

        async def discovery(i: int) -> None:
            path = "/.well-known/openid-configuration" if i % 2 else "/oauth2/jwks"
            (await http.get(path)).raise_for_status()

        results["discovery_jwks_get"] = await run_for(seconds, 32, discovery)
        return results


def wrk_gets(base: str, seconds: float) -> dict | None:
    """Static GETs measured with wrk (Debian package), which loads the server far harder than a
    Python client can: httpx's async pool tops out near 100 requests a second on this machine."""
    if not shutil.which("wrk"):
        return None
    out = {}
    for name, path in (("discovery", "/.well-known/openid-configuration"), ("jwks", "/oauth2/jwks")):
        text = subprocess.run(["wrk", "-t1", "-c16", f"-d{int(seconds)}s", base + path], capture_output=True,
                              text=True, timeout=seconds + 30).stdout
        rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
        latency = re.search(r"Latency\s+(\S+)", text)
        out[name] = {"per_second": float(rate.group(1)) if rate else None,
                     "mean_latency": latency.group(1) if latency else None, "connections": 16}
    return out


def scenario(name: str, database_url: str, redis_url: str | None, workers: int, seconds: float) -> dict:
    client_id, secret, personas = prepare(database_url, 10_000)
    port = free_port()
    env = {"TUATON_DATABASE_URL": database_url, "TUATON_ISSUER": f"http://127.0.0.1:{port}",
           "TUATON_AUTHORIZATION_CODE_TTL": "600"}
    if redis_url:
        env["TUATON_REDIS_URL"] = redis_url
        env["TUATON_REDIS_PREFIX"] = "tuaton-bench:"
    server = start(port, workers, env)
    try:
        base = f"http://127.0.0.1:{port}"
        results = {"setup": name, **asyncio.run(load(base, client_id, secret, personas, seconds, server.pid))}
        results["wrk_static_gets"] = wrk_gets(base, seconds)
        return results
    finally:
        server.terminate()
        server.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="per load scenario")
    parser.add_argument("--citizens", type=int, default=1_000_000, help="for the seed benchmark")
    parser.add_argument("--only", choices=["seed", "sqlite", "postgres"], action="append")
    args = parser.parse_args()
    only = set(args.only or ["seed", "sqlite", "postgres"])
    VAR.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
                                f"Python {platform.python_version()}", "argon2": "argon2id m=19456 KiB t=2 p=1"}
    if "seed" in only:
        results["seed"] = bench_seed(args.citizens)
        print(json.dumps(results["seed"]), flush=True)
    if "sqlite" in only:
        path = VAR / "tuaton.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        results["sqlite_1_process"] = scenario("SQLite, in-process store, 1 process", f"sqlite:///{path}", None, 1,
                                               args.seconds)
        print(json.dumps(results["sqlite_1_process"]), flush=True)
    if "postgres" in only:
        import psycopg
        with psycopg.connect(PG_ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS tuaton_bench")
            conn.execute("CREATE DATABASE tuaton_bench")
        RedisStore(REDIS, "tuaton-bench:").flush_prefix()
        results["postgres_redis_2_processes"] = scenario("PostgreSQL + Redis, 2 processes", PG_BENCH, REDIS, 2,
                                                         args.seconds)
        print(json.dumps(results["postgres_redis_2_processes"]), flush=True)
    (VAR / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
