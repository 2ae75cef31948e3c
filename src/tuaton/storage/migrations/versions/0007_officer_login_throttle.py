"""officers' wrong passwords counted in the database: progressive waits instead of a lock

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

Issue "Hardening": the count of wrong passwords lived in the ephemeral store (get, then put: 30
concurrent guesses were all evaluated, and a Redis restart forgot them). It is now two columns on
the officer's row, reserved by one conditional UPDATE before the password is checked.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('officers') as batch:
        batch.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('next_login_at', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('officers') as batch:
        batch.drop_column('next_login_at')
        batch.drop_column('failed_logins')
