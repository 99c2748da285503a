"""The database: SQLite with WAL, foreign keys and a busy timeout; timestamps are aware UTC everywhere."""

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.accounts.models import StaffSession
from app.core.db import get_engine
from tests.conftest import make_user, on_postgres


@pytest.mark.skipif(on_postgres(), reason="SQLite pragmas")
def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(settings):
    with get_engine().connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


@pytest.mark.skipif(not on_postgres(), reason="PostgreSQL driver")
def test_postgres_runs_through_psycopg_3(settings):
    engine = get_engine()
    assert engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"


def test_timestamps_come_back_timezone_aware_utc(session):
    user = make_user(session, "tzuser")
    session.expire_all()
    assert session.get(type(user), user.id).created_at.tzinfo == dt.UTC


def test_foreign_keys_are_enforced(session):
    session.add(StaffSession(user_id=999999, token_hash="x" * 64, csrf_token="c", expires_at=dt.datetime.now(dt.UTC)))
    with pytest.raises(IntegrityError):
        session.commit()
