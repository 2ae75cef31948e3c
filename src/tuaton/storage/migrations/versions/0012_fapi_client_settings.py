"""FAPI 2.0 per client: require pushed authorization requests (RFC 9126), DPoP-bound tokens (RFC 9449);
a public client's refresh token bound to its DPoP key; a client's keys at a jwks_uri

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('oidc_clients') as batch:
        batch.add_column(sa.Column('require_pushed_authorization_requests', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('dpop_bound_access_tokens', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('jwks_uri', sa.String(length=500), nullable=True))
    with op.batch_alter_table('oidc_refresh_tokens') as batch:
        batch.add_column(sa.Column('dpop_jkt', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('oidc_refresh_tokens') as batch:
        batch.drop_column('dpop_jkt')
    with op.batch_alter_table('oidc_clients') as batch:
        batch.drop_column('jwks_uri')
        batch.drop_column('dpop_bound_access_tokens')
        batch.drop_column('require_pushed_authorization_requests')
