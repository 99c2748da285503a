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


def test_picture_uploads_wait_in_a_line_of_their_own_and_never_fill_the_line_of_others(settings, monkeypatch):
    """Issue 13: eight uploads at once took every place inside a worker, and /healthz waited seconds behind
    their decodes. Now at most YIMI_PICTURE_DECODES uploads are inside; the other requests keep their places.
    What is counted is how many decodes had finished when each other request went in (none: it went in beside
    the first decode), not seconds, which a busy machine stretches (a CI run read 0.0507 s against 0.05)."""
    monkeypatch.setenv("YIMI_DB_CONNECTIONS", "4")
    monkeypatch.setenv("YIMI_PICTURE_DECODES", "1")
    get_settings.cache_clear()
    pictures_inside = most_pictures = decoded = 0
    decoded_before: dict[str, int] = {}

    async def app(scope, receive, send):  # noqa: ANN001
        nonlocal pictures_inside, most_pictures, decoded
        if scope["path"].endswith("/picture"):
            pictures_inside += 1
            most_pictures = max(most_pictures, pictures_inside)
            await asyncio.sleep(0.01)  # a decode
            pictures_inside -= 1
            decoded += 1
        else:
            decoded_before[scope["path"]] = decoded

    gate = InFlightLimit(app)

    async def burst() -> None:
        uploads = [{"type": "http", "method": "POST", "path": f"/consultations/{n}/picture"} for n in range(8)]
        uploads += [{"type": "http", "method": "PUT", "path": f"/api/v1/consultations/{n}/picture"} for n in range(4)]
        others = [{"type": "http", "method": "GET", "path": "/healthz"}, {"type": "http", "method": "GET", "path": "/me"}]
        await asyncio.gather(*(gate(scope, None, None) for scope in uploads + others))  # type: ignore[arg-type]

    runner = threading.Thread(target=lambda: asyncio.run(burst()))
    runner.start()
    runner.join(timeout=30)
    get_settings.cache_clear()
    assert most_pictures == 1
    assert decoded == 12  # every upload was answered
    # Not behind the twelve decodes: with one line for all, the others waited for eight of them.
    assert decoded_before == {"/healthz": 0, "/me": 0}
