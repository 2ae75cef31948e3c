"""The relational database: one schema for a laptop (SQLite, WAL) and a country (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import orjson
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

from tuaton.settings import Settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _json_text(value) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


#: JSON columns (scopes, claims, audit details) through orjson: several per token request.
_JSON = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.startswith("sqlite"):
        settings.ensure_var_dir()
        kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": 30}, **_JSON}
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            kwargs["poolclass"] = StaticPool
        else:
            kwargs["pool_size"] = 16
            kwargs["max_overflow"] = 16
        engine = create_engine(url, **kwargs)
        _tune_sqlite(engine)
        return engine
    # No pool_pre_ping: it is a round trip on every checkout (three per refresh). A connection that
    # PostgreSQL dropped fails its request with a 503 (web.py) and SQLAlchemy invalidates the pool,
    # so the next requests connect afresh.
    # Behind PgBouncer in transaction mode a server connection serves another client after each
    # transaction, so psycopg must not keep server-side prepared statements.
    connect_args = {"prepare_threshold": None} if settings.database_pooler else {}
    return create_engine(url, pool_size=16, max_overflow=16, pool_recycle=1800, connect_args=connect_args, **_JSON)


def _tune_sqlite(engine: Engine) -> None:
    """WAL, and BEGIN IMMEDIATE for every transaction.

    A deferred SQLite transaction that reads and then writes fails with SQLITE_BUSY when another
    connection committed in between; taking the write lock at BEGIN makes writers queue instead
    (busy timeout) while readers in WAL mode are never blocked.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised on every connect
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        options = connection.get_execution_options()
        if options.get("tuaton_autocommit"):
            return          # reads and one_statement(): each statement is its own transaction
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """The engine and a session factory; ``transaction()`` commits or rolls back as a whole."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self._write_lock = threading.RLock() if settings.is_sqlite else nullcontext()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Reads, and writes of one statement, run in autocommit: no BEGIN and COMMIT around them
        # (round trips on PostgreSQL). Each statement sees the newest committed data on its own,
        # as in PostgreSQL's READ COMMITTED. On SQLite the driver is always in autocommit (BEGIN
        # is ours, in _on_begin), so the option only tells _on_begin to send none: SQLAlchemy's
        # AUTOCOMMIT level there costs a PRAGMA on every check-in.
        no_transaction = ({"tuaton_autocommit": True} if settings.is_sqlite
                          else {"tuaton_autocommit": True, "isolation_level": "AUTOCOMMIT"})
        self._read_engine = self.engine.execution_options(**no_transaction)
        self._autocommit_engine = self.engine.execution_options(**no_transaction)
        self._read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A read-write transaction: all of it commits, or none of it.

        On SQLite, writers of one process queue on a lock here rather than in SQLite's busy
        handler, which sleeps and retries with growing pauses (up to 100 ms each): under 16
        concurrent sign-ins that handler made the p99 latency 20–40× the p50."""
        with self._write_lock, self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """Reads, never writes: each statement in autocommit sees the newest committed data (no
        snapshot across statements, as PostgreSQL's READ COMMITTED); never queues behind writers."""
        with self._read_sessions() as session, session.begin():
            yield session

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """``transaction()`` without the ORM: SQLAlchemy Core on one connection, for the hot paths
        (token, refresh, userinfo, the sign-in's decision), where the unit of work and row
        instances cost more than the statements themselves."""
        with self._write_lock, self.engine.begin() as connection:
            yield connection

    @contextmanager
    def one_statement(self) -> Iterator[Connection]:
        """For a write that is a single statement (an audit event on its own): in autocommit, the
        statement is its own transaction, without BEGIN and COMMIT round trips on PostgreSQL."""
        with self._write_lock, self._autocommit_engine.connect() as connection:
            yield connection

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """``reading()`` without the ORM."""
        with self._read_engine.connect() as connection, connection.begin():
            yield connection

    def create_schema(self) -> None:
        """Bring the schema to the newest migration."""
        from tuaton.storage.migrate import upgrade

        upgrade(self)

    def dispose(self) -> None:
        self.engine.dispose()
