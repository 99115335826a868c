"""one-time form keys: form_submission, so a create form submitted twice creates once

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 22:30:00+08:00
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('form_submission',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=48), nullable=False),
    sa.Column('result_url', sa.String(length=300), nullable=True),
    sa.Column('created_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_form_submission'))
    )
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_submission_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submission_created_at'))
    op.drop_table('form_submission')
