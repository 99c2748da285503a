"""Request-rate limits hold across workers (issue 13, point 4): `yimi serve --workers 2` counts every request
once, in Redis, whichever worker answers; with memory:// it refuses to start, and so does production.

Which worker answers is not left to chance: the other one is paused (SIGSTOP) while one takes every
connection, then they swap. With a count per worker, the 21st attempt would be the 11th of a worker."""

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.core.config import ConfigurationError, get_settings
from tests.conftest import SECRETS, _free_port

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@contextmanager
def only(answering: int, paused: int) -> Iterator[None]:
    """Every new connection goes to `answering` while `paused` is stopped (a stopped process accepts none).
    uvicorn's supervisor kills a worker that misses its health check for 5 s: the pause lasts well under that."""
    os.kill(paused, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(paused, signal.SIGCONT)


class Visitor:
    """A browser that is not signed in: its CSRF cookie and token, and a new connection for every request."""

    def __init__(self, base: str, page: str) -> None:
        self.base = base
        with httpx.Client(base_url=base) as client:
            answer = client.get(page)
            self.cookies = dict(client.cookies)
        self.token = CSRF_META.search(answer.text).group(1)

    def post(self, path: str, data: dict[str, str], address: str | None = None) -> int:
        headers = {"Accept-Language": "en", **({"X-Forwarded-For": address} if address else {})}
        with httpx.Client(base_url=self.base, cookies=self.cookies, headers=headers, timeout=30) as client:
            return client.post(path, data={**data, "csrf_token": self.token}).status_code


def attempts_across_two_workers(served, visitor: Visitor, path: str, data: dict[str, str], limit: int) -> list[int]:  # noqa: ANN001
    """`limit` + 1 attempts from one address: the first half answered by one worker, the rest by the other."""
    first, second = served.worker_pids()
    half = limit // 2
    with only(answering=first, paused=second):
        statuses = [visitor.post(path, data) for _ in range(half)]
    with only(answering=second, paused=first):
        statuses += [visitor.post(path, data) for _ in range(limit + 1 - half)]
    return statuses


def test_the_sign_in_limit_holds_exactly_across_two_workers(serve_yimi):
    """YIMI_RATE_LIMIT_SIGN_IN, 20/minute per address: 20 wrong sign-ins are answered, the 21st is refused,
    although each worker saw only about half of them; another address still gets in."""
    assert get_settings().rate_limit_sign_in == "20/minute"
    served = serve_yimi()
    visitor = Visitor(served.base, "/signin")
    statuses = attempts_across_two_workers(served, visitor, "/signin", {"username": "nobody", "password": "wrong password"}, 20)
    assert 429 not in statuses[:20] and statuses[20] == 429, statuses
    assert visitor.post("/signin", {"username": "nobody", "password": "wrong password"}, address="203.0.113.9") != 429


def test_the_guardian_code_limit_holds_exactly_across_two_workers(serve_yimi):
    """A letter code may be tried 20 times an hour per address (app/consent/views.py), whichever worker answers."""
    served = serve_yimi()
    visitor = Visitor(served.base, "/guardian")
    statuses = attempts_across_two_workers(served, visitor, "/guardian/code", {"code": "ABCD-EFGH"}, 20)
    assert 429 not in statuses[:20] and statuses[20] == 429, statuses


def test_counts_survive_a_restart(serve_yimi):
    """The count is in Redis, not in the workers: a restarted server still refuses the 4th attempt."""
    with_low_limit = {"YIMI_RATE_LIMIT_SIGN_IN": "3/minute"}
    first = serve_yimi(**with_low_limit)
    visitor = Visitor(first.base, "/signin")
    assert [visitor.post("/signin", {"username": "nobody", "password": "wrong"}) for _ in range(3)] == [400, 400, 400]
    first.stop()
    second = serve_yimi(**with_low_limit)
    visitor.base = second.base
    assert visitor.post("/signin", {"username": "nobody", "password": "wrong"}) == 429


# ---- refusing memory:// -------------------------------------------------------------------------------------


def serve_and_wait(environment: dict[str, str], workers: int) -> subprocess.CompletedProcess:
    """`yimi serve` that must refuse at once; if it starts serving instead, it is stopped and the test fails."""
    yimi = Path(sys.executable).with_name("yimi")
    process = subprocess.Popen(
        [str(yimi), "serve", "--port", str(_free_port()), "--workers", str(workers)],
        env={**os.environ, **environment, "COLUMNS": "200"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail("yimi serve started instead of refusing")
    return subprocess.CompletedProcess(process.args, process.returncode, output.decode())


def test_two_workers_refuse_memory_storage_and_name_the_variable(settings):
    done = serve_and_wait({"YIMI_RATE_LIMIT_STORAGE": "memory://"}, workers=2)
    assert done.returncode == 2
    assert "YIMI_RATE_LIMIT_STORAGE is memory://" in done.stdout and "every limit is 2 times as high" in done.stdout
    assert "redis://" in done.stdout


PRODUCTION = {
    "YIMI_ENV": "production", **SECRETS,
    "YIMI_PASSWORD_MEMORY_KIB": "65536", "YIMI_PASSWORD_ROUNDS": "3", "YIMI_CODE_MEMORY_KIB": "19456", "YIMI_CODE_ROUNDS": "2",
}


def test_production_refuses_memory_storage_even_with_one_worker(settings):
    done = serve_and_wait({**PRODUCTION, "YIMI_RATE_LIMIT_STORAGE": "memory://"}, workers=1)
    assert done.returncode == 2
    assert "YIMI_RATE_LIMIT_STORAGE is memory://" in done.stdout and "a restart would forget every count" in done.stdout


def test_a_storage_that_does_not_answer_is_refused_without_its_password(settings):
    done = serve_and_wait({"YIMI_RATE_LIMIT_STORAGE": "redis://:hunter2hunter2@127.0.0.1:1/0"}, workers=2)
    assert done.returncode == 3
    assert "YIMI_RATE_LIMIT_STORAGE=redis://:***@127.0.0.1:1/0" in done.stdout and "hunter2" not in done.stdout


@pytest.mark.parametrize(
    ("storage", "workers", "production", "refused"),
    [
        ("memory://", 1, False, False),
        ("memory://", 2, False, True),
        ("memory://", 1, True, True),
        ("redis://127.0.0.1:6379/0", 4, True, False),
    ],
)
def test_which_settings_may_serve(settings, monkeypatch, storage, workers, production, refused):
    monkeypatch.setenv("YIMI_RATE_LIMIT_STORAGE", storage)
    if production:
        for name, value in PRODUCTION.items():
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    if refused:
        with pytest.raises(ConfigurationError, match="YIMI_RATE_LIMIT_STORAGE"):
            get_settings().refuse_unshared_rate_limits(workers)
    else:
        get_settings().refuse_unshared_rate_limits(workers)
