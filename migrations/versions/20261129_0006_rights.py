"""guardian rights: rights requests answered by staff, and deletion receipts of erasures

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 13:34:34.929161
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.crypto
import app.core.db

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('deletion_receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_ref', sa.String(length=43), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.CheckConstraint("requested_by IN ('guardian', 'self', 'staff')", name=op.f('ck_deletion_receipt_requested_by_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deletion_receipt')),
    sa.UniqueConstraint('child_ref', name=op.f('uq_deletion_receipt_child_ref'))
    )
    op.create_table('rights_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('text', app.core.crypto.EncryptedText(), nullable=False),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('answer', app.core.crypto.EncryptedText(), nullable=True),
    sa.Column('answered_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('access', 'correct', 'delete', 'explain')", name=op.f('ck_rights_request_kind_known')),
    sa.CheckConstraint("status IN ('open', 'answered')", name=op.f('ck_rights_request_status_known')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['staff_user.id'], name=op.f('fk_rights_request_answered_by_id_staff_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_rights_request_child_id_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id'], name=op.f('fk_rights_request_guardian_id_guardian'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rights_request'))
    )
    with op.batch_alter_table('rights_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rights_request_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rights_request_guardian_id'), ['guardian_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rights_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rights_request_guardian_id'))
        batch_op.drop_index(batch_op.f('ix_rights_request_child_id'))

    op.drop_table('rights_request')
    op.drop_table('deletion_receipt')
