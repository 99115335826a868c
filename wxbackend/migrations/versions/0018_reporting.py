"""reporting (上报): the per-school deadline, report batches, snapshots, each graduate's last report

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 07:14:49+08:00

report_deadline: one date per (school, graduation year) (RP-2; absent means 31 August).
report_batch: one 上报 of a school for a year; report_snapshot: what it said of each graduate
(national codes as JSON, with its SHA-256 digest); graduate_report: each graduate's last report,
compared with the info of now to show 新增 / 有改动 / 已上报 (RP-1).
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db
from sqlalchemy.dialects import postgresql

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('graduation_year', sa.Integer(), nullable=False),
    sa.Column('reported_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('reported_by', sa.Integer(), nullable=False),
    sa.Column('new_count', sa.Integer(), nullable=False),
    sa.Column('changed_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['reported_by'], ['user_account.id'], name=op.f('fk_report_batch_reported_by_user_account')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_report_batch_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_batch'))
    )
    with op.batch_alter_table('report_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_batch_school_id'), ['school_id'], unique=False)

    op.create_table('report_deadline',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('graduation_year', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_report_deadline_school_id_school')),
    sa.ForeignKeyConstraint(['set_by'], ['user_account.id'], name=op.f('fk_report_deadline_set_by_user_account')),
    sa.PrimaryKeyConstraint('school_id', 'graduation_year', name=op.f('pk_report_deadline'))
    )
    op.create_table('report_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.CheckConstraint("state IN ('new','changed')", name=op.f('ck_report_snapshot_state_known')),
    sa.ForeignKeyConstraint(['batch_id'], ['report_batch.id'], name=op.f('fk_report_snapshot_batch_id_report_batch')),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], name=op.f('fk_report_snapshot_graduate_id_graduate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_snapshot'))
    )
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_snapshot_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_report_snapshot_graduate', ['graduate_id', 'id'], unique=False)

    op.create_table('graduate_report',
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('reported_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], name=op.f('fk_graduate_report_graduate_id_graduate')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['report_snapshot.id'], name=op.f('fk_graduate_report_snapshot_id_report_snapshot')),
    sa.PrimaryKeyConstraint('graduate_id', name=op.f('pk_graduate_report'))
    )


def downgrade() -> None:
    op.drop_table('graduate_report')
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_report_snapshot_graduate')
        batch_op.drop_index(batch_op.f('ix_report_snapshot_batch_id'))

    op.drop_table('report_snapshot')
    op.drop_table('report_deadline')
    with op.batch_alter_table('report_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_batch_school_id'))

    op.drop_table('report_batch')
