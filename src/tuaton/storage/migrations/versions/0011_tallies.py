"""tallies: running counts of identities by status and province, registrations per channel, face
checks and refusals, written with the changes they count

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

Issue "Country scale II" §2: the national dashboard counted ``identities`` (joined to ``citizens``
for provinces) and ``enrolment_evidence`` on every view; both grow with the population. The counts
are now added in the transactions that change them (storage/tallies.py); what is there already is
counted here, in this migration's transaction, into shard 0.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tallies',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('shard', sa.SmallInteger(), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', 'day', 'shard', name='pk_tallies')
    )
    op.create_index('ix_tallies_day', 'tallies', ['day'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        day = "to_char(timezone('Asia/Bangkok', {}), 'YYYY-MM-DD')"
    else:
        day = "strftime('%Y-%m-%d', {}, '+7 hours')"
    identities_day, evidence_day = day.format("i.enrolled_at"), day.format("e.created_at")
    for select in (
        "SELECT 'identities|' || lower(i.status), '', count(*) FROM identities i GROUP BY 1",
        "SELECT 'province|' || c.province_th || '|' || c.province_en, '', count(*) FROM identities i "
        "JOIN citizens c ON c.pid = i.pid GROUP BY 1",
        f"SELECT 'registrations|' || i.enrolment_channel, {identities_day}, count(*) FROM identities i "
        f"WHERE i.enrolled_at IS NOT NULL GROUP BY 1, 2",
        f"SELECT 'faces|' || e.decision, {evidence_day}, count(*) FROM enrolment_evidence e "
        f"WHERE e.kind = 'selfie' GROUP BY 1, 2",
        f"SELECT 'refused|' || e.reason, {evidence_day}, count(*) FROM enrolment_evidence e "
        f"WHERE e.decision = 'refused' AND e.reason IS NOT NULL GROUP BY 1, 2",
    ):
        op.execute(f"INSERT INTO tallies (name, day, count, shard) SELECT *, 0 FROM ({select}) AS t")


def downgrade() -> None:
    op.drop_table('tallies')
