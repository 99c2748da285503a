"""Alembic environment: Yimi's metadata, batch mode on SQLite, the URL from settings."""

from alembic import context
from sqlalchemy import Table, event
from sqlmodel import SQLModel

import app.models  # noqa: F401 - registers every table on SQLModel.metadata
from app.core.config import get_settings
from app.core.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


@event.listens_for(Table, "before_create")
def _ids_never_reused(table: Table, connection, **_kw) -> None:  # noqa: ANN001
    """Every table a migration makes on SQLite, or remakes in batch mode, is AUTOINCREMENT when its key is `id`:
    a deleted row's id never comes back (issue 13, migration 0012). Reflection does not see AUTOINCREMENT, so
    a batch-mode rebuild would otherwise drop it silently."""
    if connection.dialect.name == "sqlite" and [c.name for c in table.primary_key.columns] == ["id"]:
        table.dialect_options["sqlite"]["autoincrement"] = True


def _url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def run_migrations_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:  # noqa: ANN001
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A table rebuilt in batch mode (or by hand) is dropped and made again: with foreign keys on, SQLite's
        # DROP TABLE would first delete every row and cascade into the tables that point at it. The PRAGMA only
        # takes effect outside a transaction, so it is set before the migrations begin one; the keys are
        # checked and switched back on afterwards.
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
    if sqlite:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        if broken:
            raise RuntimeError(f"foreign keys broken by a migration: {broken[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
