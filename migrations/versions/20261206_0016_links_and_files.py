"""link: typed links between records of different domains; stored_file: files kept in the media storage (issue 15)

`link` (app.core.links): one row per (from_kind, from_id, type, to_kind, to_id), unique on all five (the index
"from"), with a second index "to" (to_kind, to_id, type).

`stored_file` (app.media): a file's key in the storage (YIMI_MEDIA_DIR), content type, size and SHA-256.
A consultation picture's bytes move out of the database: every `picture` row's `data` is written to the
storage, gets a `stored_file` row, and `picture.file_id` names it; `picture.data`, `content_type` and
`sha256` are dropped (they live on `stored_file`). Set YIMI_MEDIA_DIR before upgrading (default
<YIMI_VAR_DIR>/media). If the upgrade fails, the files it wrote are deleted again.

Downgrade reads every picture's file back into `picture.data`; the files stay in the folder (delete it by hand
once the downgrade is committed).

Revision ID: 0016
Revises: 0013 (0014 jobs and 0015 moderated items are written at the same time: re-chained at merge)
Create Date: 2026-12-06 13:37:13
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('from_id', sa.Integer(), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('to_kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('to_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link')),
    sa.UniqueConstraint('from_kind', 'from_id', 'type', 'to_kind', 'to_id', name=op.f('uq_link_from_kind_from_id_type_to_kind_to_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.create_index('ix_link_to', ['to_kind', 'to_id', 'type'], unique=False)

    op.create_table('stored_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_file')),
    sa.UniqueConstraint('key', name=op.f('uq_stored_file_key')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('picture', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_id', sa.Integer(), nullable=True))
    _move_pictures_to_storage()
    with op.batch_alter_table('picture', schema=None) as batch_op:
        batch_op.alter_column('file_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_picture_file_id'), ['file_id'])
        batch_op.create_foreign_key(batch_op.f('fk_picture_file_id_stored_file'), 'stored_file', ['file_id'], ['id'])
        batch_op.drop_column('sha256')
        batch_op.drop_column('content_type')
        batch_op.drop_column('data')


def _move_pictures_to_storage() -> None:
    connection = op.get_bind()
    pictures = connection.execute(sa.text("SELECT id, data, content_type FROM picture ORDER BY id")).all()
    if not pictures:
        return
    from app.media.storage import configured_storage

    storage = configured_storage()
    written: list[str] = []
    try:
        for picture_id, data, content_type in pictures:
            data = bytes(data)
            key = storage.put(data, content_type)
            written.append(key)
            # created_at as the picture's: copied in SQL, in the form the column already holds on each database
            connection.execute(sa.text(
                "INSERT INTO stored_file (key, content_type, size, sha256, created_at) "
                "SELECT :key, :content_type, :size, :sha256, created_at FROM picture WHERE id = :id"
            ), {"key": key, "content_type": content_type, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "id": picture_id})
            file_id = connection.execute(sa.text("SELECT id FROM stored_file WHERE key = :key"), {"key": key}).scalar_one()
            connection.execute(sa.text("UPDATE picture SET file_id = :file_id WHERE id = :id"), {"file_id": file_id, "id": picture_id})
    except BaseException:
        for key in written:
            storage.delete(key)
        raise


def downgrade() -> None:
    with op.batch_alter_table('picture', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True))
        batch_op.add_column(sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    _read_pictures_back()
    with op.batch_alter_table('picture', schema=None) as batch_op:
        batch_op.alter_column('data', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column('content_type', existing_type=sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False)
        batch_op.alter_column('sha256', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_picture_file_id_stored_file'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_picture_file_id'), type_='unique')
        batch_op.drop_column('file_id')

    op.drop_table('stored_file')
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.drop_index('ix_link_to')

    op.drop_table('link')


def _read_pictures_back() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT picture.id, stored_file.key, stored_file.content_type FROM picture JOIN stored_file ON stored_file.id = picture.file_id"
    )).all()
    if not rows:
        return
    from app.media.storage import configured_storage

    storage = configured_storage()
    picture = sa.table('picture', sa.column('id'), sa.column('data', sa.LargeBinary()), sa.column('content_type'), sa.column('sha256'))
    for picture_id, key, content_type in rows:
        data = storage.get(key)
        connection.execute(picture.update().where(picture.c.id == picture_id).values(
            data=data, content_type=content_type, sha256=hashlib.sha256(data).hexdigest(),
        ))
