"""review engine: review_item, review_event (append-only), notification_outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 10:00:00+08:00
"""

from alembic import op

from wxbackend.migrations.helpers import drop_append_only, make_append_only
import sqlalchemy as sa
import wxbackend.core.db
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')
BIGID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('review_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('allow_return', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('last_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("stage IN ('department','school','done')", name=op.f('ck_review_item_stage_known')),
    sa.CheckConstraint("status IN ('pending','returned','rejected','approved','withdrawn')",
                       name=op.f('ck_review_item_status_known')),
    sa.CheckConstraint("(status = 'approved' AND stage = 'done') OR (status <> 'approved' AND stage <> 'done')",
                       name=op.f('ck_review_item_done_iff_approved')),
    sa.CheckConstraint("status <> 'returned' OR allow_return", name=op.f('ck_review_item_return_allowed')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_review_item_version_positive')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_review_item_department_id_department')),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], name=op.f('fk_review_item_graduate_id_graduate')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_review_item_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_item'))
    )
    with op.batch_alter_table('review_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_item_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_item_graduate_id'), ['graduate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_item_school_id'), ['school_id'], unique=False)
        batch_op.create_index('ix_review_item_subject', ['kind', 'subject_id'], unique=False)
        batch_op.create_index('ix_review_item_queue', ['school_id', 'stage', 'status'], unique=False)
        batch_op.create_index('uq_review_item_open_subject', ['kind', 'subject_id'], unique=True,
                              sqlite_where=sa.text("status = 'pending'"),
                              postgresql_where=sa.text("status = 'pending'"))

    op.create_table('review_event',
    sa.Column('id', BIGID, nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('actor_type', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_stage', sa.String(length=16), nullable=True),
    sa.Column('to_stage', sa.String(length=16), nullable=True),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changes', JSON, nullable=False),
    sa.CheckConstraint("action IN ('submit','withdraw','pass','return','reject','edit','resubmit')",
                       name=op.f('ck_review_event_action_known')),
    sa.ForeignKeyConstraint(['item_id'], ['review_item.id'], name=op.f('fk_review_event_item_id_review_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_event'))
    )
    with op.batch_alter_table('review_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_event_item_id'), ['item_id'], unique=False)

    op.create_table('notification_outbox',
    sa.Column('id', BIGID, nullable=False),
    sa.Column('created_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('data', JSON, nullable=False),
    sa.Column('sent_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], name=op.f('fk_notification_outbox_graduate_id_graduate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_outbox'))
    )
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_outbox_graduate_id'), ['graduate_id'], unique=False)
        batch_op.create_index('ix_notification_outbox_unsent', ['id'], unique=False,
                              sqlite_where=sa.text('sent_at IS NULL'),
                              postgresql_where=sa.text('sent_at IS NULL'))

    make_append_only("review_event")


def downgrade() -> None:
    drop_append_only("review_event")
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_outbox_unsent', sqlite_where=sa.text('sent_at IS NULL'),
                            postgresql_where=sa.text('sent_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_notification_outbox_graduate_id'))
    op.drop_table('notification_outbox')
    with op.batch_alter_table('review_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_event_item_id'))
    op.drop_table('review_event')
    with op.batch_alter_table('review_item', schema=None) as batch_op:
        batch_op.drop_index('uq_review_item_open_subject', sqlite_where=sa.text("status = 'pending'"),
                            postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index('ix_review_item_queue')
        batch_op.drop_index('ix_review_item_subject')
        batch_op.drop_index(batch_op.f('ix_review_item_school_id'))
        batch_op.drop_index(batch_op.f('ix_review_item_graduate_id'))
        batch_op.drop_index(batch_op.f('ix_review_item_department_id'))
    op.drop_table('review_item')
