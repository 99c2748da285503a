"""Request-rate limits with the `limits` library: memory storage by default, Redis across processes.

Lock-outs (wrong passwords, picture codes) are not rate limits: they are state in the database.
"""

from __future__ import annotations

from functools import lru_cache

from fastapi import Request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.core.config import get_settings
from app.core.errors import TooManyRequests


@lru_cache
def _limiter(storage_uri: str) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(storage_from_string(storage_uri))


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def hit(limit: str, *keys: str) -> None:
    """Count one request against `limit` (e.g. "20/minute") for `keys`; refuse with 429 past it."""
    settings = get_settings()
    item = parse(limit)
    limiter = _limiter(settings.rate_limit_storage)
    if not limiter.hit(item, *keys):
        reset_at, _remaining = limiter.get_window_stats(item, *keys)
        import time

        raise TooManyRequests(retry_after=max(1, int(reset_at - time.time())))
