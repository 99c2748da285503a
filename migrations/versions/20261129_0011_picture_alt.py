"""consultation.picture_alt: the consultation's picture in words (alt text, A11Y-04 / WCAG 1.1.1)

Existing consultations get an empty description ({}): added nullable, filled, then made NOT NULL (batch mode
on SQLite), so the column matches the model without a server default.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('picture_alt', sa.JSON(), nullable=True))
    op.execute("UPDATE consultation SET picture_alt = '{}'")
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.alter_column('picture_alt', existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_column('picture_alt')
