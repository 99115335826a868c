"""the directory of archive receiving offices (档案接收单位)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 03:00:00+08:00

receiving_office: name (and its normalised name_key, indexed for prefix search — text_pattern_ops
on PostgreSQL), region, address, postcode, contact, phone; school_id NULL for a platform-wide entry.
One entry per (owner, region, name_key), the NULL owner guarded by its own partial unique index.
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('receiving_office',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_key', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('postcode', sa.String(length=6), nullable=True),
    sa.Column('contact', sa.String(length=50), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('length(region_code) = 6', name=op.f('ck_receiving_office_region_code_six_digits')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_receiving_office_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receiving_office'))
    )
    op.create_index('uq_receiving_office_school', 'receiving_office', ['school_id', 'region_code', 'name_key'],
                    unique=True, sqlite_where=sa.text('school_id IS NOT NULL'),
                    postgresql_where=sa.text('school_id IS NOT NULL'))
    op.create_index('uq_receiving_office_platform', 'receiving_office', ['region_code', 'name_key'], unique=True,
                    sqlite_where=sa.text('school_id IS NULL'), postgresql_where=sa.text('school_id IS NULL'))
    op.create_index('ix_receiving_office_name_key', 'receiving_office', ['name_key'], unique=False,
                    postgresql_ops={'name_key': 'text_pattern_ops'})
    op.create_index('ix_receiving_office_region', 'receiving_office', ['region_code'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_receiving_office_region', table_name='receiving_office')
    op.drop_index('ix_receiving_office_name_key', table_name='receiving_office')
    op.drop_index('uq_receiving_office_platform', table_name='receiving_office')
    op.drop_index('uq_receiving_office_school', table_name='receiving_office')
    op.drop_table('receiving_office')
