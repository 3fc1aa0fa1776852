"""A handoff row records when it went back in line, apart from when its customer started
waiting: a transfer no longer restarts the customer's wait or SLA.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("handoffs", sa.Column("requeued_at", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("handoffs", "requeued_at")
