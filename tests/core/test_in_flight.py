"""InFlightLimit: at most YIMI_DB_CONNECTIONS requests of a worker are inside at once; the others wait in
line and all are answered (none refused, none lost). Static files pass by."""

import asyncio
import threading

from app.core.config import get_settings
from app.core.middleware import InFlightLimit


def test_requests_beyond_the_limit_wait_their_turn_and_all_are_answered(settings, monkeypatch):
    monkeypatch.setenv("YIMI_DB_CONNECTIONS", "3")
    get_settings.cache_clear()
    inside = 0
    most = 0
    answered = []

    async def app(scope, receive, send):  # noqa: ANN001
        nonlocal inside, most
        counted = not scope["path"].startswith("/static/")
        inside += counted
        most = max(most, inside)
        await asyncio.sleep(0.01)
        inside -= counted
        answered.append(scope["path"])

    gate = InFlightLimit(app)

    async def burst() -> None:
        scopes = [{"type": "http", "path": f"/me/{n}"} for n in range(12)] + [{"type": "http", "path": "/static/app.css"}]
        await asyncio.gather(*(gate(scope, None, None) for scope in scopes))  # type: ignore[arg-type]

    # In a thread of its own: browser tests elsewhere in the suite leave an event loop running in this one.
    runner = threading.Thread(target=lambda: asyncio.run(burst()))
    runner.start()
    runner.join(timeout=30)
    get_settings.cache_clear()
    assert len(answered) == 13
    assert most == 3  # three at once, never more
