"""moderation: one review per comment (findings, risk, decision, look-again) and the append-only decision log

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 14:47:36.119956
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('moderation_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('spans', sa.JSON(), nullable=False),
    sa.Column('look_again', sa.Boolean(), nullable=False),
    sa.Column('at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('approved', 'redacted', 'rejected', 'escalated')", name=op.f('ck_moderation_decision_decision_known')),
    sa.CheckConstraint("reason IS NULL OR reason IN ('personal_information', 'unkind', 'off_topic', 'unclear')", name=op.f('ck_moderation_decision_reason_known')),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_moderation_decision_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moderator_id'], ['staff_user.id'], name=op.f('fk_moderation_decision_moderator_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_decision'))
    )
    with op.batch_alter_table('moderation_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_decision_comment_id'), ['comment_id'], unique=False)

    op.create_table('moderation_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('risk', sa.Float(), nullable=False),
    sa.Column('queued_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('look_again', sa.Boolean(), nullable=False),
    sa.Column('first_moderator_id', sa.Integer(), nullable=True),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("decision IS NULL OR decision IN ('approved', 'redacted', 'rejected', 'escalated')", name=op.f('ck_moderation_review_decision_known')),
    sa.CheckConstraint("reason IS NULL OR reason IN ('personal_information', 'unkind', 'off_topic', 'unclear')", name=op.f('ck_moderation_review_reason_known')),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_moderation_review_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_user.id'], name=op.f('fk_moderation_review_decided_by_id_staff_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['first_moderator_id'], ['staff_user.id'], name=op.f('fk_moderation_review_first_moderator_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_review')),
    sa.UniqueConstraint('comment_id', name=op.f('uq_moderation_review_comment_id'))
    )


def downgrade() -> None:
    op.drop_table('moderation_review')
    with op.batch_alter_table('moderation_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_decision_comment_id'))

    op.drop_table('moderation_decision')
