"""Ids are never reused on SQLite (issue 13): every table with an integer `id` becomes AUTOINCREMENT

Without AUTOINCREMENT, SQLite hands out the highest id + 1, so the id of a deleted newest row comes back: 468
moderation audit events all named "comment 1" though they concerned different comments. Ids appear in the
audit log and in links between records, so an id must name one record for ever. PostgreSQL's sequences never
go back; nothing changes there.

Each table is rebuilt with its own CREATE statement, `id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT` instead of
the table-level primary key: made beside it, its rows copied, the old one dropped (foreign keys are off while
migrating, migrations/env.py, so nothing cascades) and the new one renamed, its indexes and triggers made
again. The sequence starts after the highest id the table holds or the audit log names, so an id deleted
before this migration is not handed out again either.

Tables made or remade by later migrations (batch mode included) get AUTOINCREMENT from migrations/env.py;
tests/migrations/test_migrations.py fails when a table lacks it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 10:30:00
"""

import re
from collections.abc import Sequence

from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRIMARY_KEY = re.compile(r",\s*CONSTRAINT pk_\w+ PRIMARY KEY \(id\)")


def _rebuild(connection, table: str, create: str, autoincrement: bool) -> None:  # noqa: ANN001
    if autoincrement:
        new = PRIMARY_KEY.sub("", create, count=1).replace(
            "\tid INTEGER NOT NULL, ", "\tid INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, ", 1
        )
    else:
        new = create.replace("\tid INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, ", "\tid INTEGER NOT NULL, ", 1).replace(
            "\n)", f", \n\tCONSTRAINT pk_{table} PRIMARY KEY (id)\n)", 1
        )
    if new == create:
        return
    extras = [sql for (sql,) in connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL", (table,)
    )]
    columns = ", ".join(f'"{row[1]}"' for row in connection.exec_driver_sql(f'PRAGMA table_info("{table}")'))
    connection.exec_driver_sql(re.sub(r'^CREATE TABLE "?\w+"? \(', f'CREATE TABLE "{table}__new" (', new, count=1))
    connection.exec_driver_sql(f'INSERT INTO "{table}__new" ({columns}) SELECT {columns} FROM "{table}"')
    connection.exec_driver_sql(f'DROP TABLE "{table}"')  # foreign keys are off while migrating (migrations/env.py)
    connection.exec_driver_sql(f'ALTER TABLE "{table}__new" RENAME TO "{table}"')
    for sql in extras:
        connection.exec_driver_sql(sql)


def _tables(connection) -> list[tuple[str, str]]:  # noqa: ANN001
    return [
        (name, sql) for name, sql in connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version' "
            "ORDER BY name"
        )
        if "\tid INTEGER NOT NULL" in sql
    ]


def _convert(autoincrement: bool) -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    for table, create in _tables(connection):
        _rebuild(connection, table, create, autoincrement)
    if not autoincrement:
        return
    for table, _ in _tables(connection):
        named = connection.exec_driver_sql(
            "SELECT max(CAST(subject_id AS INTEGER)) FROM audit_event WHERE subject_type = ? AND subject_id GLOB '[0-9]*'",
            (table,),
        ).scalar()
        held = connection.exec_driver_sql(f'SELECT max(id) FROM "{table}"').scalar()
        start = max(named or 0, held or 0)
        if start:
            connection.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
            connection.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, start))


def upgrade() -> None:
    _convert(autoincrement=True)


def downgrade() -> None:
    _convert(autoincrement=False)
