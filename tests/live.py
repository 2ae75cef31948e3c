"""Real servers on loopback for the tests that need them: uvicorn in a thread, or `tuaton serve`
in its own process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import httpx
import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in {timeout}s")


@contextmanager
def thread_server(app, port: int):
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("server thread died")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def process_server(port: int, env: dict[str, str]):
    """`tuaton serve` as a separate OS process, as production runs it."""
    process = subprocess.Popen([sys.executable, "-m", "tuaton.cli", "serve", "--port", str(port)],
                               env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_up(url + "/healthz")
        except RuntimeError:
            process.kill()
            raise RuntimeError(process.stderr.read().decode()[-2000:]) from None
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def live_tuaton(settings, database, **overrides):
    """Tuaton served for real on a loopback port, on the test's database and a store of the test's
    backend; yields (issuer, services, app)."""
    from tuaton.services import build_services
    from tuaton.storage.ephemeral import MemoryStore, RedisStore
    from tuaton.web import create_app

    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    store = RedisStore(settings.redis_url, settings.redis_prefix) if settings.redis_url else MemoryStore()
    system = build_services(settings.model_copy(update={"issuer": issuer, **overrides}), database=database,
                            store=store, migrate=False)
    app = create_app(services=system)
    with thread_server(app, port):
        yield issuer, system, app
