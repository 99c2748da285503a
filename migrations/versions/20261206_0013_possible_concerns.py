"""possible_concern: the safeguarding officers' "please read" list (issue 14); moderation_review.action wider

Words screening finds possibly worrying are held (never shown), open no case, and wait on the officers' list
with their own SLA (YIMI_SAFEGUARDING_REVIEW_MINUTES). One row per comment, cascading with it; the flagged
words are encrypted at rest. The review's action gains `safeguarding_possible` (21 characters).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.crypto
import app.core.db

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('possible_concern',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=True),
    sa.Column('words', app.core.crypto.EncryptedText(), nullable=False),
    sa.Column('subkinds', sa.JSON(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('listed_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('escalated_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('read_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('read_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('case_opened', 'returned')", name=op.f('ck_possible_concern_outcome_known')),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_possible_concern_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['read_by_id'], ['staff_user.id'], name=op.f('fk_possible_concern_read_by_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_possible_concern')),
    sa.UniqueConstraint('comment_id', name=op.f('uq_possible_concern_comment_id'))
    )
    with op.batch_alter_table('possible_concern', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_possible_concern_listed_at'), ['listed_at'], unique=False)
    with op.batch_alter_table('moderation_review', schema=None) as batch_op:
        batch_op.alter_column('action', existing_type=sqlmodel.sql.sqltypes.AutoString(length=20),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=30), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('moderation_review', schema=None) as batch_op:
        batch_op.alter_column('action', existing_type=sqlmodel.sql.sqltypes.AutoString(length=30),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=20), existing_nullable=False)
    with op.batch_alter_table('possible_concern', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_possible_concern_listed_at'))
    op.drop_table('possible_concern')
