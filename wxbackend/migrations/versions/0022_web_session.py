"""web_session: browser sessions the server can end (logout ends a copied cookie too)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 20:00:00+08:00

Sessions signed before this revision name no row and end: everybody logs in once more.
"""

from alembic import op
import sqlalchemy as sa
import wxbackend.core.db

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_session',
    sa.Column('id', sa.String(length=43), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('graduate_id', sa.Integer(), nullable=True),
    sa.Column('created_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(user_id IS NULL) <> (graduate_id IS NULL)', name=op.f('ck_web_session_one_principal')),
    sa.ForeignKeyConstraint(['graduate_id'], ['graduate.id'], name=op.f('fk_web_session_graduate_id_graduate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_web_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_session'))
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_session_graduate_id'), ['graduate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_session_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_web_session_graduate_id'))
        batch_op.drop_index(batch_op.f('ix_web_session_created_at'))

    op.drop_table('web_session')
