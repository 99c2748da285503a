"""moderated_item: moderation owns a general moderated item (issue 15)

`moderation_review` (one row per comment, a foreign key to it) becomes `moderated_item` (one row per item of
any registered kind: `subject_kind`, `subject_id`, no foreign key to the owner's table), with the item's own
`state` (the compare-and-swap of a decision settles it), the SHA-256 of the words read (`digest`, never the
words), where it was written (`scope_id`), who wrote it (`author_kind`, `child_id`) and whether screening put
it on the officers' "please read" list (`read_first`). Every comment gets an item (a comment never screened
gets action `unscreened`, screened when the queue is next opened). `moderation_decision` and
`moderation_report` refer to the item (`item_id`, cascading with it) instead of the comment.

Revision ID: 0015
Revises: 0013 (the lead re-chains it onto 0014, jobs, at merge)
Create Date: 2026-12-06 14:00:00
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DECISIONS = "'approved', 'redacted', 'rejected', 'escalated'"
REASONS = "'personal_information', 'unkind', 'off_topic', 'unclear'"
UTC = app.core.db.UTCDateTime(timezone=True)

_REVIEW_COLUMNS = ("findings", "action", "risk", "queued_at", "look_again", "first_moderator_id", "decision", "reason",
                   "note", "decided_by_id", "decided_at", "reported_at")


def _review_table(name: str, key: str) -> sa.TableClause:
    return sa.table(
        name, sa.column('id', sa.Integer()), sa.column(key, sa.Integer()), sa.column('findings', sa.JSON()),
        sa.column('action', sa.String()), sa.column('risk', sa.Float()), sa.column('queued_at', UTC),
        sa.column('look_again', sa.Boolean()), sa.column('first_moderator_id', sa.Integer()), sa.column('decision', sa.String()),
        sa.column('reason', sa.String()), sa.column('note', sa.Text()), sa.column('decided_by_id', sa.Integer()),
        sa.column('decided_at', UTC), sa.column('reported_at', UTC),
    )


def _decision_table(key: str) -> sa.TableClause:
    return sa.table(
        'moderation_decision', sa.column('id', sa.Integer()), sa.column(key, sa.Integer()), sa.column('moderator_id', sa.Integer()),
        sa.column('decision', sa.String()), sa.column('reason', sa.String()), sa.column('note', sa.Text()),
        sa.column('spans', sa.JSON()), sa.column('look_again', sa.Boolean()), sa.column('at', UTC),
    )


def _report_table(key: str) -> sa.TableClause:
    return sa.table(
        'moderation_report', sa.column('id', sa.Integer()), sa.column(key, sa.Integer()), sa.column('reporter_kind', sa.String()),
        sa.column('reporter_id', sa.Integer()), sa.column('reason', sa.String()), sa.column('at', UTC),
    )


def _rows(table: sa.TableClause) -> list[dict]:
    return [dict(row._mapping) for row in op.get_bind().execute(sa.select(table))]


def _create_decisions(key: str, target: str) -> None:
    op.create_table('moderation_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column(key, sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('spans', sa.JSON(), nullable=False),
    sa.Column('look_again', sa.Boolean(), nullable=False),
    sa.Column('at', UTC, nullable=False),
    sa.CheckConstraint(f"decision IN ({DECISIONS})", name=op.f('ck_moderation_decision_decision_known')),
    sa.CheckConstraint(f"reason IS NULL OR reason IN ({REASONS})", name=op.f('ck_moderation_decision_reason_known')),
    sa.ForeignKeyConstraint([key], [f'{target}.id'], name=op.f(f'fk_moderation_decision_{key}_{target}'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moderator_id'], ['staff_user.id'], name=op.f('fk_moderation_decision_moderator_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_decision'))
    )
    with op.batch_alter_table('moderation_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_moderation_decision_{key}'), [key], unique=False)


def _create_reports(key: str, target: str) -> None:
    op.create_table('moderation_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column(key, sa.Integer(), nullable=False),
    sa.Column('reporter_kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('at', UTC, nullable=False),
    sa.CheckConstraint("reason IN ('unkind', 'personal_information', 'worried', 'other')", name=op.f('ck_moderation_report_reason_known')),
    sa.CheckConstraint("reporter_kind IN ('child', 'guardian', 'staff')", name=op.f('ck_moderation_report_reporter_kind_known')),
    sa.ForeignKeyConstraint([key], [f'{target}.id'], name=op.f(f'fk_moderation_report_{key}_{target}'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_report')),
    sa.UniqueConstraint(key, 'reporter_kind', 'reporter_id', name=op.f(f'uq_moderation_report_{key}_reporter_kind_reporter_id'))
    )
    with op.batch_alter_table('moderation_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_moderation_report_{key}'), [key], unique=False)


def _drop(name: str, key: str) -> None:
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f'ix_{name}_{key}'))
    op.drop_table(name)


def upgrade() -> None:
    bind = op.get_bind()
    reviews = {r['comment_id']: r for r in _rows(_review_table('moderation_review', 'comment_id'))}
    decisions = _rows(_decision_table('comment_id'))
    reports = _rows(_report_table('comment_id'))
    comment = sa.table('comment', sa.column('id', sa.Integer()), sa.column('consultation_id', sa.Integer()),
                       sa.column('author_kind', sa.String()), sa.column('child_id', sa.Integer()), sa.column('text', sa.Text()),
                       sa.column('status', sa.String()), sa.column('created_at', UTC))
    comments = [dict(r._mapping) for r in bind.execute(sa.select(comment).order_by(comment.c.id))]
    listed = {r[0] for r in bind.execute(sa.text("SELECT comment_id FROM possible_concern"))}
    op.drop_table('moderation_review')
    _drop('moderation_decision', 'comment_id')
    _drop('moderation_report', 'comment_id')

    op.create_table('moderated_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('scope_id', sa.Integer(), nullable=True),
    sa.Column('author_kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('risk', sa.Float(), nullable=False),
    sa.Column('queued_at', UTC, nullable=False),
    sa.Column('look_again', sa.Boolean(), nullable=False),
    sa.Column('first_moderator_id', sa.Integer(), nullable=True),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', UTC, nullable=True),
    sa.Column('reported_at', UTC, nullable=True),
    sa.Column('read_first', sa.Boolean(), nullable=False),
    sa.CheckConstraint(f"decision IS NULL OR decision IN ({DECISIONS})", name=op.f('ck_moderated_item_decision_known')),
    sa.CheckConstraint(f"reason IS NULL OR reason IN ({REASONS})", name=op.f('ck_moderated_item_reason_known')),
    sa.CheckConstraint("state IN ('pending', 'approved', 'redacted', 'rejected')", name=op.f('ck_moderated_item_state_known')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_user.id'], name=op.f('fk_moderated_item_decided_by_id_staff_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['first_moderator_id'], ['staff_user.id'], name=op.f('fk_moderated_item_first_moderator_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderated_item')),
    sa.UniqueConstraint('subject_kind', 'subject_id', name=op.f('uq_moderated_item_subject_kind_subject_id'))
    )
    with op.batch_alter_table('moderated_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderated_item_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderated_item_scope_id'), ['scope_id'], unique=False)
    _create_decisions('item_id', 'moderated_item')
    _create_reports('item_id', 'moderated_item')

    item = sa.table('moderated_item', *[sa.column(c.name, c.type) for c in _review_table('x', 'subject_id').columns if c.name != 'id'],
                    sa.column('id', sa.Integer()), sa.column('subject_kind', sa.String()), sa.column('scope_id', sa.Integer()),
                    sa.column('author_kind', sa.String()), sa.column('child_id', sa.Integer()), sa.column('state', sa.String()),
                    sa.column('digest', sa.String()), sa.column('created_at', UTC), sa.column('read_first', sa.Boolean()))
    items = []
    for c in comments:  # the item's id is the comment's: decisions and reports follow without a lookup
        review = reviews.get(c['id'])
        row = {name: (review or {}).get(name) for name in _REVIEW_COLUMNS}
        if review is None:
            row.update(findings=[], action='unscreened' if c['status'] == 'pending' else 'clean', risk=0.0,
                       queued_at=c['created_at'], look_again=False)
        items.append({**row, 'id': c['id'], 'subject_kind': 'comment', 'subject_id': c['id'], 'scope_id': c['consultation_id'],
                      'author_kind': c['author_kind'], 'child_id': c['child_id'], 'state': c['status'],
                      'digest': hashlib.sha256((c['text'] or '').encode()).hexdigest(), 'created_at': c['created_at'],
                      'read_first': c['id'] in listed})
    if items:
        op.bulk_insert(item, items)
    if decisions:
        op.bulk_insert(_decision_table('item_id'), [{**{k: v for k, v in d.items() if k != 'comment_id'}, 'item_id': d['comment_id']} for d in decisions])
    if reports:
        op.bulk_insert(_report_table('item_id'), [{**{k: v for k, v in r.items() if k != 'comment_id'}, 'item_id': r['comment_id']} for r in reports])
    if bind.dialect.name == 'postgresql':  # ids were given: the sequences go on after them
        for name in ('moderated_item', 'moderation_decision', 'moderation_report'):
            bind.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"))


def downgrade() -> None:
    bind = op.get_bind()
    item = sa.table('moderated_item', sa.column('id', sa.Integer()), sa.column('subject_kind', sa.String()),
                    sa.column('subject_id', sa.Integer()), *[sa.column(c.name, c.type) for c in _review_table('x', 'y').columns
                                                             if c.name in _REVIEW_COLUMNS])
    items = [dict(r._mapping) for r in bind.execute(sa.select(item).where(item.c.subject_kind == 'comment'))]
    comment_of = {i['id']: i['subject_id'] for i in items}
    decisions = [d for d in _rows(_decision_table('item_id')) if d['item_id'] in comment_of]
    reports = [r for r in _rows(_report_table('item_id')) if r['item_id'] in comment_of]
    _drop('moderation_report', 'item_id')
    _drop('moderation_decision', 'item_id')
    with op.batch_alter_table('moderated_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderated_item_scope_id'))
        batch_op.drop_index(batch_op.f('ix_moderated_item_child_id'))
    op.drop_table('moderated_item')

    op.create_table('moderation_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('risk', sa.Float(), nullable=False),
    sa.Column('queued_at', UTC, nullable=False),
    sa.Column('look_again', sa.Boolean(), nullable=False),
    sa.Column('first_moderator_id', sa.Integer(), nullable=True),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', UTC, nullable=True),
    sa.Column('reported_at', UTC, nullable=True),
    sa.CheckConstraint(f"decision IS NULL OR decision IN ({DECISIONS})", name=op.f('ck_moderation_review_decision_known')),
    sa.CheckConstraint(f"reason IS NULL OR reason IN ({REASONS})", name=op.f('ck_moderation_review_reason_known')),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_moderation_review_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_user.id'], name=op.f('fk_moderation_review_decided_by_id_staff_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['first_moderator_id'], ['staff_user.id'], name=op.f('fk_moderation_review_first_moderator_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_review')),
    sa.UniqueConstraint('comment_id', name=op.f('uq_moderation_review_comment_id'))
    )
    _create_decisions('comment_id', 'comment')
    _create_reports('comment_id', 'comment')
    reviews = [{**{k: v for k, v in i.items() if k in _REVIEW_COLUMNS}, 'comment_id': i['subject_id']}
               for i in items if i['action'] != 'unscreened']
    for review in reviews:
        review['action'] = review['action'] or 'clean'
    if reviews:
        op.bulk_insert(_review_table('moderation_review', 'comment_id'), [{k: v for k, v in r.items() if k != 'id'} for r in reviews])
    if decisions:
        op.bulk_insert(_decision_table('comment_id'), [{**{k: v for k, v in d.items() if k != 'item_id'}, 'comment_id': comment_of[d['item_id']]} for d in decisions])
    if reports:
        op.bulk_insert(_report_table('comment_id'), [{**{k: v for k, v in r.items() if k != 'item_id'}, 'comment_id': comment_of[r['item_id']]} for r in reports])
