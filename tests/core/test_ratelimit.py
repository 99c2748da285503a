"""Request-rate limits: memory storage in one process, Redis shared by several workers, each deployment
(and each test) counting under its own prefix. Across real workers: test_ratelimit_workers.py."""

import re
import uuid

import pytest

from app.core import ratelimit
from app.core.config import get_settings
from app.core.errors import TooManyRequests
from tests.conftest import RATE_LIMIT_STORAGE

LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    return ratelimit.local_storage() == LOCAL_REDIS


def test_memory_limit_refuses_past_the_limit(settings, monkeypatch):
    monkeypatch.setenv("YIMI_RATE_LIMIT_STORAGE", "memory://")
    get_settings.cache_clear()
    key = uuid.uuid4().hex
    for _ in range(3):
        ratelimit.hit("3/minute", "test", key)
    with pytest.raises(TooManyRequests) as refused:
        ratelimit.hit("3/minute", "test", key)
    assert int(refused.value.headers["Retry-After"]) >= 1
    ratelimit.hit("3/minute", "test", uuid.uuid4().hex)  # another key has its own count


@pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")
def test_redis_storage_is_shared_between_processes(settings, monkeypatch):
    monkeypatch.setenv("YIMI_RATE_LIMIT_STORAGE", LOCAL_REDIS)
    get_settings.cache_clear()
    key = uuid.uuid4().hex
    ratelimit.hit("2/minute", "test", key)
    ratelimit._limiter.cache_clear()  # a second worker: a limiter of its own, the same Redis
    ratelimit.hit("2/minute", "test", key)
    ratelimit._limiter.cache_clear()
    with pytest.raises(TooManyRequests):
        ratelimit.hit("2/minute", "test", key)


@pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")
def test_a_prefix_keeps_its_own_counts_in_a_shared_redis(settings, monkeypatch):
    """Two deployments (or two test runs) on one Redis, with the same limit and key, never share a count."""
    monkeypatch.setenv("YIMI_RATE_LIMIT_STORAGE", LOCAL_REDIS)
    key = uuid.uuid4().hex
    for prefix in (f"yimi-test-a-{key}", f"yimi-test-b-{key}"):
        monkeypatch.setenv("YIMI_RATE_LIMIT_PREFIX", prefix)
        get_settings.cache_clear()
        ratelimit.hit("2/minute", "test", key)
        ratelimit.hit("2/minute", "test", key)
        with pytest.raises(TooManyRequests):
            ratelimit.hit("2/minute", "test", key)


def test_tests_count_under_a_prefix_of_their_own(settings):
    assert re.fullmatch(r"yimi-test-[0-9a-f]{32}", settings.rate_limit_prefix)
    assert settings.rate_limit_storage == RATE_LIMIT_STORAGE
