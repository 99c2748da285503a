"""job: work for `yimi worker` processes, enqueued in the transaction of its cause (issue 15)

A job has a kind (its handler), a JSON payload, a state (queued, running, done, failed), its tries and when it
may next run, a lease (`locked_by`, `locked_until`: a worker that dies leaves it claimable again when the lease
runs out), its last error, its progress (0..100 and a message), and an optional unique key (a periodic job's
time slot, so that many workers enqueue it once). `created_by_id` names the staff user who may follow it.
On SQLite the table is AUTOINCREMENT (migrations/env.py, migration 0012).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('locked_until', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('progress_message', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_job_state_known')),
    sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_job_progress_percent')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_job_created_by_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    sa.UniqueConstraint('key', name=op.f('uq_job_key'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_claimable', ['state', 'run_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_created_at'))
        batch_op.drop_index('ix_job_claimable')
    op.drop_table('job')
