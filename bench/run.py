"""`make bench`: Tuaton's throughput on this machine, against real servers on loopback.

Scenarios (each bounded in time and requests, loopback only):
  seed        1,000,000 synthetic citizens into a fresh SQLite file
  peer        the same operations against panva's oidc-provider (bench/peer/, npm ci from its lockfile)
  signin      full sign-ins end to end, 16 concurrent: authorize → app reads + approves (ES256 signature,
              the production passcode verifier) → the browser's status → code exchange → userinfo
  exchange    authorization-code exchanges alone (codes made beforehand)
  refresh     refresh_token grants (each of 16 chains rotates its token)
  userinfo    userinfo GETs with access tokens made beforehand
  discovery   GETs of /.well-known/openid-configuration and the JWKS under wrk (32 connections)
on SQLite with one process, and on PostgreSQL + Redis with two worker processes, each as server CPU per
operation read from /proc (all server processes), throughput and p50/p99, with the ratio Tuaton / peer;
the table replaces the side-by-side section of BENCHMARKS.md.
The load generator runs on the same 2 cores as the servers, so the numbers are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
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

from bench.peers import PASSCODE, REDIRECT, Device, Tuaton, start_peer  # noqa: E402
from tests.live import free_port, wait_until_up  # noqa: E402

from tuaton.identity.devices import sign_request  # noqa: E402
from tuaton.oidc.clients import Clients  # noqa: E402
from tuaton.registry.sampling import sample_personas  # noqa: E402
from tuaton.registry.seeding import seed_population  # noqa: E402
from tuaton.settings import Settings  # noqa: E402
from tuaton.storage.db import Database  # noqa: E402
from tuaton.storage.ephemeral import RedisStore  # noqa: E402

VAR = ROOT / "var" / "bench"
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


async def run_for(server_pid: int, clients: list[httpx.AsyncClient], seconds: float, job,
                  limit: int = 100_000) -> dict:
    """Run ``job(http, i)`` on every client concurrently until ``seconds`` pass or ``limit`` jobs
    started; report throughput, p50/p99 and the server's own CPU per completed job."""
    done = errors = 0
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    concurrency = len(clients)
    first_error: list[str] = []

    async def worker(n: int) -> None:
        nonlocal done, errors
        i = n
        while time.perf_counter() < deadline and i < limit:
            t = time.perf_counter()
            try:
                await job(clients[n], i)
                done += 1
                latencies.append(time.perf_counter() - t)
            except Exception as exc:  # noqa: BLE001 - counted
                errors += 1
                first_error[:] = first_error or [f"{type(exc).__name__}: {exc}"[:200]]
            i += concurrency

    cpu_before = server_cpu_seconds(server_pid)
    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    cpu = server_cpu_seconds(server_pid) - cpu_before
    latencies.sort()
    p = (lambda q: round(latencies[int(q * (len(latencies) - 1))] * 1000, 1)) if latencies else (lambda q: None)
    return {"per_second": round(done / elapsed, 1), "completed": done, "errors": errors,
            "p50_ms": p(0.5), "p99_ms": p(0.99), "seconds": round(elapsed, 1), "concurrency": concurrency,
            "server_cpu_ms_per_op": round(cpu * 1000 / max(done, 1), 3), **({"first_error": first_error[0]}
                                                                             if first_error else {})}


async def measure(op, server_pid: int, seconds: float, concurrency: int = 16) -> dict:
    """The same driver for either provider: full sign-ins, then code exchange, refresh and userinfo
    alone (codes and tokens made beforehand)."""
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    clients = [httpx.AsyncClient(base_url=op.base, timeout=60, limits=limits) for _ in range(concurrency)]
    try:
        async def token(http, code_verifier) -> dict:
            code, verifier = code_verifier
            response = await http.post(op.token_path, auth=op.client, data={
                "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                "code_verifier": verifier})
            response.raise_for_status()
            return response.json()

        async def userinfo(http, access_token: str) -> None:
            (await http.get(op.userinfo_path, headers={"Authorization": f"Bearer {access_token}"})).raise_for_status()

        async def full(http, i: int) -> None:
            tokens = await token(http, await op.signin_to_code(http, i))
            await userinfo(http, tokens["access_token"])

        results = {"full_signin": await run_for(server_pid, clients, seconds, full)}

        codes: list = []

        async def make_code(http, i: int) -> None:
            codes.append(await op.signin_to_code(http, i))

        await run_for(server_pid, clients, 120, make_code, limit=400)
        issued: list[dict] = []

        async def exchange(http, i: int) -> None:
            issued.append(await token(http, codes[i]))

        results["code_exchange"] = await run_for(server_pid, clients, seconds, exchange, limit=len(codes))
        chains = [t["refresh_token"] for t in issued[:concurrency]]

        async def refresh(http, i: int) -> None:
            n = i % concurrency
            response = await http.post(op.token_path, auth=op.client, data={
                "grant_type": "refresh_token", "refresh_token": chains[n]})
            response.raise_for_status()
            chains[n] = response.json()["refresh_token"]

        if len(chains) == concurrency:
            results["refresh"] = await run_for(server_pid, clients, seconds, refresh)
        access = [t["access_token"] for t in issued]

        async def read_userinfo(http, i: int) -> None:
            await userinfo(http, access[i % len(access)])

        results["userinfo"] = await run_for(server_pid, clients, seconds, read_userinfo)
        return results
    finally:
        for client in clients:
            await client.aclose()


def wrk_gets(op, server_pid: int, seconds: float, connections: int = 32) -> dict:
    """Static GETs under wrk (Debian package): the Python client cannot load a server this hard."""
    if not shutil.which("wrk"):
        return {}
    out = {}
    for name, path in (("discovery", op.discovery_path), ("jwks", op.jwks_path)):
        cpu_before = server_cpu_seconds(server_pid)
        text = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{int(seconds)}s", "--latency", op.base + path],
                              capture_output=True, text=True, timeout=seconds + 30).stdout
        cpu = server_cpu_seconds(server_pid) - cpu_before
        rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
        total = re.search(r"(\d+) requests in", text)
        p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)   # the latency distribution lines
        p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
        requests = int(total.group(1)) if total else 0
        out[name] = {"per_second": float(rate.group(1)) if rate else None, "completed": requests,
                     "p50": p50.group(1) if p50 else None, "p99": p99.group(1) if p99 else None,
                     "connections": connections,
                     "server_cpu_ms_per_op": round(cpu * 1000 / max(requests, 1), 4)}
    return out


def tuaton_scenario(name: str, database_url: str, redis_url: str | None, workers: int, seconds: float) -> dict:
    client_id, secret, personas = prepare(database_url, 10_000)
    port = free_port()
    env = {"TUATON_DATABASE_URL": database_url, "TUATON_ISSUER": f"http://127.0.0.1:{port}",
           "TUATON_AUTHORIZATION_CODE_TTL": "600", "TUATON_PASSCODE_KEY_FILE": str(VAR / "passcode-keys.json")}
    if redis_url:
        env["TUATON_REDIS_URL"] = redis_url
        env["TUATON_REDIS_PREFIX"] = "tuaton-bench:"
    server = start(port, workers, env)
    profiler = None
    if os.environ.get("BENCH_PROFILE"):   # py-spy over the whole run: var/bench/profile-<setup>.txt
        out = VAR / f"profile-{'sqlite' if redis_url is None else 'postgres'}.txt"
        py_spy = str(Path(sys.executable).parent / "py-spy")
        profiler = subprocess.Popen([py_spy, "record", "--subprocesses", "--nonblocking", "-r", "200", "-f", "raw",
                                     *(["--gil"] if os.environ["BENCH_PROFILE"] == "gil" else []),
                                     "-o", str(out), "-p", str(server.pid)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"

        async def go() -> dict:
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                devices = [await enrol(http, p) for p in personas[:32]]
            return await measure(Tuaton(base, client_id, secret, devices), server.pid, seconds)

        results = {"setup": name, **asyncio.run(go())}
        results.update(wrk_gets(Tuaton(base, client_id, secret, []), server.pid, seconds))
        return results
    finally:
        if profiler:
            profiler.send_signal(2)
            profiler.wait(30)
        server.terminate()
        server.wait(20)


def peer_scenario(seconds: float) -> dict:
    process, peer = start_peer()
    try:
        results = {"setup": "oidc-provider 9.13.3, in-memory, 1 Node.js process",
                   **asyncio.run(measure(peer, process.pid, seconds))}
        results.update(wrk_gets(peer, process.pid, seconds))
        return results
    finally:
        process.terminate()
        process.wait(20)


OPERATIONS = ("full_signin", "code_exchange", "refresh", "userinfo", "discovery", "jwks")


def ratio_table(results: dict) -> str:
    """Markdown: server CPU per operation, throughput, p50/p99, and the ratio Tuaton / peer."""
    peer = results.get("peer", {})
    setups = [k for k in ("sqlite_1_process", "postgres_redis_2_processes") if k in results]
    lines = ["| operation | oidc-provider: CPU ms/op (ops/s, p50/p99) | "
             + " | ".join(f"Tuaton {results[k]['setup']}: CPU ms/op (ops/s, p50/p99) | ratio" for k in setups) + " |",
             "| --- | --- |" + " --- | --- |" * len(setups)]

    def cell(entry: dict | None) -> str:
        if not entry:
            return "—"
        p50 = entry.get("p50_ms", entry.get("p50"))
        p99 = entry.get("p99_ms", entry.get("p99"))
        unit = " ms" if "p50_ms" in entry else ""
        return f"{entry['server_cpu_ms_per_op']} ({entry['per_second']}/s, {p50}/{p99}{unit})"

    for op in OPERATIONS:
        row = [op, cell(peer.get(op))]
        for k in setups:
            mine = results[k].get(op)
            row.append(cell(mine))
            if mine and peer.get(op) and peer[op]["server_cpu_ms_per_op"]:
                row.append(f"**{mine['server_cpu_ms_per_op'] / peer[op]['server_cpu_ms_per_op']:.2f}×**")
            else:
                row.append("—")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def write_benchmarks_section(results: dict, command: str) -> None:
    """Replace the side-by-side section of BENCHMARKS.md (between its markers) with this run."""
    path = ROOT / "BENCHMARKS.md"
    begin, end = "<!-- side-by-side:begin -->", "<!-- side-by-side:end -->"
    body = (f"{begin}\n**Run:** {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, `{command}`, "
            f"{results['machine']}; passcode verifier: {results['passcode_verifier']}.\n\n"
            f"{ratio_table(results)}\n{end}")
    text = path.read_text()
    if begin in text and end in text:
        text = text[:text.index(begin)] + body + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n## Side by side with oidc-provider (latest `make bench`)\n\n" + body + "\n"
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="per load scenario")
    parser.add_argument("--citizens", type=int, default=1_000_000, help="for the seed benchmark")
    parser.add_argument("--only", choices=["seed", "peer", "sqlite", "postgres"], action="append")
    parser.add_argument("--no-write", action="store_true", help="leave BENCHMARKS.md as it is")
    args = parser.parse_args()
    only = set(args.only or ["seed", "peer", "sqlite", "postgres"])
    VAR.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    results: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                     "passcode_verifier": f"{settings.passcode_verifier} ({settings.passcode_key_backend} key)"}
    if "seed" in only:
        results["seed"] = bench_seed(args.citizens)
        print(json.dumps(results["seed"]), flush=True)
    if "peer" in only:
        results["peer"] = peer_scenario(args.seconds)
        print(json.dumps(results["peer"]), flush=True)
    if "sqlite" in only:
        path = VAR / "tuaton.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        results["sqlite_1_process"] = tuaton_scenario("SQLite, 1 process", f"sqlite:///{path}", None, 1,
                                                      args.seconds)
        print(json.dumps(results["sqlite_1_process"]), flush=True)
    if "postgres" in only:
        import psycopg
        with psycopg.connect(PG_ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS tuaton_bench")
            conn.execute("CREATE DATABASE tuaton_bench")
        RedisStore(REDIS, "tuaton-bench:").flush_prefix()
        results["postgres_redis_2_processes"] = tuaton_scenario("PostgreSQL + Redis, 2 processes", PG_BENCH, REDIS,
                                                                2, args.seconds)
        print(json.dumps(results["postgres_redis_2_processes"]), flush=True)
    (VAR / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(ratio_table(results))
    if "peer" in only and not args.no_write:
        command = "make bench" if only == {"seed", "peer", "sqlite", "postgres"} and args.seconds == 15 else \
            "python bench/run.py " + " ".join(sys.argv[1:])
        write_benchmarks_section(results, command)


if __name__ == "__main__":
    main()
