"""The Redis cache (sessions, counters) against the real Redis: one client per pool, shared."""

from __future__ import annotations

import threading

import pytest
import redis

from civicgrid.core.redis_cache import Cache

URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def cache():
    try:
        redis.Redis.from_url(URL).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    cache = Cache(URL, {"KEY_PREFIX": "test-redis-cache"})
    yield cache
    cache.clear()


def test_values_go_in_and_come_out(cache):
    cache.set("session", {"user": 7}, 30)
    assert cache.get("session") == {"user": 7}
    assert cache.add("session", "other") is False  # taken: add changes nothing
    cache.delete("session")
    assert cache.get("session", "gone") == "gone"


def test_every_call_uses_the_same_client(cache):
    first = cache._cache.get_client("a", write=True)
    assert cache._cache.get_client("b", write=True) is first
    assert cache._cache.get_client("c") is first  # one server: reads and writes share a pool


def test_threads_share_the_client_safely(cache):
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                cache.set(f"k{n}-{i}", i, 30)
                assert cache.get(f"k{n}-{i}") == i
        except BaseException as exc:  # pragma: no cover - only on failure
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert cache.get_many([f"k{n}-49" for n in range(4)]) == {f"k{n}-49": 49 for n in range(4)}
