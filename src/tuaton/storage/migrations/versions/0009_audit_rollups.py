"""audit roll-ups: events per Bangkok day, kind and client, written by the sequencer

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

Issue "Country scale II" §2: the dashboards counted the audit trail on every view. The sequencer
now adds each sealed batch to ``audit_rollups``; events sealed before this migration are added here.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_rollups',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('events', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'kind', 'client_id', name='pk_audit_rollups')
    )
    op.create_index('ix_audit_rollups_client_day', 'audit_rollups', ['client_id', 'day'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        day = "to_char(timezone('Asia/Bangkok', at), 'YYYY-MM-DD')"
    else:
        day = "strftime('%Y-%m-%d', at, '+7 hours')"
    op.execute(f"INSERT INTO audit_rollups (day, kind, client_id, events) "
               f"SELECT {day}, kind, coalesce(client_id, ''), count(*) FROM audit_events "
               f"WHERE batch IS NOT NULL GROUP BY 1, 2, 3")


def downgrade() -> None:
    op.drop_index('ix_audit_rollups_client_day', table_name='audit_rollups')
    op.drop_table('audit_rollups')
