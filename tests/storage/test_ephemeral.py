"""Both ephemeral stores keep the same promises (Redis only where it is reachable)."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import redis_url_or_skip
from tuaton.storage.ephemeral import MemoryStore, RedisStore


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        return MemoryStore()
    redis_store = RedisStore(redis_url_or_skip(), "tuaton-test-store:")
    redis_store.flush_prefix()
    return redis_store


def test_put_get_and_expiry(store):
    store.put("k", {"a": 1}, 0.3)
    assert store.get("k") == {"a": 1}
    time.sleep(0.45)
    assert store.get("k") is None


def test_add_only_when_absent(store):
    assert store.add("k", {"v": 1}, 10)
    assert not store.add("k", {"v": 2}, 10)
    assert store.get("k") == {"v": 1}


def test_take_gives_the_value_to_exactly_one_caller(store):
    store.put("code", {"grant": "g"}, 10)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: store.take("code"), range(16)))
    assert results.count({"grant": "g"}) == 1 and results.count(None) == 15


def test_counter_counts_and_expires(store):
    assert [store.incr("n", 0.3) for _ in range(3)] == [1, 2, 3]
    time.sleep(0.45)
    assert store.incr("n", 10) == 1


def test_delete_and_ping(store):
    store.put("k", {}, 10)
    store.delete("k")
    assert store.get("k") is None and store.ping()


def test_redis_keys_carry_the_installation_prefix():
    url = redis_url_or_skip()
    a, b = RedisStore(url, "tuaton-a:"), RedisStore(url, "tuaton-b:")
    a.flush_prefix()
    b.flush_prefix()
    a.put("same", {"who": "a"}, 10)
    assert b.get("same") is None and a.get("same") == {"who": "a"}
    a.flush_prefix()


def test_the_store_says_since_when_it_remembers_and_a_lost_memory_starts_again(store):
    since = store.remembers_since()
    assert since <= time.time() and since == int(since)
    assert store.remembers_since() == since                   # the same until the store forgets
    time.sleep(1.1)
    if isinstance(store, RedisStore):
        store.flush_prefix()                                  # Redis restarted without its data
        assert store.remembers_since() > since
    else:
        assert MemoryStore().remembers_since() > since        # a new process
