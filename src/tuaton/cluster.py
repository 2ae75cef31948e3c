"""``make cluster`` / ``tuaton cluster``: a country's layout on one machine, for trying and testing.

HAProxy (Debian's) in front of N ``tuaton serve`` processes, balancing round-robin and health-checking
each on ``/readyz`` every second (a process that stops answering, or whose database or Redis is
down, is taken out of rotation; a refused connection is retried on another process); PgBouncer
(Debian's, transaction pooling) between the processes and PostgreSQL; Redis shared by all. The
schema is migrated straight on PostgreSQL first. Everything listens on loopback only, and stops
on Ctrl-C (or when the ``Cluster`` context ends).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import create_engine, text

from tuaton.registry.seeding import population_size, seed_population
from tuaton.settings import Settings
from tuaton.storage.db import Database


class ClusterError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, seconds: float, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ClusterError(f"{what} exited (status {process.returncode})")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise ClusterError(f"{what} did not listen on port {port} within {seconds:.0f} s")


#: What HAProxy itself answers when no process can (the processes' own errors come from web.py):
#: RFC 9457 problem JSON with Retry-After for the API, a Thai and English page for browsers.
GATEWAY_PROBLEMS = {
    502: ("bad-gateway", "The request was cut off; it may or may not have been carried out",
          "The Tuaton process answering this request stopped. Retry with backoff: a sign-in decision or a "
          "code exchange sent again is answered consistently (it is never carried out twice).",
          "การเชื่อมต่อขาดระหว่างดำเนินการ กรุณาลองใหม่อีกครั้ง (รายการเดิมจะไม่ถูกดำเนินการซ้ำ)"),
    503: ("no-process-available", "Service unavailable",
          "No Tuaton process is ready just now (a restart or a dependency is down); nothing was changed. "
          "Retry with backoff.", "ระบบไม่พร้อมให้บริการชั่วคราว ไม่มีการเปลี่ยนแปลงข้อมูล กรุณาลองใหม่ภายหลัง"),
    504: ("gateway-timeout", "The request took too long",
          "No answer came in time; it may or may not have been carried out. Retry with backoff.",
          "ระบบตอบช้าเกินกำหนด กรุณาลองใหม่อีกครั้ง"),
}
GATEWAY_RETRY_AFTER = 5


def write_gateway_pages(folder: Path) -> Path:
    """The problem JSON files and the browsers' page HAProxy answers with (see haproxy_config)."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    for status, (slug, title, detail, detail_th) in GATEWAY_PROBLEMS.items():
        (folder / f"{status}.json").write_text(json.dumps(
            {"type": f"/docs/problems#{slug}", "title": title, "status": status, "detail": detail,
             "detail_th": detail_th}, ensure_ascii=False))
    (folder / "unavailable.html").write_text(
        '<!doctype html><html lang="th"><head><meta charset="utf-8"><meta name="viewport" '
        'content="width=device-width, initial-scale=1"><title>ตัวตน Tuaton: ไม่พร้อมให้บริการชั่วคราว</title>'
        '</head><body><main><h1>ระบบไม่พร้อมให้บริการชั่วคราว</h1><p>กรุณาลองใหม่ในอีกสักครู่ '
        'ไม่มีการเปลี่ยนแปลงข้อมูลของท่าน</p><h2 lang="en">Temporarily unavailable</h2><p lang="en">Please try '
        'again in a moment; nothing of yours was changed.</p></main></body></html>\n')
    return folder


def haproxy_config(port: int, backends: list[int], pages: Path | None = None) -> str:
    """HAProxy's configuration; with ``pages`` (write_gateway_pages), its own answers are problem
    JSON, or a Thai and English page for a browser when no process is up."""
    servers = "\n".join(f"  server tuaton{i + 1} 127.0.0.1:{p} check" for i, p in enumerate(backends))
    http_errors = browser_page = ""
    if pages is not None:
        retry = f"hdr Retry-After {GATEWAY_RETRY_AFTER}"
        http_errors = "".join(f"  http-error status {status} content-type application/problem+json "
                              f"file {pages / f'{status}.json'} {retry}\n" for status in GATEWAY_PROBLEMS)
        browser_page = (f'  http-request return status 503 content-type "text/html; charset=utf-8" '
                        f"file {pages / 'unavailable.html'} {retry} "
                        f"if {{ nbsrv(processes) lt 1 }} {{ req.hdr(accept) -m sub text/html }}\n")
    return f"""global
  maxconn 4096

defaults
  mode http
  option forwardfor
  option redispatch
  retries 2
  timeout connect 3s
  timeout client 60s
  # an inactivity limit: the sign-in page's server-sent events send a keep-alive every 15 s
  timeout server 60s
{http_errors}
frontend tuaton
  bind 127.0.0.1:{port}
  http-request set-header X-Forwarded-Proto http
{browser_page}  default_backend processes

backend processes
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 1s fall 2 rise 1
{servers}
"""


def pgbouncer_config(port: int, postgres: str, workdir: Path) -> str:
    parts = urlsplit(postgres.replace("+psycopg", ""))
    return f"""[databases]
* = host={parts.hostname or "127.0.0.1"} port={parts.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {workdir / "userlist.txt"}
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 40
ignore_startup_parameters = extra_float_digits
logfile = {workdir / "pgbouncer.log"}
"""


def _create_database_if_missing(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = create_engine(urlunsplit(parts._replace(path="/postgres")), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


class Cluster:
    """Start with ``with Cluster(settings, processes=2) as cluster``; ``cluster.url`` is HAProxy."""

    def __init__(self, settings: Settings, *, processes: int = 2, port: int | None = None,
                 workdir: Path | None = None) -> None:
        if settings.is_sqlite or not settings.redis_url:
            raise ClusterError("a cluster needs PostgreSQL (TUATON_DATABASE_URL) and Redis (TUATON_REDIS_URL)")
        self._tools = {tool: shutil.which(tool) or "" for tool in ("haproxy", "pgbouncer")}
        for tool, path in self._tools.items():
            if not path:
                raise ClusterError(f"{tool} is not installed (make system installs it from Debian)")
        self.settings = settings
        self.processes = processes
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = (workdir or Path("var") / "cluster").resolve()
        self.backend_ports: list[int] = []
        self.servers: list[subprocess.Popen] = []
        self._others: list[subprocess.Popen] = []
        self._bouncer_dir: Path | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> Cluster:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        # PgBouncer's files in a folder of their own that the postgres user can read (it refuses to
        # run as root, so as root we start it as postgres), removed at stop.
        bouncer_dir = self._bouncer_dir = Path(tempfile.mkdtemp(prefix="tuaton-pgbouncer-"))
        os.chmod(bouncer_dir, 0o755)  # noqa: S103 - readable by the postgres user, holds no secret
        bouncer_port = free_port()
        (bouncer_dir / "userlist.txt").write_text('"postgres" ""\n')
        ini = bouncer_dir / "pgbouncer.ini"
        ini.write_text(pgbouncer_config(bouncer_port, self.settings.database_url, bouncer_dir))
        for name in ("userlist.txt", "pgbouncer.ini"):
            os.chmod(bouncer_dir / name, 0o644)
        log = bouncer_dir / "pgbouncer.log"
        log.touch()
        as_user = []
        if os.geteuid() == 0:                  # PgBouncer refuses to run as root
            shutil.chown(log, user="postgres")
            as_user = ["-u", "postgres"]
        bouncer = subprocess.Popen([self._tools["pgbouncer"], *as_user, str(ini)],  # noqa: S603 - our own arguments
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._others.append(bouncer)
        _wait_for_port(bouncer_port, 15, bouncer, "PgBouncer")

        _create_database_if_missing(self.settings.database_url)
        direct = Database(self.settings)
        direct.create_schema()                       # straight on PostgreSQL, before anyone serves
        if population_size(direct) == 0:
            seed_population(direct, 2000)            # a synthetic population to sign in with
        direct.dispose()
        parts = urlsplit(self.settings.database_url)
        pooled = urlunsplit(parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{bouncer_port}"))
        env = {**os.environ, "TUATON_DATABASE_URL": pooled, "TUATON_DATABASE_POOLER": "true",
               "TUATON_REDIS_URL": self.settings.redis_url, "TUATON_REDIS_PREFIX": self.settings.redis_prefix,
               "TUATON_ISSUER": self.url, "TUATON_PASSCODE_KEY_FILE": str(Path(self.settings.passcode_key_file)
                                                                           .resolve()),
               "FORWARDED_ALLOW_IPS": "127.0.0.1"}
        for _ in range(self.processes):
            port = free_port()
            self.backend_ports.append(port)
            self.servers.append(subprocess.Popen(  # noqa: S603 - our own arguments
                [sys.executable, "-m", "tuaton.cli", "serve", "--port", str(port)], env=env,
                stdout=subprocess.DEVNULL, stderr=open(self.workdir / f"tuaton-{port}.log", "w")))  # noqa: SIM115
        for port, server in zip(self.backend_ports, self.servers, strict=True):
            _wait_for_port(port, 60, server, f"tuaton serve on {port}")

        cfg = self.workdir / "haproxy.cfg"
        cfg.write_text(haproxy_config(self.port, self.backend_ports, write_gateway_pages(self.workdir / "errors")))
        haproxy = subprocess.Popen([self._tools["haproxy"], "-db", "-f", str(cfg)],  # noqa: S603
                                   stdout=subprocess.DEVNULL,
                                   stderr=open(self.workdir / "haproxy.log", "w"))  # noqa: SIM115
        self._others.append(haproxy)
        _wait_for_port(self.port, 15, haproxy, "HAProxy")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise ClusterError("HAProxy did not find a ready process within 30 s")

    def running(self) -> bool:
        """Whether HAProxy and PgBouncer are still up (the cluster is useless without either)."""
        return all(process.poll() is None for process in self._others)

    def kill(self, index: int) -> None:
        """``kill -9`` of one Tuaton process (a fault test)."""
        self.servers[index].send_signal(signal.SIGKILL)
        self.servers[index].wait(10)

    def stop(self) -> None:
        for process in [*self._others[::-1], *self.servers]:
            if process.poll() is None:
                process.terminate()
        for process in [*self._others, *self.servers]:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        if self._bouncer_dir is not None:
            shutil.rmtree(self._bouncer_dir, ignore_errors=True)


def run(settings: Settings, processes: int, port: int) -> None:
    """``make cluster``: start, print the URL, wait for Ctrl-C, stop cleanly."""
    with Cluster(settings, processes=processes, port=port) as cluster:
        print(f"Tuaton: {cluster.url}  (HAProxy → {processes} processes {cluster.backend_ports}; "
              f"PgBouncer → PostgreSQL; Redis {settings.redis_url})", flush=True)
        try:
            while cluster.running():
                time.sleep(1)
        except KeyboardInterrupt:
            print("stopping…", flush=True)
