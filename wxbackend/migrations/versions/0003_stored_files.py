"""stored files (FS-5 image pipeline)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 01:00:00+08:00
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stored_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('original_name', sa.String(length=200), nullable=True),
    sa.Column('owner_graduate_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('compression_state', sa.String(length=12), nullable=False),
    sa.Column('created_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("compression_state IN ('pending','done','not_needed')", name=op.f('ck_stored_file_compression_state_known')),
    sa.ForeignKeyConstraint(['owner_graduate_id'], ['graduate.id'], name=op.f('fk_stored_file_owner_graduate_id_graduate')),
    sa.ForeignKeyConstraint(['uploaded_by_user_id'], ['user_account.id'], name=op.f('fk_stored_file_uploaded_by_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_file')),
    sa.UniqueConstraint('key', name=op.f('uq_stored_file_key'))
    )
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_file_owner_graduate_id'), ['owner_graduate_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_file_owner_graduate_id'))

    op.drop_table('stored_file')
