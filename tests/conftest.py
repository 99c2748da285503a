"""Test set-up: the schema is built by the migrations; each test gets a clean database.

SQLite (default): the migrations run once into a template file, copied for every test.
PostgreSQL (YIMI_TEST_DATABASE_URL): the schema is dropped and migrated once per run, and every table is
emptied after each test.
"""

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel

import app.main  # noqa: F401 - every domain's registrations (moderated items, safeguarding) as in the app
import app.models  # noqa: F401
from app.accounts import actions as accounts
from app.accounts.models import Role, StaffUser, StaffUserCreate
from app.core import db, ratelimit
from app.core.config import Settings, get_settings
from app.core.migrate import upgrade


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist each worker has a database of its own on the same server (`<name>_gw0`, …), made if
    missing: every test empties the tables it shares with no one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


PG_URL = _worker_database(os.environ.get("YIMI_TEST_DATABASE_URL"))
# Request-rate counters: this machine's Redis where it answers (several workers, as in production), else
# memory:// (a fresh machine; tests that serve two workers are then skipped, or fail with YIMI_REQUIRE_REDIS=1).
# Each test counts under a prefix of its own (YIMI_RATE_LIMIT_PREFIX): no test, and no concurrent run,
# shares a count with another, and nothing is ever flushed.
RATE_LIMIT_STORAGE = os.environ.get("YIMI_TEST_RATE_LIMIT_STORAGE") or ratelimit.local_storage()
PASSWORD = "correct horse battery"
SECRETS = {
    "YIMI_SECRET_KEY": "test-secret-key-" + "x" * 40,
    "YIMI_DATA_KEY": Fernet.generate_key().decode(),
    "YIMI_LOOKUP_KEY": "test-lookup-key-" + "y" * 40,
}


def on_postgres() -> bool:
    return bool(PG_URL)


def reset_postgres_schema(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The migrated schema every test starts from."""
    if PG_URL:
        reset_postgres_schema(PG_URL)
        upgrade(PG_URL)
        yield PG_URL
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.execute("PRAGMA journal_mode=DELETE")
    connection.close()
    yield str(path)


def _empty_postgres(url: str) -> None:
    tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    engine = db.get_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # The audit chain's head row is made by the migration; put it back as the migration left it.
        connection.execute(text("INSERT INTO audit_head (id, hash, count) VALUES (1, :genesis, 0)"), {"genesis": "0" * 64})


@pytest.fixture
def settings(template_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    if PG_URL:
        url = PG_URL
    else:
        target = tmp_path / "yimi.db"
        shutil.copyfile(template_database, target)
        url = f"sqlite:///{target}"
    monkeypatch.setenv("YIMI_DATABASE_URL", url)
    monkeypatch.setenv("YIMI_ENV", "test")
    monkeypatch.setenv("YIMI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("YIMI_RATE_LIMIT_STORAGE", RATE_LIMIT_STORAGE)
    monkeypatch.setenv("YIMI_RATE_LIMIT_PREFIX", f"yimi-test-{uuid.uuid4().hex}")
    # Real argon2id, at a cost that keeps the suite quick (production refuses such low values).
    monkeypatch.setenv("YIMI_PASSWORD_MEMORY_KIB", "1024")
    monkeypatch.setenv("YIMI_PASSWORD_ROUNDS", "1")
    monkeypatch.setenv("YIMI_CODE_MEMORY_KIB", "1024")
    monkeypatch.setenv("YIMI_CODE_ROUNDS", "1")
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    _reset_caches()
    yield get_settings()
    if PG_URL:
        _empty_postgres(PG_URL)
    _reset_caches()


def _reset_caches() -> None:
    get_settings.cache_clear()
    ratelimit._limiter.cache_clear()
    db.dispose_engines()


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    with Session(db.get_engine(), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def app(settings: Settings):  # noqa: ANN201
    from app.main import create_app

    return create_app(settings)


def english_client(app, **kwargs) -> TestClient:  # noqa: ANN001
    """A browser whose language is English, so assertions can read the English source messages.
    (Chinese is the default for everyone else; tests of that build a client without this header.)"""
    kwargs.setdefault("raise_server_exceptions", False)
    return TestClient(app, headers={"Accept-Language": "en"}, **kwargs)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # noqa: ANN001
    with english_client(app) as c:
        yield c


def make_user(
    session: Session, username: str, roles: list[Role] | None = None, *, trained: bool = True, password: str = PASSWORD
) -> StaffUser:
    user, _ = accounts.create(
        session=session,
        actor=None,
        trained=trained,
        data=StaffUserCreate(username=username, display_name=username.title(), roles=roles or [], password=password),
    )
    return user


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client: TestClient, path: str = "/signin") -> str:
    match = CSRF_META.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """A live staff session for `username`, as signing in leaves it, made by a factory (issue 15: a test that is
    not about signing in does not go through the form and argon2). Tests about signing in use sign_in_by_form.
    The password is not checked here."""
    import datetime as dt

    from sqlmodel import select

    from app.accounts.deps import SESSION_COOKIE
    from app.accounts.models import StaffSession
    from app.core.security import new_token, token_hash

    with Session(db.get_engine()) as factory:
        user = factory.exec(select(StaffUser).where(StaffUser.username == username)).one()
        raw, now = new_token(), db.utcnow()
        factory.add(StaffSession(user_id=user.id, token_hash=token_hash(raw), csrf_token=new_token(24), created_at=now,
                                 last_seen_at=now, expires_at=now + dt.timedelta(hours=get_settings().staff_session_hours)))
        factory.commit()
    host = client.base_url.host  # the cookie jar keeps a dotless host as "<host>.local", as the server's cookie
    client.cookies.set(SESSION_COOKIE, raw, domain=host if "." in host else f"{host}.local", path="/")


def sign_in_by_form(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Sign in through the page, as a person does."""
    token = csrf_token(client, "/signin")
    response = client.post(
        "/signin", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert "yimi_session" in client.cookies


def post_form(client: TestClient, path: str, data: dict | None = None, *, page: str = "/staff", **kw):  # noqa: ANN201
    """Post a form as the browser would: with the CSRF token from a page."""
    body = dict(data or {})
    body["csrf_token"] = csrf_token(client, page)
    return client.post(path, data=body, follow_redirects=kw.pop("follow_redirects", False), **kw)


@pytest.fixture
def admin(session: Session) -> StaffUser:
    return make_user(session, "admin1", [Role.ADMIN])


@pytest.fixture
def admin_client(client: TestClient, admin: StaffUser) -> TestClient:
    sign_in(client, admin.username)
    return client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    """`yimi serve` running for a test: its address and its process (the supervisor of the workers)."""

    base: str
    process: subprocess.Popen

    def stop(self) -> None:
        """SIGTERM to the server's process group (workers and any picture decoder), SIGKILL if it lingers."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def worker_pids(self) -> list[int]:
        """The uvicorn workers: the supervisor's children, but not multiprocessing's resource tracker."""
        pids = []
        for entry in Path("/proc").iterdir():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except (OSError, ValueError):
                continue
            if int(stat[stat.rfind(")") + 2 :].split()[1]) == self.process.pid and b"resource_tracker" not in cmdline:
                pids.append(int(entry.name))
        return sorted(pids)


def needs_shared_rate_limits() -> None:
    """Two workers need a shared rate-limit storage (yimi serve refuses memory://)."""
    if RATE_LIMIT_STORAGE.startswith("memory://"):
        if os.environ.get("YIMI_REQUIRE_REDIS") == "1":
            pytest.fail("YIMI_REQUIRE_REDIS=1 but no Redis answers at 127.0.0.1:6379 (or set YIMI_TEST_RATE_LIMIT_STORAGE)")
        pytest.skip("two workers need Redis for rate limits: none answers at 127.0.0.1:6379")


@contextmanager
def serving(workers: int = 2, **environment: str) -> Iterator[Served]:
    """`yimi serve --workers N`, the command the Docker image runs, on this test's database and rate-limit
    prefix, with `environment` added (YIMI_RATE_LIMIT_SIGN_IN="20/minute", say)."""
    if workers > 1:
        needs_shared_rate_limits()
    yimi = Path(sys.executable).with_name("yimi")

    def start() -> Served:
        port = _free_port()
        return Served(f"http://127.0.0.1:{port}", subprocess.Popen(
            [str(yimi), "serve", "--port", str(port), "--workers", str(workers), "--proxy-headers", "--no-access-log"],
            env={**os.environ, **environment}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        ))

    served = start()
    tries = 1
    try:
        deadline = time.monotonic() + 90  # two workers import the app; a busy 2-core machine is slow to start them
        last = None
        while time.monotonic() < deadline:
            if served.process.poll() is not None:
                output = served.process.stdout.read().decode(errors="replace")  # type: ignore[union-attr]
                # A free port is free only when asked: another process (the other test worker's connections) may
                # take it before `yimi serve` binds it. Then another port is tried.
                if "address already in use" in output.lower() and tries < 5:
                    served, tries = start(), tries + 1
                    continue
                pytest.fail(f"yimi serve exited with {served.process.returncode}: {output[-2000:]}")
            try:
                last = httpx.get(f"{served.base}/readyz", timeout=2)
                if last.status_code == 200 and len(served.worker_pids()) >= workers:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail(f"yimi serve did not become ready (last answer: {last.status_code if last else 'none'} {last.text[:300] if last else ''})")
        yield served
    finally:
        served.stop()


@pytest.fixture
def serve_yimi(settings) -> Iterator[Callable[..., Served]]:  # noqa: ANN001
    """Start `yimi serve` inside a test, with extra environment: `serve_yimi(YIMI_RATE_LIMIT_SIGN_IN="20/minute")`."""
    with ExitStack() as stack:
        yield lambda workers=2, **environment: stack.enter_context(serving(workers, **environment))


@pytest.fixture
def served_app(serve_yimi) -> str:  # noqa: ANN001
    """`yimi serve --workers 2`, the command the Docker image runs, on this test's database: its address."""
    return serve_yimi().base


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that start `yimi serve` are marked `served` (make test-fast leaves them out with the browser tests)."""
    for item in items:
        if {"serve_yimi", "served_app"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.served)
