"""audit trail without a global lock: signed Merkle batches

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Issue "Country scale I" §4: events are appended with no chain lock; a sequencer seals them in
batches under signed tree heads (``audit_batches``). The single ``audit_head`` row and the per-event
chain hashes go. Events written before are left unsealed and are sealed by the first sequencer run
(their old chain hashes stop being evidence at this migration; run ``tuaton audit verify`` on the
old version first if that history matters).
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_batches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('first_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('root', sa.String(length=64), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('signed_head', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_batches'))
    )
    with op.batch_alter_table('audit_events') as batch:
        batch.add_column(sa.Column('batch', sa.BigInteger(), nullable=True))
        batch.drop_column('prev_hash')
        batch.drop_column('hash')
        batch.create_index('ix_audit_events_batch', ['batch', 'seq'], unique=False)
    op.drop_table('audit_head')


def downgrade() -> None:
    raise NotImplementedError("the audit trail's chain hashes cannot be rebuilt; restore a backup instead")
