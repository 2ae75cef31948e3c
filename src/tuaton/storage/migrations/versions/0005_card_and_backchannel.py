"""digital ID card and backchannel sign-in

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

Issue 5: issued digital ID cards with their status-list entries; CIBA registration on clients;
the pairwise subject on grants (a backchannel sign-in's login_hint).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('card_credentials',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('identity_id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('list_no', sa.Integer(), nullable=False),
    sa.Column('list_index', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['identity_id'], ['identities.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('list_no', 'list_index', name='uq_card_status_entry')
    )
    with op.batch_alter_table('card_credentials', schema=None) as batch_op:
        batch_op.create_index('ix_card_credentials_identity', ['identity_id'], unique=False)
        batch_op.create_index('ix_card_credentials_list_expires', ['list_no', 'expires_at'], unique=False)
    with op.batch_alter_table('oidc_clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('backchannel_token_delivery_mode', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('backchannel_client_notification_endpoint', sa.String(length=500),
                                      nullable=True))
    with op.batch_alter_table('oidc_grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_oidc_grants_client_subject', ['client_id', 'subject'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('oidc_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_oidc_grants_client_subject')
        batch_op.drop_column('subject')
    with op.batch_alter_table('oidc_clients', schema=None) as batch_op:
        batch_op.drop_column('backchannel_client_notification_endpoint')
        batch_op.drop_column('backchannel_token_delivery_mode')
    with op.batch_alter_table('card_credentials', schema=None) as batch_op:
        batch_op.drop_index('ix_card_credentials_list_expires')
        batch_op.drop_index('ix_card_credentials_identity')
    op.drop_table('card_credentials')
