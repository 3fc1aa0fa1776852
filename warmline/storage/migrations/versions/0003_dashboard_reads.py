"""What the supervisors' dashboard reads on every queue change, made cheap to read.

A handoff's escalation reason codes get a column of their own, so the day's reasons are
read without loading and parsing every handoff's packet (each with its transcript): the
dashboard is rebuilt on every queue change, and that read grew with the day's handoffs
times their transcripts, on the serving process's event loop. Existing rows are filled
from their packets once, here.

The moments the dashboard counts "today" by (a handoff made, claimed, closed; a
conversation started) and the open conversations it counts by mode get indexes: without
them every rebuild scanned every handoff and conversation ever stored.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OPEN_MODES = "mode IN ('queued', 'human')"
BATCH = 1000  # rows filled at a time, so a large table is never held in memory at once


def _codes(packet: str) -> str:
    """The reason codes of a stored packet. A row the earliest hand-made schema allowed
    (no decision, an empty or unreadable packet) has none: an upgrade that stopped on one
    old row would keep the server from starting."""
    try:
        stored = json.loads(packet)
    except (TypeError, ValueError):
        return "[]"
    decision = stored.get("decision") if isinstance(stored, dict) else None
    reasons = (decision.get("reasons") if isinstance(decision, dict) else None) or []
    codes = {r.get("code") for r in reasons if isinstance(r, dict)}
    return json.dumps(sorted(code for code in codes if isinstance(code, str)))


def _fill_reasons(connection: sa.Connection) -> None:
    after = 0
    while rows := connection.execute(
        sa.text("SELECT id, packet FROM handoffs WHERE id > :after ORDER BY id LIMIT :n"),
        {"after": after, "n": BATCH},
    ).fetchall():
        connection.execute(
            sa.text("UPDATE handoffs SET reasons = :reasons WHERE id = :id"),
            [{"reasons": _codes(packet), "id": handoff_id} for handoff_id, packet in rows],
        )
        after = rows[-1][0]


def upgrade() -> None:
    op.add_column(
        "handoffs",
        sa.Column("reasons", sa.Text(), nullable=False, server_default=sa.text("'[]'")),
    )
    _fill_reasons(op.get_bind())
    op.create_index("handoffs_created", "handoffs", ["created_at"])
    op.create_index("handoffs_claimed", "handoffs", ["claimed_at"])
    op.create_index("handoffs_closed", "handoffs", ["closed_at"])
    op.create_index("conversations_created", "conversations", ["created_at"])
    where = sa.text(OPEN_MODES)
    op.create_index(
        "conversations_open",
        "conversations",
        ["mode"],
        postgresql_where=where,
        sqlite_where=where,
    )


def downgrade() -> None:
    for name, table in [
        ("conversations_open", "conversations"),
        ("conversations_created", "conversations"),
        ("handoffs_closed", "handoffs"),
        ("handoffs_claimed", "handoffs"),
        ("handoffs_created", "handoffs"),
    ]:
        op.drop_index(name, table)
    op.drop_column("handoffs", "reasons")
