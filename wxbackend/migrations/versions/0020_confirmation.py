"""confirmation (去向登记确认): the graduate's answer to their last report; the 四不准 reports

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 14:32:15+08:00

destination_confirmation: one current answer per graduate (confirmed, or an error report with its
explanations and contact mobile), ended by revoke, by changed info or by the next report (CF-1…CF-5).
violation_report: a graduate's 四不准 report, read by the platform admin only (CF-6).
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db
from sqlalchemy.dialects import postgresql

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('violation_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('concerned_school_id', sa.Integer(), nullable=False),
    sa.Column('kinds', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('party', sa.String(length=100), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('mobile', sa.String(length=11), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('handled_by', sa.Integer(), nullable=True),
    sa.Column('handled_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('handled_note', sa.String(length=500), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('new','handled')", name=op.f('ck_violation_report_status_known')),
    sa.ForeignKeyConstraint(['concerned_school_id'], ['school.id'], name=op.f('fk_violation_report_concerned_school_id_school')),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], name=op.f('fk_violation_report_graduate_id_graduate')),
    sa.ForeignKeyConstraint(['handled_by'], ['user_account.id'], name=op.f('fk_violation_report_handled_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_violation_report'))
    )
    with op.batch_alter_table('violation_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_violation_report_concerned_school_id'), ['concerned_school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_violation_report_created_at'), ['created_at'], unique=False)

    op.create_table('destination_confirmation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('errors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('mobile', sa.String(length=11), nullable=True),
    sa.Column('created_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=16), nullable=True),
    sa.CheckConstraint("answer IN ('confirmed','error')", name=op.f('ck_destination_confirmation_answer_known')),
    sa.CheckConstraint("status IN ('current','revoked','void','resolved')", name=op.f('ck_destination_confirmation_status_known')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_destination_confirmation_department_id_department')),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], name=op.f('fk_destination_confirmation_graduate_id_graduate')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_destination_confirmation_school_id_school')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['report_snapshot.id'], name=op.f('fk_destination_confirmation_snapshot_id_report_snapshot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_destination_confirmation'))
    )
    with op.batch_alter_table('destination_confirmation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_destination_confirmation_graduate_id'), ['graduate_id'], unique=False)
        batch_op.create_index('ix_destination_confirmation_school', ['school_id', 'status'], unique=False)
        batch_op.create_index('uq_destination_confirmation_current', ['graduate_id'], unique=True, sqlite_where=sa.text("status = 'current'"), postgresql_where=sa.text("status = 'current'"))



def downgrade() -> None:
    with op.batch_alter_table('destination_confirmation', schema=None) as batch_op:
        batch_op.drop_index('uq_destination_confirmation_current', sqlite_where=sa.text("status = 'current'"), postgresql_where=sa.text("status = 'current'"))
        batch_op.drop_index('ix_destination_confirmation_school')
        batch_op.drop_index(batch_op.f('ix_destination_confirmation_graduate_id'))

    op.drop_table('destination_confirmation')
    with op.batch_alter_table('violation_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_violation_report_created_at'))
        batch_op.drop_index(batch_op.f('ix_violation_report_concerned_school_id'))

    op.drop_table('violation_report')
