"""record events: record_event (append-only), the history of records outside review

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 10:00:00+08:00

Existing invitations, agreements and termination requests get the events their columns tell
(sent, answered, expired, signed, failed, terminated; started, answered), so their timelines stay
whole. A cancelled termination request has no time of cancellation and gets no cancel event.
"""

from alembic import op

from wxbackend.migrations.helpers import drop_append_only, make_append_only
import sqlalchemy as sa
import wxbackend.core.db
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')
BIGID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

COLUMNS = "at, kind, subject_id, graduate_id, school_id, actor_type, actor_id, actor_name, role, action, reason, data"


def upgrade() -> None:
    op.create_table('record_event',
    sa.Column('id', BIGID, nullable=False),
    sa.Column('at', wxbackend.core.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('graduate_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('actor_type', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', JSON, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_event'))
    )
    with op.batch_alter_table('record_event', schema=None) as batch_op:
        batch_op.create_index('ix_record_event_subject', ['kind', 'subject_id'], unique=False)
    _backfill()
    make_append_only("record_event")


def _backfill() -> None:
    """One INSERT … SELECT per action, in the order things happen, so ids follow time per record."""
    obj = "jsonb_build_object" if op.get_bind().dialect.name == "postgresql" else "json_object"
    system = "'system', NULL, '系统', 'system'"
    graduate = "'graduate', g.id, g.name, 'graduate'"
    agreements = ("FROM online_agreement AS a JOIN graduate AS g ON g.id = a.graduate_id "
                  "LEFT JOIN user_account AS u ON u.id = a.invited_by_user_id")
    online = "'online_agreement', a.id, a.graduate_id, a.school_id"
    for select in (
        f"a.invited_at, {online}, 'employer', a.invited_by_user_id, COALESCE(u.display_name, a.unit_name), "
        f"'employer', 'invite', NULL, {obj}('response_days', a.response_days) {agreements}",
        f"a.answered_at, {online}, {graduate}, 'accept', NULL, {obj}() {agreements} "
        "WHERE a.answered_at IS NOT NULL AND a.status IN ('reviewing', 'signed', 'failed', 'terminated')",
        f"a.answered_at, {online}, {graduate}, 'decline', NULL, {obj}() {agreements} "
        "WHERE a.answered_at IS NOT NULL AND a.status = 'declined'",
        f"COALESCE(a.expired_at, a.deadline), {online}, {system}, 'expire', NULL, {obj}() {agreements} "
        "WHERE a.status = 'expired'",
        f"a.signed_at, {online}, {system}, 'sign', NULL, {obj}('agreement_no', a.agreement_no) {agreements} "
        "WHERE a.signed_at IS NOT NULL",
        f"a.failed_at, {online}, {system}, 'fail', a.failed_reason, {obj}() {agreements} "
        "WHERE a.failed_at IS NOT NULL",
        f"a.terminated_at, {online}, {system}, 'terminate', NULL, {obj}('termination_id', "
        "(SELECT max(t.id) FROM termination_request AS t WHERE t.agreement_id = a.id AND t.status = 'approved')) "
        f"{agreements} WHERE a.terminated_at IS NOT NULL",
    ):
        op.execute(f"INSERT INTO record_event ({COLUMNS}) SELECT {select}")

    requests = ("FROM termination_request AS t JOIN graduate AS g ON g.id = t.graduate_id "
                "JOIN employer AS e ON e.id = t.employer_id LEFT JOIN user_account AS u ON u.id = t.initiator_user_id")
    termination = "'termination', t.id, t.graduate_id, t.school_id"

    def party(side: str) -> str:
        """The actor columns of *side* (an SQL expression naming graduate or employer).

        Only an initiating employer's user is known (``initiator_user_id``); an answering one is the employer.
        """
        return (f"CASE WHEN {side} = 'graduate' THEN 'graduate' ELSE 'employer' END, "
                f"CASE WHEN {side} = 'graduate' THEN g.id WHEN t.initiator = 'employer' THEN t.initiator_user_id END, "
                f"CASE WHEN {side} = 'graduate' THEN g.name WHEN t.initiator = 'employer' "
                f"THEN COALESCE(u.display_name, e.name) ELSE e.name END, "
                f"CASE WHEN {side} = 'graduate' THEN 'graduate' ELSE 'employer' END")

    other = "CASE WHEN t.initiator = 'graduate' THEN 'employer' ELSE 'graduate' END"
    for select in (
        f"t.created_at, {termination}, {party('t.initiator')}, 'start', t.explanation, "
        f"{obj}('initiator', t.initiator, 'agreement_id', t.agreement_id, 'reason_code', t.reason_code) {requests}",
        f"t.answered_at, {termination}, {party(other)}, 'accept', NULL, {obj}() {requests} "
        "WHERE t.answered_at IS NOT NULL AND t.status IN ('reviewing', 'approved', 'rejected')",
        f"t.answered_at, {termination}, {party(other)}, 'decline', NULL, {obj}() {requests} "
        "WHERE t.answered_at IS NOT NULL AND t.status = 'declined'",
    ):
        op.execute(f"INSERT INTO record_event ({COLUMNS}) SELECT {select}")

    # OD-4: other destinations the graduate voided.
    op.execute(f"INSERT INTO record_event ({COLUMNS}) SELECT d.voided_at, 'other_destination', d.id, d.graduate_id, "
               f"d.school_id, {graduate}, 'void', NULL, {obj}() FROM other_destination AS d "
               "JOIN graduate AS g ON g.id = d.graduate_id WHERE d.voided_at IS NOT NULL")


def downgrade() -> None:
    drop_append_only("record_event")
    with op.batch_alter_table('record_event', schema=None) as batch_op:
        batch_op.drop_index('ix_record_event_subject')
    op.drop_table('record_event')
