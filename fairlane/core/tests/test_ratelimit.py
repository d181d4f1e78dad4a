from __future__ import annotations

import os
import threading
import time
from unittest import mock

import pytest
from django.core.cache import cache

from fairlane.core.ratelimit import RateLimit


def test_admits_up_to_the_limit_then_refuses() -> None:
    limit = RateLimit("t-basic", 3, 60)
    assert [limit.hit("a") for _ in range(5)] == [True, True, True, False, False]
    assert limit.exceeded("a") is True
    assert limit.exceeded("b") is False


def test_window_ends_by_itself() -> None:
    limit = RateLimit("t-window", 1, 60)
    start = 1_000_040.0  # 20 s into a 60 s window (16,667 × 60 = 1,000,020)
    with mock.patch("fairlane.core.ratelimit.time.time", return_value=start):
        assert limit.hit("a") is True
        assert limit.hit("a") is False
        assert limit.retry_after() == 40
    with mock.patch("fairlane.core.ratelimit.time.time", return_value=start + 41):
        assert limit.hit("a") is True


def test_cache_keys_carry_no_personal_data() -> None:
    limit = RateLimit("t-keys", 5, 60)
    key = limit._key("13912345678", time.time())
    assert "13912345678" not in key
    assert key.startswith("rl:t-keys:")


def test_reset_clears_the_count() -> None:
    limit = RateLimit("t-reset", 1, 60)
    limit.hit("a")
    limit.reset("a")
    assert limit.hit("a") is True


REDIS_URL = os.environ.get("FAIRLANE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.postgres  # runs in the services pass of scripts/run-tests, next to PostgreSQL
def test_parallel_hits_on_redis_admit_exactly_the_limit(settings) -> None:
    if not _redis_answers():
        pytest.fail(f"Redis does not answer at {REDIS_URL}; the services pass needs it")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    cache.clear()
    limit = RateLimit(f"t-redis-{os.getpid()}", 50, 60)
    results: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def worker() -> None:
        barrier.wait()
        for _ in range(10):
            admitted = limit.hit("same-subject")
            with lock:
                results.append(admitted)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (results.count(True), results.count(False)) == (50, 150)
