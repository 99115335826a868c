"""official-account callback: subscribe-message consent per template, callback keys seen

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 23:50:00+08:00

wechat_template_consent keeps what a WeChat user last chose for each subscribe-message template;
wechat_callback_seen remembers signatures and messages the callback has handled (replays and
WeChat's retries) when no Redis is configured.
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('wechat_template_consent',
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('template_id', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('changed_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('accept','reject')", name=op.f('ck_wechat_template_consent_status_known')),
    sa.PrimaryKeyConstraint('openid', 'template_id', name=op.f('pk_wechat_template_consent'))
    )
    op.create_table('wechat_callback_seen',
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('expires_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_wechat_callback_seen'))
    )
    with op.batch_alter_table('wechat_callback_seen', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_callback_seen_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('wechat_callback_seen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wechat_callback_seen_expires_at'))
    op.drop_table('wechat_callback_seen')
    op.drop_table('wechat_template_consent')
