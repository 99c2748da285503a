"""departments (issue 16): department; staff_user.department_id and consultation.department_id (None: city-wide
staff, and a consultation every department works on)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 18:25:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department')),
    sa.UniqueConstraint('code', name=op.f('uq_department_code')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_staff_user_department_id'), ['department_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_staff_user_department_id_department'), 'department', ['department_id'], ['id'],
                                    ondelete='SET NULL')

    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_consultation_department_id'), ['department_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_consultation_department_id_department'), 'department', ['department_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consultation_department_id_department'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_consultation_department_id'))
        batch_op.drop_column('department_id')

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_staff_user_department_id_department'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_staff_user_department_id'))
        batch_op.drop_column('department_id')

    op.drop_table('department')
