"""Request-rate limits with the `limits` library: Redis shared by every worker (memory:// for one process).

Lock-outs (wrong passwords, picture codes) are not rate limits: they are state in the database.
Every counter's key starts with YIMI_RATE_LIMIT_PREFIX, so deployments and test runs sharing one Redis
never count each other's requests. `yimi serve` refuses memory:// with several workers or in production
(`Settings.refuse_unshared_rate_limits`) and a storage that does not answer (`storage_answers`).

    python -m app.core.ratelimit    # the storage for development and tests on this machine (`local_storage`)
"""

from __future__ import annotations

import socket
import threading
import time
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from fastapi import Request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.core.config import get_settings
from app.core.errors import TooManyRequests

LOCAL_REDIS = ("127.0.0.1", 6379)


_building = threading.Lock()


@lru_cache
def _limiter(storage_uri: str) -> MovingWindowRateLimiter:
    # One thread at a time: `limits` imports the redis package on first use and reads its version from
    # sys.modules, so a second request thread arriving mid-import sees "0.0.0" and fails (a 500 for the
    # first requests that came at once after a start; found by tests/corps/test_lockout_concurrency.py).
    with _building:
        return MovingWindowRateLimiter(storage_from_string(storage_uri))


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def hit(limit: str, *keys: str) -> None:
    """Count one request against `limit` (e.g. "20/minute") for `keys`; refuse with 429 past it."""
    settings = get_settings()
    item = parse(limit)
    limiter = _limiter(settings.rate_limit_storage)
    if not limiter.hit(item, settings.rate_limit_prefix, *keys):
        reset_at, _remaining = limiter.get_window_stats(item, settings.rate_limit_prefix, *keys)
        raise TooManyRequests(retry_after=max(1, int(reset_at - time.time())))


def storage_answers(storage_uri: str) -> bool:
    """Whether the storage can be reached now (a ping to Redis, at most a few seconds)."""
    if storage_uri.startswith("memory://"):
        return True
    try:
        return bool(storage_from_string(storage_uri, socket_connect_timeout=3, socket_timeout=3).check())
    except Exception:  # noqa: BLE001 - a wrong URI or an unreachable server: either way it does not answer
        return False


def safe_storage(storage_uri: str) -> str:
    """The storage URI without its password, to be shown in a message."""
    parts = urlsplit(storage_uri)
    if parts.password is None:
        return storage_uri
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def local_storage() -> str:
    """For `make run` and the tests: this machine's Redis if it answers, memory:// otherwise (a fresh
    machine without Redis; several workers then refuse to start)."""
    try:
        with socket.create_connection(LOCAL_REDIS, timeout=0.5):
            return "redis://{}:{}/0".format(*LOCAL_REDIS)
    except OSError:
        return "memory://"


if __name__ == "__main__":
    print(local_storage())
