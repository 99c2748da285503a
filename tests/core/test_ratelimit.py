"""Request-rate limits: memory storage in one process, Redis shared by several workers."""

import socket
import uuid

import pytest

from app.core import ratelimit
from app.core.config import get_settings
from app.core.errors import TooManyRequests


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def test_memory_limit_refuses_past_the_limit(settings):
    key = uuid.uuid4().hex
    for _ in range(3):
        ratelimit.hit("3/minute", "test", key)
    with pytest.raises(TooManyRequests) as refused:
        ratelimit.hit("3/minute", "test", key)
    assert int(refused.value.headers["Retry-After"]) >= 1
    ratelimit.hit("3/minute", "test", uuid.uuid4().hex)  # another key has its own count


@pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")
def test_redis_storage_is_shared_between_processes(settings, monkeypatch):
    monkeypatch.setenv("YIMI_RATE_LIMIT_STORAGE", "redis://127.0.0.1:6379/0")
    get_settings.cache_clear()
    key = uuid.uuid4().hex
    ratelimit.hit("2/minute", "test", key)
    ratelimit._limiter.cache_clear()  # a second worker: a limiter of its own, the same Redis
    ratelimit.hit("2/minute", "test", key)
    ratelimit._limiter.cache_clear()
    with pytest.raises(TooManyRequests):
        ratelimit.hit("2/minute", "test", key)
