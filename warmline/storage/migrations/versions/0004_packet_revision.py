"""A handoff row counts the times its packet was replaced, so the open queue is read
without its packets.

Every pass over the queue (customers' places, agents' queue, the dashboard) reads every
open row; with each row's packet (its transcript, a large JSON) that read grew with the
line times the packets, even when one entry changed. The count tells a reader which
packets it already holds are still current, so it reads the packet of a new or replaced
entry only. Existing rows start at 0: a reader after the upgrade holds none of them yet.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "handoffs",
        sa.Column("packet_rev", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )


def downgrade() -> None:
    op.drop_column("handoffs", "packet_rev")
