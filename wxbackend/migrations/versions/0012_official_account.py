"""official account identities: wechat_binding.oa_openid (openid now optional), wechat_follower

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 23:00:00+08:00

A graduate may be bound through the mini-program (openid), through the official account's OAuth
(oa_openid), or both, linked by unionid. Followers of the official account are kept as its
subscribe/unsubscribe events tell, bound or not.
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('wechat_binding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oa_openid', sa.String(length=64), nullable=True))
        batch_op.alter_column('openid', existing_type=sa.String(length=64), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_wechat_binding_oa_openid'), ['oa_openid'])
        batch_op.create_check_constraint(op.f('ck_wechat_binding_some_openid'),
                                         'openid IS NOT NULL OR oa_openid IS NOT NULL')
    op.create_table('wechat_follower',
    sa.Column('oa_openid', sa.String(length=64), nullable=False),
    sa.Column('unionid', sa.String(length=64), nullable=True),
    sa.Column('subscribed', sa.Boolean(), nullable=False),
    sa.Column('changed_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('oa_openid', name=op.f('pk_wechat_follower'))
    )
    with op.batch_alter_table('wechat_follower', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_follower_unionid'), ['unionid'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('wechat_follower', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wechat_follower_unionid'))
    op.drop_table('wechat_follower')
    op.execute("DELETE FROM wechat_binding WHERE openid IS NULL")
    with op.batch_alter_table('wechat_binding', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_wechat_binding_some_openid'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_wechat_binding_oa_openid'), type_='unique')
        batch_op.alter_column('openid', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('oa_openid')
