"""verification (核验授权): 核验编号 with validity and report content; the record of public lookups

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 15:20:00+08:00

verification: one row per 核验授权, at most one active per (graduate, module) (VA-3, VA-8);
verification_lookup: every public lookup, found or not (VA-5, VA-7).
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db
from sqlalchemy.dialects import postgresql

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('verification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=8), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('confirmation_id', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('content', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('pdf_file_id', sa.Integer(), nullable=True),
    sa.Column('created_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("module IN ('archive','hukou')", name=op.f('ck_verification_module_known')),
    sa.CheckConstraint("status IN ('active','closed','replaced')", name=op.f('ck_verification_status_known')),
    sa.ForeignKeyConstraint(['confirmation_id'], ['destination_confirmation.id'], name=op.f('fk_verification_confirmation_id_destination_confirmation')),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], name=op.f('fk_verification_graduate_id_graduate')),
    sa.ForeignKeyConstraint(['pdf_file_id'], ['stored_file.id'], name=op.f('fk_verification_pdf_file_id_stored_file')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_verification_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification')),
    sa.UniqueConstraint('number', name=op.f('uq_verification_number'))
    )
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_graduate_id'), ['graduate_id'], unique=False)
        batch_op.create_index('uq_verification_active', ['graduate_id', 'module'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('verification_lookup',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=4), nullable=False),
    sa.Column('module', sa.String(length=8), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('found', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=True),
    sa.Column('verification_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['verification_id'], ['verification.id'], name=op.f('fk_verification_lookup_verification_id_verification')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_lookup'))
    )
    with op.batch_alter_table('verification_lookup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_lookup_at'), ['at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('verification_lookup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_lookup_at'))

    op.drop_table('verification_lookup')
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.drop_index('uq_verification_active', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index(batch_op.f('ix_verification_graduate_id'))

    op.drop_table('verification')
