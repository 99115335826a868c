"""other destinations, destination claim, attachments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 01:30:00+08:00
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('destination_claim',
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('claimed_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], name=op.f('fk_destination_claim_graduate_id_graduate')),
    sa.PrimaryKeyConstraint('graduate_id', name=op.f('pk_destination_claim')),
    sa.UniqueConstraint('kind', 'subject_id', name='uq_destination_claim_subject')
    )
    op.create_table('other_destination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('subkind', sa.String(length=32), nullable=False),
    sa.Column('group', sa.String(length=20), nullable=False),
    sa.Column('destination_code', sa.String(length=4), nullable=True),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('approved_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('voided_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status <> 'voided' OR voided_at IS NOT NULL", name=op.f('ck_other_destination_voided_has_time')),
    sa.CheckConstraint("status IN ('draft','pending','returned','approved','rejected','voided')", name=op.f('ck_other_destination_status_known')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_other_destination_department_id_department')),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], name=op.f('fk_other_destination_graduate_id_graduate')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_other_destination_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_other_destination'))
    )
    with op.batch_alter_table('other_destination', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_other_destination_graduate_id'), ['graduate_id'], unique=False)
        batch_op.create_index('ix_other_destination_school_status', ['school_id', 'status'], unique=False)
        batch_op.create_index('uq_other_destination_open', ['graduate_id'], unique=True, sqlite_where=sa.text("status IN ('draft','pending','returned','approved')"), postgresql_where=sa.text("status IN ('draft','pending','returned','approved')"))

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_attachment_file_id_stored_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('file_id', name=op.f('uq_attachment_file_id'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index('ix_attachment_subject', ['kind', 'subject_id', 'position'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_attachment_subject')

    op.drop_table('attachment')
    with op.batch_alter_table('other_destination', schema=None) as batch_op:
        batch_op.drop_index('uq_other_destination_open', sqlite_where=sa.text("status IN ('draft','pending','returned','approved')"), postgresql_where=sa.text("status IN ('draft','pending','returned','approved')"))
        batch_op.drop_index('ix_other_destination_school_status')
        batch_op.drop_index(batch_op.f('ix_other_destination_graduate_id'))

    op.drop_table('other_destination')
    op.drop_table('destination_claim')
