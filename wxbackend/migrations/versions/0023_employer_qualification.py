"""employer qualification review (EM-1): employer.qualification_status and the submissions

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 08:41:00+08:00

Employers registered before this revision keep inviting: they are marked approved (their codes were
checked against GB 32100 at registration). New ones start pending.
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('employer_qualification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('submitted_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name=op.f('ck_employer_qualification_decided_when_not_pending')),
    sa.CheckConstraint("status IN ('pending','approved','rejected')", name=op.f('ck_employer_qualification_status_known')),
    sa.CheckConstraint('length(credit_code) = 18', name=op.f('ck_employer_qualification_credit_code_18')),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], name=op.f('fk_employer_qualification_decided_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['employer_id'], ['employer.id'], name=op.f('fk_employer_qualification_employer_id_employer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by'], ['user_account.id'], name=op.f('fk_employer_qualification_submitted_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer_qualification'))
    )
    with op.batch_alter_table('employer_qualification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employer_qualification_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employer_qualification_submitted_at'), ['submitted_at'], unique=False)
        batch_op.create_index('uq_employer_qualification_pending', ['employer_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    with op.batch_alter_table('employer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qualification_status', sa.String(length=10), server_default='pending', nullable=False))
    op.execute("UPDATE employer SET qualification_status = 'approved'")
    with op.batch_alter_table('employer', schema=None) as batch_op:
        batch_op.create_check_constraint('qualification_known', "qualification_status IN ('pending','approved','rejected')")



def downgrade() -> None:
    with op.batch_alter_table('employer', schema=None) as batch_op:
        batch_op.drop_constraint('qualification_known', type_='check')
        batch_op.drop_column('qualification_status')

    with op.batch_alter_table('employer_qualification', schema=None) as batch_op:
        batch_op.drop_index('uq_employer_qualification_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_employer_qualification_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_employer_qualification_employer_id'))

    op.drop_table('employer_qualification')
