"""One engine per process, session dependency, UTC timestamps and the constraint naming convention."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from annotated_types import Ge, Le
from fastapi import Depends
from sqlalchemy import DateTime, Engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine

from app.core.config import get_settings
from app.core.errors import Conflict

# Named constraints so that migrations can drop and alter them on every database (batch mode on SQLite).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The range of every id column (PostgreSQL `integer`, the smaller of the two databases). Every id a request
# carries, in a path, a query or a body, has this type: out of range, a path id is "not found" (404) and a
# query or body id is invalid input (422), before any query is built (issue 13: ids ≥ 2³¹ crashed requests).
MAX_ID = 2**31 - 1
Id = Annotated[int, Ge(1), Le(MAX_ID)]


def form_id(value: object) -> int | None:
    """An id a form sent as text (a select's value): the id, or None unless it is a whole number in range."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 10 and 1 <= int(text) <= MAX_ID else None


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC in Python on every database (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def city_today(now: dt.datetime | None = None) -> dt.date:
    """The date in the city (YIMI_DISPLAY_TIMEZONE): the day a promised date (`respond_by`), a decision or a
    progress update is about. A UTC date is a day behind Shanghai from 16:00 UTC on."""
    return (now or utcnow()).astimezone(ZoneInfo(get_settings().display_timezone)).date()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **_pool(), connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **_pool(), connect_args={"connect_timeout": 5})


def _pool() -> dict[str, int]:
    """`YIMI_DB_CONNECTIONS` requests are inside a worker at once (`InFlightLimit`), and a request holds at most
    two connections at a time (its session, and the staff header's counts): twice as many connections, so
    that a request inside always finds one."""
    size = get_settings().db_connections
    return {"pool_size": size, "max_overflow": size}


def get_engine(url: str | None = None) -> Engine:
    url = url or get_settings().database_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def safe_url(url: str) -> str:
    """The database URL with any password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def dialect_insert(session: Session):  # noqa: ANN201
    """The dialect's INSERT, which knows ON CONFLICT (upserts and idempotency keys on SQLite and PostgreSQL alike)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def enum_values(enum: type[StrEnum]) -> str:
    """The members of an enum as SQL literals, for a CHECK constraint: `status IN (…)`."""
    return ", ".join(f"'{member.value}'" for member in enum)


def flush_or_conflict(session: Session, message: str, **variables: Any) -> None:
    """Write what is pending; a unique constraint that refuses it becomes a polite 409 (nothing is kept)."""
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(message, **variables) from exc


def new_session() -> Session:
    """A session outside a request (CLI, jobs); objects stay readable after commit."""
    return Session(get_engine(), expire_on_commit=False)


async def get_session() -> AsyncIterator[Session]:
    """One session per request. An async generator on purpose: FastAPI runs a plain generator's start and end
    in the thread pool, two thread hops on every request; making a Session does no I/O (it connects on first
    use, in the route's thread), and closing it hands its connection back to the pool."""
    with new_session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


# The unit of work (docs/architecture.md, "Who commits"): an action — one use case a person performs — opens it,
# calls services (which never commit), and commits once at the end. Anything raised inside rolls everything back
# and goes on up, so a refusal never leaves half of a use case behind.
@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit once when the block ends; roll back and re-raise if anything in it fails. Nested blocks join the
    outer one (only the outermost commits), so an action may call another action."""
    depth = session.info.get("yimi_transaction_depth", 0)
    session.info["yimi_transaction_depth"] = depth + 1
    try:
        yield session
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
            session.info.pop("yimi_after_commit", None)
        raise
    finally:
        session.info["yimi_transaction_depth"] = depth
    if depth == 0:
        for callback in session.info.pop("yimi_after_commit", []):
            callback()


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the current unit of work has committed (and never if it rolls back): a wake-up, a
    cache to forget. Work that must not be lost is a job (app.core.jobs), enqueued inside the transaction."""
    session.info.setdefault("yimi_after_commit", []).append(callback)
