"""A handoff row counts the times its packet was replaced, and the open rows' other
columns get an index of their own, so the open queue is read without its packets.

Every pass over the queue (customers' places, agents' queue, the dashboard) reads every
open row; with each row's packet (its transcript, a large JSON) that read grew with the
line times the packets, even when one entry changed. The count tells a reader which
packets it already holds are still current, so it reads the packet of a new or replaced
entry only. Existing rows start at 0: a reader after the upgrade holds none of them yet.

Leaving the packet out of the select is not enough on SQLite: a row keeps its columns in
one record, the packet spills over into pages of its own, and the columns stored after it
(the skills, the reservation, the times) are reached only by reading through those pages.
The index holds what an entry is built from for the open rows only (a partial index, small
however many handoffs were closed), in the order the line is read, so SQLite answers the
read from it without touching the rows. PostgreSQL keeps a large packet out of the row
anyway (TOAST); it gets the same index so that both engines keep one schema.

For the same reason the dashboard's reads of the day (rebuilt on every pass a supervisor
watches) get indexes that hold the columns they read, stored after the packet: the
reason codes beside the moment a handoff was made, the rating beside the moment it was
closed. They replace the indexes on the moments alone.

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


OPEN = "status IN ('queued', 'claimed')"
# The open rows' read (status, then the line's order), then every other column an open
# entry is built from.
OPEN_ROW_COLUMNS: list[str | sa.TextClause] = [
    "status",
    sa.text("priority DESC"),
    "created_at",
    "id",
    "conversation_id",
    "claimed_by",
    "packet_rev",
    "skills",
    "language",
    "preferred_agent",
    "preferred_until",
    "sla_deadline",
    "breached_at",
    "waiting_since",
    "requeued_at",
]


def upgrade() -> None:
    op.add_column(
        "handoffs",
        sa.Column("packet_rev", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    where = sa.text(OPEN)
    op.create_index(
        "handoffs_open_rows",
        "handoffs",
        OPEN_ROW_COLUMNS,
        postgresql_where=where,
        sqlite_where=where,
    )
    op.drop_index("handoffs_created", "handoffs")
    op.create_index("handoffs_created_reasons", "handoffs", ["created_at", "reasons"])
    op.drop_index("handoffs_closed", "handoffs")
    op.create_index("handoffs_closed_csat", "handoffs", ["closed_at", "csat"])


def downgrade() -> None:
    op.drop_index("handoffs_closed_csat", "handoffs")
    op.create_index("handoffs_closed", "handoffs", ["closed_at"])
    op.drop_index("handoffs_created_reasons", "handoffs")
    op.create_index("handoffs_created", "handoffs", ["created_at"])
    op.drop_index("handoffs_open_rows", "handoffs")
    op.drop_column("handoffs", "packet_rev")
