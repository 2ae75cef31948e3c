"""agencies as organisations: members with roles, the proof of authority (a verified central e-mail
and signed permission letters), officials, the staff enrolment drive; the letter a decision accepted

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organisations',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('name_th', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=False),
    sa.Column('central_email', sa.String(length=254), nullable=True),
    sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('campaign_code', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name='pk_organisations'),
    sa.UniqueConstraint('campaign_code', name='uq_organisations_campaign_code')
    )
    op.create_table('organisation_members',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('organisation_code', sa.String(length=32), nullable=False),
    sa.Column('identity_id', sa.String(length=36), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('invited_email', sa.String(length=254), nullable=False),
    sa.Column('invite_token_hash', sa.String(length=64), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name='pk_organisation_members'),
    sa.UniqueConstraint('invite_token_hash', name='uq_organisation_members_invite_token_hash')
    )
    op.create_index('ix_organisation_members_org', 'organisation_members', ['organisation_code', 'status'])
    op.create_index('ix_organisation_members_identity', 'organisation_members', ['identity_id'])
    op.create_table('organisation_letters',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_code', sa.String(length=32), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('letter_number', sa.String(length=64), nullable=False),
    sa.Column('letter_date', sa.Date(), nullable=False),
    sa.Column('issuing_division', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by', sa.String(length=36), nullable=False),
    sa.Column('uploaded_by_name', sa.String(length=200), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.String(length=1000), nullable=True),
    sa.PrimaryKeyConstraint('id', name='pk_organisation_letters')
    )
    op.create_index('ix_organisation_letters_org', 'organisation_letters', ['organisation_code', 'uploaded_at'])
    op.create_table('organisation_officials',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('organisation_code', sa.String(length=32), nullable=False),
    sa.Column('pid', sa.String(length=13), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=200), nullable=False),
    sa.Column('added_by', sa.String(length=36), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name='pk_organisation_officials')
    )
    op.create_index('ix_organisation_officials_pid', 'organisation_officials', ['pid'])
    op.create_index('ix_organisation_officials_org', 'organisation_officials', ['organisation_code'])
    with op.batch_alter_table('agency_application_decisions') as batch:
        batch.add_column(sa.Column('letter_id', sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agency_application_decisions') as batch:
        batch.drop_column('letter_id')
    op.drop_index('ix_organisation_officials_org', table_name='organisation_officials')
    op.drop_index('ix_organisation_officials_pid', table_name='organisation_officials')
    op.drop_table('organisation_officials')
    op.drop_index('ix_organisation_letters_org', table_name='organisation_letters')
    op.drop_table('organisation_letters')
    op.drop_index('ix_organisation_members_identity', table_name='organisation_members')
    op.drop_index('ix_organisation_members_org', table_name='organisation_members')
    op.drop_table('organisation_members')
    op.drop_table('organisations')
