"""Short-lived shared state: sign-in transactions, authorization codes, tokens, counters.

A small Protocol with two implementations: in-process (one process, the laptop default) and Redis
(many processes). Values are JSON objects; every key has a time to live.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

import orjson
import redis


def _dump(value: dict[str, Any]) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


class EphemeralStore(Protocol):
    def put(self, key: str, value: dict[str, Any], ttl: float) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds, replacing what was there."""

    def add(self, key: str, value: dict[str, Any], ttl: float) -> bool:
        """Store ``value`` only if ``key`` is absent; True when this call stored it."""

    def get(self, key: str) -> dict[str, Any] | None:
        """The value, or None when absent or expired."""

    def take(self, key: str) -> dict[str, Any] | None:
        """Atomically read and delete: of many concurrent callers, one gets the value."""

    def delete(self, key: str) -> None: ...

    def incr(self, key: str, ttl: float, by: int = 1) -> int:
        """Add ``by`` to a counter (created with ``ttl``) and return the new count."""

    def ping(self) -> bool: ...

    def remembers_since(self) -> float:
        """Since when (epoch seconds) this store has kept what it was given: single-use values
        (device-request nonces, client-assertion ``jti``) are checked against it, so a request made
        before the store lost its memory (a restart) cannot be replayed after it."""


#: How long a Redis store's "remembers since" mark lives; it is written again when absent.
MEMORY_MARK_SECONDS = 400 * 24 * 3600
#: How long one process trusts the mark it read (a replay must arrive within this of a restart).
MEMORY_MARK_CACHE_SECONDS = 1.0
#: The mark is written when it is first needed, so a request signed a moment before (the first
#: one after a restart, or after a second boundary) would fall before it: that much is allowed.
MEMORY_MARK_GRACE_SECONDS = 2


def made_before_memory(store: EphemeralStore, made_at: float) -> bool:
    """Whether something made at ``made_at`` (epoch seconds) predates what ``store`` remembers, so
    its single-use value may have been used and forgotten (the grace aside)."""
    return made_at < store.remembers_since() - MEMORY_MARK_GRACE_SECONDS


class MemoryStore:
    """In-process store for a single process: tests, the laptop demo."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._writes = 0
        self._since = float(int(time.time()))      # whole seconds, as JWT times are

    def _live(self, key: str) -> Any | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[0] <= time.monotonic():
            del self._data[key]
            return None
        return item[1]

    def _purge(self) -> None:
        self._writes += 1
        if self._writes % 1024 == 0:
            now = time.monotonic()
            for key in [k for k, (exp, _) in self._data.items() if exp <= now]:
                del self._data[key]

    def put(self, key: str, value: dict[str, Any], ttl: float) -> None:
        with self._lock:
            self._purge()
            self._data[key] = (time.monotonic() + ttl, _dump(value))

    def add(self, key: str, value: dict[str, Any], ttl: float) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._purge()
            self._data[key] = (time.monotonic() + ttl, _dump(value))
            return True

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            raw = self._live(key)
        return None if raw is None else orjson.loads(raw)

    def take(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            raw = self._live(key)
            self._data.pop(key, None)
        return None if raw is None else orjson.loads(raw)

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def incr(self, key: str, ttl: float, by: int = 1) -> int:
        with self._lock:
            count = (self._live(key) or 0) + by
            expiry = self._data[key][0] if count > by else time.monotonic() + ttl
            self._data[key] = (expiry, count)
            return count

    def ping(self) -> bool:
        return True

    def remembers_since(self) -> float:
        return self._since


class RedisStore:
    """Redis-backed store shared by every process of an installation."""

    def __init__(self, url: str, prefix: str = "tuaton:") -> None:
        # Bytes straight to orjson (no decoding to str first); replies parsed by hiredis (C).
        self._redis = redis.Redis.from_url(url, health_check_interval=30)
        self._prefix = prefix
        self._mark: tuple[float, float] | None = None     # (read at, since)

    def _k(self, key: str) -> str:
        return self._prefix + key

    def put(self, key: str, value: dict[str, Any], ttl: float) -> None:
        self._redis.set(self._k(key), _dump(value), px=max(1, int(ttl * 1000)))

    def add(self, key: str, value: dict[str, Any], ttl: float) -> bool:
        return bool(self._redis.set(self._k(key), _dump(value), px=max(1, int(ttl * 1000)), nx=True))

    def get(self, key: str) -> dict[str, Any] | None:
        raw = self._redis.get(self._k(key))
        return None if raw is None else orjson.loads(raw)

    def take(self, key: str) -> dict[str, Any] | None:
        raw = self._redis.getdel(self._k(key))
        return None if raw is None else orjson.loads(raw)

    def delete(self, key: str) -> None:
        self._redis.delete(self._k(key))

    def incr(self, key: str, ttl: float, by: int = 1) -> int:
        pipe = self._redis.pipeline()
        pipe.incrby(self._k(key), by)
        pipe.pexpire(self._k(key), max(1, int(ttl * 1000)), nx=True)
        count, _ = pipe.execute()
        return int(count)

    def ping(self) -> bool:
        try:
            return bool(self._redis.ping())
        except redis.RedisError:
            return False

    def remembers_since(self) -> float:
        """A mark in Redis, written (if absent) with the time it is first needed: after Redis loses
        its data, the first process to look writes a new one."""
        now = time.monotonic()
        if self._mark is not None and now - self._mark[0] < MEMORY_MARK_CACHE_SECONDS:
            return self._mark[1]
        key = self._k("remembers-since")
        self._redis.set(key, str(int(time.time())), ex=MEMORY_MARK_SECONDS, nx=True)   # whole seconds
        since = float(self._redis.get(key) or time.time())
        self._mark = (now, since)
        return since

    def flush_prefix(self) -> None:
        """Delete every key of this installation (tests)."""
        keys = list(self._redis.scan_iter(match=self._prefix + "*", count=1000))
        if keys:
            self._redis.delete(*keys)


def make_store(redis_url: str | None, prefix: str = "tuaton:") -> EphemeralStore:
    return RedisStore(redis_url, prefix) if redis_url else MemoryStore()
