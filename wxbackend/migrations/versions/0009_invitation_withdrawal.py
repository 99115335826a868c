"""invitation withdrawal and decline reason: online_agreement.withdrawn_at, decline_reason, status 'withdrawn'

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 22:00:00+08:00

An employer may withdraw (撤回) a waiting invitation before the graduate answers (ON-11), and a
graduate may say why they decline (ON-12).
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD = "status IN ('waiting','declined','expired','reviewing','signed','failed','terminated')"
NEW = "status IN ('waiting','declined','expired','withdrawn','reviewing','signed','failed','terminated')"


def upgrade() -> None:
    with op.batch_alter_table('online_agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decline_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_online_agreement_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_online_agreement_status_known'), NEW)


def downgrade() -> None:
    op.execute("UPDATE online_agreement SET status = 'declined' WHERE status = 'withdrawn'")
    with op.batch_alter_table('online_agreement', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_online_agreement_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_online_agreement_status_known'), OLD)
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('decline_reason')
