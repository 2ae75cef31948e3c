"""one grant per approval: oidc_grants.approval_ref, unique

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

Issue "Country scale II" §5: a process killed after the grant was written but before the sign-in's
answer was stored left the sign-in open, and the retry wrote a second grant for the same QR code.
Each grant now names what was approved (a hash), under a unique constraint.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('oidc_grants') as batch:
        batch.add_column(sa.Column('approval_ref', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_oidc_grants_approval_ref', ['approval_ref'])


def downgrade() -> None:
    with op.batch_alter_table('oidc_grants') as batch:
        batch.drop_constraint('uq_oidc_grants_approval_ref', type_='unique')
        batch.drop_column('approval_ref')
