"""The hot path in one process, without HTTP: the CPU one token, refresh, userinfo or sign-in costs
inside Tuaton's ASGI application, and where it goes (cProfile, timed in CPU seconds so that waits
for the database are left out).

    .venv/bin/python bench/hotpath.py                       # every operation, CPU µs/op
    .venv/bin/python bench/hotpath.py --op refresh --profile  # and the top of the profile
    .venv/bin/python bench/hotpath.py --postgres            # on PostgreSQL + Redis
    .venv/bin/python bench/hotpath.py --postgres --database tuaton_country --personas 64
                                                            # on a registry seeded by bench/country.py,
                                                            # citizens drawn from all of it

`make bench` measures the server over loopback beside oidc-provider; this is the tool to see what a
change to the hot path does before running that (the figures leave out uvicorn's HTTP parsing, which
the two compare on equal terms). Requests are sent one at a time straight to the ASGI application.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.peers import REDIRECT, Tuaton  # noqa: E402
from bench.run import PG_BENCH, REDIS, enrol  # noqa: E402

from tuaton.oidc.clients import Clients  # noqa: E402
from tuaton.registry.sampling import sample_personas  # noqa: E402
from tuaton.registry.seeding import population_size, seed_population  # noqa: E402
from tuaton.settings import Settings  # noqa: E402
from tuaton.storage.db import Database  # noqa: E402
from tuaton.web import create_app  # noqa: E402

VAR = ROOT / "var" / "bench"
ISSUER = "http://hotpath.test"


async def asgi(app, method: str, path: str, *, headers: dict[str, str] | None = None,
               body: bytes = b"") -> tuple[int, bytes]:
    """One request straight into the ASGI application; its status code and body."""
    path, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
             "root_path": "", "server": ("hotpath.test", 80), "client": ("127.0.0.1", 50000),
             "headers": [(b"host", b"hotpath.test"), *((k.lower().encode(), v.encode())
                                                        for k, v in (headers or {}).items())]}
    sent = False
    status = 0

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    chunks: list[bytes] = []

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def inline_threadpool() -> None:
    """cProfile sees one thread: run the endpoints' blocking work inline while profiling."""
    async def inline(func, *args, **kwargs):
        return func(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("tuaton") and getattr(module, "run_in_threadpool", None) is not None:
            module.run_in_threadpool = inline


def form(data: dict[str, str]) -> bytes:
    return urlencode(data).encode()


def spread_personas(database: Database, count: int) -> list[dict]:
    """``count`` citizens drawn from the whole registry (a sample of its pages), not its first rows."""
    import datetime as dt
    import random

    from sqlalchemy import select, text

    from tuaton.registry.models import CardState, Citizen, IdCard, LifeStatus
    from tuaton.registry.sampling import persona

    with database.reading() as session:
        pids = [row[0] for row in session.execute(text("SELECT pid FROM citizens TABLESAMPLE SYSTEM (1) LIMIT 5000"))]
        random.Random(7).shuffle(pids)
        rows = session.execute(select(Citizen, IdCard).join(IdCard, IdCard.pid == Citizen.pid).where(
            Citizen.pid.in_(pids[:count * 4]), Citizen.life_status == LifeStatus.ALIVE,
            IdCard.state == CardState.ACTIVE, IdCard.expires_on > dt.date.today(),
            Citizen.birth_date < dt.date(dt.date.today().year - 20, 1, 1))).all()
    return [persona(c, k) for c, k in rows[:count]]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--op", choices=["exchange", "refresh", "userinfo", "signin"], action="append")
    parser.add_argument("--n", type=int, default=300, help="requests per operation")
    parser.add_argument("--profile", action="store_true", help="cProfile each operation, print the top")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis instead of SQLite")
    parser.add_argument("--database", help="an existing PostgreSQL database to use as it is (with --postgres)")
    parser.add_argument("--personas", type=int, default=16, help="citizens signing in, drawn from the whole "
                        "registry with --database")
    args = parser.parse_args()
    ops = args.op or ["exchange", "refresh", "userinfo", "signin"]
    VAR.mkdir(parents=True, exist_ok=True)
    common = {"issuer": ISSUER, "audit_seal_seconds": 0, "authorization_code_ttl": 3600,
              "passcode_key_file": str(VAR / "passcode-keys.json")}
    if args.postgres and args.database:
        settings = Settings(database_url=PG_BENCH.rsplit("/", 1)[0] + "/" + args.database, redis_url=REDIS,
                            redis_prefix="tuaton-hotpath:", **common)
    elif args.postgres:
        import psycopg
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS tuaton_bench")
            conn.execute("CREATE DATABASE tuaton_bench")
        settings = Settings(database_url=PG_BENCH, redis_url=REDIS, redis_prefix="tuaton-hotpath:", **common)
    else:
        path = VAR / "hotpath.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        settings = Settings(database_url=f"sqlite:///{path}", **common)
    db = Database(settings)
    db.create_schema()
    if not args.database:
        seed_population(db, 2000, processes=1)
    created = Clients(db).create(name_en="Hot path", redirect_uris=[REDIRECT], scopes=["openid", "pid", "name"])
    personas = spread_personas(db, args.personas) if args.database else sample_personas(db, args.personas)
    print(f"{len(personas)} citizens signing in, from a registry of {population_size(db):,}", flush=True)
    db.dispose()
    app = create_app(settings)
    if args.profile:
        inline_threadpool()
    client_id, secret = created.client.client_id, created.client_secret
    basic = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    token_headers = {"authorization": basic, "content-type": "application/x-www-form-urlencoded"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
        devices = [await enrol(http, p) for p in personas]
        op = Tuaton(ISSUER, client_id, secret, devices)
        wanted = args.n if {"exchange", "refresh", "userinfo"} & set(ops) else 0
        codes = [await op.signin_to_code(http, i) for i in range(wanted)]

    async def exchange(i: int) -> None:
        code, verifier = codes[i]
        status, answer = await asgi(app, "POST", "/oauth2/token", headers=token_headers, body=form({
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}))
        assert status == 200, answer
        issued.append(json.loads(answer))

    issued: list[dict] = []
    chain: list[str] = []

    async def refresh(i: int) -> None:
        status, answer = await asgi(app, "POST", "/oauth2/token", headers=token_headers, body=form({
            "grant_type": "refresh_token", "refresh_token": chain[0]}))
        assert status == 200, answer
        chain[0] = json.loads(answer)["refresh_token"]

    async def userinfo(i: int) -> None:
        status, answer = await asgi(app, "GET", "/oauth2/userinfo",
                            headers={"authorization": f"Bearer {issued[i % len(issued)]['access_token']}"})
        assert status == 200, answer

    async def signin(i: int) -> None:
        async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
            await Tuaton(ISSUER, client_id, secret, devices).signin_to_code(http, i)

    jobs = {"exchange": exchange, "refresh": refresh, "userinfo": userinfo, "signin": signin}
    if "exchange" not in ops and {"refresh", "userinfo"} & set(ops):
        for i in range(len(codes)):
            await exchange(i)
    for name in ["exchange", "refresh", "userinfo", "signin"]:
        if name not in ops:
            continue
        if name == "refresh":
            chain[:] = [issued[0]["refresh_token"]]
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        n = args.n if name != "signin" else max(args.n // 4, 20)
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for i in range(n):
            await jobs[name](i)
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        note = " (sign-in to the code, with the driver's own httpx and ES256 signing)" if name == "signin" else ""
        print(f"{name:9s} {cpu * 1e6 / n:8.0f} µs CPU/op  {wall * 1e6 / n:8.0f} µs wall/op  n={n}{note}", flush=True)
        if profiler:
            profiler.dump_stats(str(VAR / f"hotpath-{name}.prof"))
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    asyncio.run(main())
