"""archive dispatch (档案转递, AR-9): dispatch batches and one row per mailed archive

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 14:19:45+08:00

archive_dispatch_batch: one 生成转递编号 of a school. archive_dispatch: the archive's 转递编号 (unique),
the archive info row it copied the recipient from and that copy, state prepared/sent/cancelled, the
carrier's tracking number and date once sent. At most one dispatch that is not cancelled per archive
info row (uq_archive_dispatch_live, a partial unique index on both engines).
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('archive_dispatch_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_archive_dispatch_batch_created_by_user_account')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_archive_dispatch_batch_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_dispatch_batch'))
    )
    with op.batch_alter_table('archive_dispatch_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_dispatch_batch_school_id'), ['school_id'], unique=False)

    op.create_table('archive_dispatch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('transfer_info_id', sa.Integer(), nullable=False),
    sa.Column('transfer_no', sa.String(length=20), nullable=False),
    sa.Column('recipient_name', sa.Text(), nullable=False),
    sa.Column('recipient_region', sa.String(length=6), nullable=False),
    sa.Column('recipient_address', sa.Text(), nullable=False),
    sa.Column('recipient_postcode', sa.String(length=6), nullable=False),
    sa.Column('recipient_contact', sa.Text(), nullable=False),
    sa.Column('recipient_phone', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('carrier', sa.String(length=30), nullable=True),
    sa.Column('tracking_no', sa.String(length=40), nullable=True),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.Column('sent_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state <> 'cancelled' OR cancelled_at IS NOT NULL", name=op.f('ck_archive_dispatch_cancelled_has_time')),
    sa.CheckConstraint("state <> 'sent' OR (carrier IS NOT NULL AND tracking_no IS NOT NULL AND sent_on IS NOT NULL AND sent_at IS NOT NULL)", name=op.f('ck_archive_dispatch_sent_has_tracking')),
    sa.CheckConstraint("state IN ('prepared','sent','cancelled')", name=op.f('ck_archive_dispatch_state_known')),
    sa.ForeignKeyConstraint(['batch_id'], ['archive_dispatch_batch.id'], name=op.f('fk_archive_dispatch_batch_id_archive_dispatch_batch')),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], name=op.f('fk_archive_dispatch_graduate_id_graduate')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_archive_dispatch_school_id_school')),
    sa.ForeignKeyConstraint(['transfer_info_id'], ['transfer_info.id'], name=op.f('fk_archive_dispatch_transfer_info_id_transfer_info')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_dispatch')),
    sa.UniqueConstraint('transfer_no', name=op.f('uq_archive_dispatch_transfer_no'))
    )
    with op.batch_alter_table('archive_dispatch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_dispatch_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_archive_dispatch_graduate_id'), ['graduate_id'], unique=False)
        batch_op.create_index('ix_archive_dispatch_school_state', ['school_id', 'state'], unique=False)
        batch_op.create_index('uq_archive_dispatch_live', ['transfer_info_id'], unique=True, sqlite_where=sa.text("state <> 'cancelled'"), postgresql_where=sa.text("state <> 'cancelled'"))



def downgrade() -> None:
    with op.batch_alter_table('archive_dispatch', schema=None) as batch_op:
        batch_op.drop_index('uq_archive_dispatch_live', sqlite_where=sa.text("state <> 'cancelled'"), postgresql_where=sa.text("state <> 'cancelled'"))
        batch_op.drop_index('ix_archive_dispatch_school_state')
        batch_op.drop_index(batch_op.f('ix_archive_dispatch_graduate_id'))
        batch_op.drop_index(batch_op.f('ix_archive_dispatch_batch_id'))

    op.drop_table('archive_dispatch')
    with op.batch_alter_table('archive_dispatch_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_dispatch_batch_school_id'))

    op.drop_table('archive_dispatch_batch')
