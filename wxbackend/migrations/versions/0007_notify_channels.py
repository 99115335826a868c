"""notify channels: an outbox row goes to a graduate (wechat) or a phone number (sms)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00+08:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

HAS_RECIPIENT = "(channel = 'wechat' AND graduate_id IS NOT NULL) OR (channel = 'sms' AND phone IS NOT NULL)"


def upgrade() -> None:
    # SQLite rebuilds the table in batch mode; the partial index is dropped and created again
    # afterwards so its WHERE clause survives the copy (as in 0006).
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_outbox_unsent')
        batch_op.add_column(sa.Column('channel', sa.String(length=8), server_default='wechat', nullable=False))
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
        batch_op.alter_column('graduate_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(op.f('ck_notification_outbox_channel_known'),
                                         "channel IN ('wechat','sms')")
        batch_op.create_check_constraint(op.f('ck_notification_outbox_has_recipient'), HAS_RECIPIENT)
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_notification_outbox_unsent', ['id'], unique=False,
                              sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    # The old table has no place for an SMS row.
    op.execute("DELETE FROM notification_outbox WHERE channel <> 'wechat'")
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_outbox_unsent')
        batch_op.drop_constraint(op.f('ck_notification_outbox_has_recipient'), type_='check')
        batch_op.drop_constraint(op.f('ck_notification_outbox_channel_known'), type_='check')
        batch_op.alter_column('graduate_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('phone')
        batch_op.drop_column('channel')
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_notification_outbox_unsent', ['id'], unique=False,
                              sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
