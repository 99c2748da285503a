"""Alembic is the only way the schema is made: it goes up from empty, down to nothing and up again, and
the models agree with it (autogenerate finds no difference). On SQLite and on PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.core.migrate import downgrade, head_revisions, upgrade
from tests.conftest import PG_URL

SCHEMA = "yimi_migration_test"


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it (on PostgreSQL: a schema of its own, so the shared one is untouched)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{SCHEMA}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    admin.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trip(empty_database: str) -> None:
    upgrade(empty_database)
    expected = {t.name for t in SQLModel.metadata.sorted_tables}
    assert _tables(empty_database) == expected
    downgrade(empty_database, "base")
    assert _tables(empty_database) == set()
    upgrade(empty_database)
    assert _tables(empty_database) == expected


def test_models_and_migrations_agree(empty_database: str) -> None:
    upgrade(empty_database)
    engine = create_engine(empty_database)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
            assert set(context.get_current_heads()) == set(head_revisions())
            diff = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ; run `alembic revision --autogenerate`: {diff}"


def test_there_is_one_head() -> None:
    assert len(head_revisions()) == 1


def test_every_table_with_an_id_never_reuses_one_on_sqlite(empty_database: str) -> None:
    """Issue 13: ids appear in the audit log and in links, so a deleted row's id never comes back. SQLite needs
    AUTOINCREMENT for that (PostgreSQL's sequences never go back); a batch-mode migration that rebuilds a table
    without `table_kwargs={"sqlite_autoincrement": True}` would lose it silently (reflection does not see it)."""
    if PG_URL:
        pytest.skip("PostgreSQL sequences never reuse an id")
    upgrade(empty_database)
    engine = create_engine(empty_database)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all()
    finally:
        engine.dispose()
    with_id = {name: sql for name, sql in rows if "\tid INTEGER NOT NULL" in sql}
    assert len(with_id) >= 40
    assert [name for name, sql in with_id.items() if "PRIMARY KEY AUTOINCREMENT" not in sql] == []


def test_the_migration_to_autoincrement_keeps_rows_triggers_and_does_not_hand_out_an_audited_id_again(tmp_path: Path) -> None:
    if PG_URL:
        pytest.skip("SQLite only")
    url = f"sqlite:///{tmp_path / 'old.db'}"
    # A database as it was before 0012 (going down from 0012 takes AUTOINCREMENT away again).
    upgrade(url, "0012")
    downgrade(url, "0011")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            assert "AUTOINCREMENT" not in connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'district'").scalar()
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO district (id, code, name, created_at) VALUES (7, 'd7', '{}', '2026-01-01')")
            # An audit event names district 9, deleted before the migration: 9 must never be handed out again.
            connection.exec_driver_sql(
                "INSERT INTO audit_event (at, actor_type, action, subject_type, subject_id, data, prev_hash, hash) "
                "VALUES ('2026-01-01', 'system', 'x', 'district', '9', '{}', 'p', 'h')"
            )
        upgrade(url)
        with engine.begin() as connection:
            assert connection.exec_driver_sql("SELECT code FROM district WHERE id = 7").scalar() == "d7"
            connection.exec_driver_sql("INSERT INTO district (code, name, created_at) VALUES ('new', '{}', '2026-01-02')")
            assert connection.exec_driver_sql("SELECT id FROM district WHERE code = 'new'").scalar() == 10
            triggers = {name for (name,) in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
            assert {"audit_event_no_update", "audit_event_no_delete", "consent_event_no_update"} <= triggers
        with engine.connect() as connection, pytest.raises(Exception, match="append-only|not allowed|abort|ABORT|audit"):
            connection.exec_driver_sql("DELETE FROM audit_event")
    finally:
        engine.dispose()
