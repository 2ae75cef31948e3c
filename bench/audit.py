"""Audit writes per second: two processes × 8 threads, each event in its own transaction, on a fresh
PostgreSQL database (`bench/audit.py [--seconds N]`; bounded in time, loopback only). Run it against
another checkout's `src` with PYTHONPATH to compare (BENCHMARKS.md: before and after the sealed trail)."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import threading
import time

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql+psycopg://postgres@127.0.0.1:5432/tuaton_audit_bench"


def writer(seconds: float, threads: int, out) -> None:
    from tuaton.audit.trail import record
    from tuaton.settings import Settings
    from tuaton.storage.db import Database

    db = Database(Settings(database_url=PG_BENCH))
    counts = [0] * threads
    deadline = time.perf_counter() + seconds

    def loop(n: int) -> None:
        while time.perf_counter() < deadline:
            with db.transaction() as session:
                record(session, "bench.event", client_id="bench", n=counts[n])
            counts[n] += 1

    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put(sum(counts))


def main() -> None:
    import psycopg

    from tuaton.settings import Settings
    from tuaton.storage.db import Database

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS tuaton_audit_bench")
        conn.execute("CREATE DATABASE tuaton_audit_bench")
    Database(Settings(database_url=PG_BENCH)).create_schema()
    queue = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=writer, args=(args.seconds, 8, queue)) for _ in range(2)]
    for p in processes:
        p.start()
    total = sum(queue.get() for _ in processes)
    for p in processes:
        p.join()
    print(json.dumps({"audit_writes_per_second": round(total / args.seconds), "events": total,
                      "processes": 2, "threads_each": 8}))


if __name__ == "__main__":
    main()
