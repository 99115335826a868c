"""invitation_expiry: one row per expiry run, and the index on expired_at its fan-out reads

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 07:00:00+08:00
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('invitation_expiry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('fanned_out_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_expiry'))
    )
    with op.batch_alter_table('invitation_expiry', schema=None) as batch_op:
        batch_op.create_index('ix_invitation_expiry_pending', ['id'], unique=False,
                              sqlite_where=sa.text('fanned_out_at IS NULL'),
                              postgresql_where=sa.text('fanned_out_at IS NULL'))
    with op.batch_alter_table('online_agreement', schema=None) as batch_op:
        batch_op.create_index('ix_online_agreement_expired_at', ['expired_at'], unique=False,
                              sqlite_where=sa.text("status = 'expired'"),
                              postgresql_where=sa.text("status = 'expired'"))


def downgrade() -> None:
    with op.batch_alter_table('online_agreement', schema=None) as batch_op:
        batch_op.drop_index('ix_online_agreement_expired_at', sqlite_where=sa.text("status = 'expired'"),
                            postgresql_where=sa.text("status = 'expired'"))
    with op.batch_alter_table('invitation_expiry', schema=None) as batch_op:
        batch_op.drop_index('ix_invitation_expiry_pending', sqlite_where=sa.text('fanned_out_at IS NULL'),
                            postgresql_where=sa.text('fanned_out_at IS NULL'))
    op.drop_table('invitation_expiry')
