"""offline signing, the paper agreement, offline termination

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 02:26:09+08:00

offline_agreement: the e-agreement application (two reviews) and the paper-agreement registration
(one), with the employer's upload link (nonce, sent time, the SMS outbox row); offline_page: what the
page codes of each uploaded image said; offline_termination: 线下解约 applications.
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db
from sqlalchemy.dialects import postgresql

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('offline_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('unit_info', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('terms', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('agreement_no', sa.String(length=24), nullable=True),
    sa.Column('pdf_file_id', sa.Integer(), nullable=True),
    sa.Column('pdf_pages', sa.Integer(), nullable=True),
    sa.Column('signed_pdf_file_id', sa.Integer(), nullable=True),
    sa.Column('pages_submitted_by', sa.String(length=10), nullable=True),
    sa.Column('link_nonce', sa.String(length=32), nullable=True),
    sa.Column('link_sent_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('link_phone', sa.String(length=20), nullable=True),
    sa.Column('link_outbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('agreement_passed_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('pages_submitted_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('signed_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('failed_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('terminated_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("mode = 'eagreement' OR status NOT IN ('agreement_review','agreement_returned','agreement_failed','agreement_passed')", name=op.f('ck_offline_agreement_paper_has_one_review')),
    sa.CheckConstraint("mode IN ('eagreement','paper')", name=op.f('ck_offline_agreement_mode_known')),
    sa.CheckConstraint("status <> 'signed' OR agreement_no IS NOT NULL", name=op.f('ck_offline_agreement_signed_has_number')),
    sa.CheckConstraint("status IN ('draft','agreement_review','agreement_returned','agreement_failed','agreement_passed','signing_review','signing_returned','signing_failed','signed','terminated')", name=op.f('ck_offline_agreement_status_known')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_offline_agreement_department_id_department')),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], name=op.f('fk_offline_agreement_graduate_id_graduate')),
    sa.ForeignKeyConstraint(['link_outbox_id'], ['notification_outbox.id'], name=op.f('fk_offline_agreement_link_outbox_id_notification_outbox')),
    sa.ForeignKeyConstraint(['pdf_file_id'], ['stored_file.id'], name=op.f('fk_offline_agreement_pdf_file_id_stored_file')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_offline_agreement_school_id_school')),
    sa.ForeignKeyConstraint(['signed_pdf_file_id'], ['stored_file.id'], name=op.f('fk_offline_agreement_signed_pdf_file_id_stored_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offline_agreement'))
    )
    with op.batch_alter_table('offline_agreement', schema=None) as batch_op:
        batch_op.create_index('ix_offline_agreement_school_status', ['school_id', 'status'], unique=False)
        batch_op.create_index('uq_offline_agreement_agreement_no', ['agreement_no'], unique=True, sqlite_where=sa.text('agreement_no IS NOT NULL'), postgresql_where=sa.text('agreement_no IS NOT NULL'))
        batch_op.create_index('uq_offline_agreement_open', ['graduate_id'], unique=True, sqlite_where=sa.text("status NOT IN ('agreement_failed','signing_failed','terminated')"), postgresql_where=sa.text("status NOT IN ('agreement_failed','signing_failed','terminated')"))

    op.create_table('offline_page',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=8), nullable=False),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('checked_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("result IN ('match','other','none')", name=op.f('ck_offline_page_result_known')),
    sa.ForeignKeyConstraint(['agreement_id'], ['offline_agreement.id'], name=op.f('fk_offline_page_agreement_id_offline_agreement')),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_offline_page_file_id_stored_file')),
    sa.PrimaryKeyConstraint('file_id', name=op.f('pk_offline_page'))
    )
    with op.batch_alter_table('offline_page', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_page_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('offline_termination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('reason_code', sa.String(length=4), nullable=False),
    sa.Column('explanation', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft','pending','returned','approved','rejected','cancelled')", name=op.f('ck_offline_termination_status_known')),
    sa.ForeignKeyConstraint(['agreement_id'], ['offline_agreement.id'], name=op.f('fk_offline_termination_agreement_id_offline_agreement')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_offline_termination_department_id_department')),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], name=op.f('fk_offline_termination_graduate_id_graduate')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_offline_termination_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offline_termination'))
    )
    with op.batch_alter_table('offline_termination', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_termination_graduate_id'), ['graduate_id'], unique=False)
        batch_op.create_index('ix_offline_termination_school_status', ['school_id', 'status'], unique=False)
        batch_op.create_index('uq_offline_termination_open', ['agreement_id'], unique=True, sqlite_where=sa.text("status IN ('draft','pending','returned')"), postgresql_where=sa.text("status IN ('draft','pending','returned')"))



def downgrade() -> None:
    with op.batch_alter_table('offline_termination', schema=None) as batch_op:
        batch_op.drop_index('uq_offline_termination_open', sqlite_where=sa.text("status IN ('draft','pending','returned')"), postgresql_where=sa.text("status IN ('draft','pending','returned')"))
        batch_op.drop_index('ix_offline_termination_school_status')
        batch_op.drop_index(batch_op.f('ix_offline_termination_graduate_id'))

    op.drop_table('offline_termination')
    with op.batch_alter_table('offline_page', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offline_page_agreement_id'))

    op.drop_table('offline_page')
    with op.batch_alter_table('offline_agreement', schema=None) as batch_op:
        batch_op.drop_index('uq_offline_agreement_open', sqlite_where=sa.text("status NOT IN ('agreement_failed','signing_failed','terminated')"), postgresql_where=sa.text("status NOT IN ('agreement_failed','signing_failed','terminated')"))
        batch_op.drop_index('uq_offline_agreement_agreement_no', sqlite_where=sa.text('agreement_no IS NOT NULL'), postgresql_where=sa.text('agreement_no IS NOT NULL'))
        batch_op.drop_index('ix_offline_agreement_school_status')

    op.drop_table('offline_agreement')
