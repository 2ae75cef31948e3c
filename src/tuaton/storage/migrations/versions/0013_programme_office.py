"""the e-Service programme office: organisations, service processes, dated snapshots, reminders sent,
and citizens' ratings of their sign-ins

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('programme_organisations',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name_th', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=False),
    sa.Column('organisation_type', sa.String(length=24), nullable=False),
    sa.Column('parent_code', sa.String(length=32), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name='pk_programme_organisations')
    )
    op.create_index('ix_programme_organisations_parent', 'programme_organisations', ['parent_code'])
    op.create_table('programme_services',
    sa.Column('service_code', sa.String(length=48), nullable=False),
    sa.Column('organisation_code', sa.String(length=32), nullable=False),
    sa.Column('name_th', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=False),
    sa.Column('is_eservice', sa.Boolean(), nullable=False),
    sa.Column('level', sa.String(length=4), nullable=True),
    sa.Column('system_name', sa.String(length=200), nullable=False),
    sa.Column('programme_group', sa.String(length=2), nullable=False),
    sa.Column('platform', sa.String(length=24), nullable=True),
    sa.Column('platform_status', sa.String(length=24), nullable=True),
    sa.Column('development_mode', sa.String(length=24), nullable=True),
    sa.Column('budget_source', sa.String(length=24), nullable=True),
    sa.Column('reason', sa.String(length=24), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('minutes_before', sa.Integer(), nullable=True),
    sa.Column('minutes_after', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['organisation_code'], ['programme_organisations.code'],
                            name='fk_programme_services_organisation_code_programme_organisations'),
    sa.PrimaryKeyConstraint('service_code', name='pk_programme_services')
    )
    op.create_index('ix_programme_services_organisation', 'programme_services', ['organisation_code'])
    op.create_index('ix_programme_services_client', 'programme_services', ['client_id'])
    op.create_table('programme_snapshots',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('day', name='pk_programme_snapshots')
    )
    op.create_table('programme_reminders',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('organisation_code', sa.String(length=32), nullable=False),
    sa.Column('sent_to', sa.String(length=254), nullable=False),
    sa.Column('services_behind', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name='pk_programme_reminders')
    )
    op.create_index('ix_programme_reminders_org', 'programme_reminders', ['organisation_code', 'sent_at'])
    op.create_table('service_ratings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('grant_id', sa.String(length=36), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('service_score', sa.SmallInteger(), nullable=True),
    sa.Column('tuaton_score', sa.SmallInteger(), nullable=True),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name='pk_service_ratings'),
    sa.UniqueConstraint('grant_id', name='uq_service_ratings_grant')
    )
    op.create_index('ix_service_ratings_client', 'service_ratings', ['client_id', 'rated_at'])


def downgrade() -> None:
    op.drop_index('ix_service_ratings_client', table_name='service_ratings')
    op.drop_table('service_ratings')
    op.drop_index('ix_programme_reminders_org', table_name='programme_reminders')
    op.drop_table('programme_reminders')
    op.drop_table('programme_snapshots')
    op.drop_index('ix_programme_services_client', table_name='programme_services')
    op.drop_index('ix_programme_services_organisation', table_name='programme_services')
    op.drop_table('programme_services')
    op.drop_index('ix_programme_organisations_parent', table_name='programme_organisations')
    op.drop_table('programme_organisations')
