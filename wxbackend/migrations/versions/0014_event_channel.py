"""history rows say how each action reached the platform (channel)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 02:10:00+08:00

review_event.channel and record_event.channel: miniprogram, web, console, employer, sms_link,
wechat or system (``core.channel``). Rows written before this revision have none.
"""

from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('review_event') as batch:
        batch.add_column(sa.Column('channel', sa.String(length=16), nullable=True))
    with op.batch_alter_table('record_event') as batch:
        batch.add_column(sa.Column('channel', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('record_event') as batch:
        batch.drop_column('channel')
    with op.batch_alter_table('review_event') as batch:
        batch.drop_column('channel')
