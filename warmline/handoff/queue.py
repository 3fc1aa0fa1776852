"""The durable handoff queue.

A claim is one conditional UPDATE, so among agents racing for the same
conversation exactly one sees its row change and wins.
"""

import json
from datetime import UTC, datetime

import aiosqlite
from pydantic import BaseModel

from warmline.handoff.packet import HandoffPacket
from warmline.storage.database import Database

PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}


class QueueEntry(BaseModel):
    id: int
    conversation_id: str
    status: str
    claimed_by: str | None
    packet: HandoffPacket


class HandoffQueue:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    async def enqueue(conn: aiosqlite.Connection, packet: HandoffPacket) -> None:
        await conn.execute(
            "INSERT INTO handoffs (conversation_id, status, priority, created_at, packet) "
            "VALUES (?, 'queued', ?, ?, ?)",
            (
                packet.conversation_id,
                PRIORITY_RANK[packet.decision.priority],
                packet.created_at.isoformat(),
                packet.model_dump_json(),
            ),
        )

    @staticmethod
    async def claim(conn: aiosqlite.Connection, conversation_id: str, agent_id: str) -> bool:
        cursor = await conn.execute(
            "UPDATE handoffs SET status = 'claimed', claimed_by = ?, claimed_at = ? "
            "WHERE conversation_id = ? AND status = 'queued'",
            (agent_id, datetime.now(UTC).isoformat(), conversation_id),
        )
        return cursor.rowcount == 1

    @staticmethod
    async def close(conn: aiosqlite.Connection, conversation_id: str) -> None:
        await conn.execute(
            "UPDATE handoffs SET status = 'closed', closed_at = ? "
            "WHERE conversation_id = ? AND status IN ('queued', 'claimed')",
            (datetime.now(UTC).isoformat(), conversation_id),
        )

    async def entry(self, conversation_id: str) -> QueueEntry | None:
        """The conversation's open handoff, if it has one."""
        entries = [e for e in await self.open_entries() if e.conversation_id == conversation_id]
        return entries[0] if entries else None

    async def open_entries(self) -> list[QueueEntry]:
        rows = await self.db.fetch_all(
            "SELECT * FROM handoffs WHERE status IN ('queued', 'claimed') "
            "ORDER BY priority DESC, created_at"
        )
        return [
            QueueEntry(
                id=row["id"],
                conversation_id=row["conversation_id"],
                status=row["status"],
                claimed_by=row["claimed_by"],
                packet=HandoffPacket.model_validate(json.loads(row["packet"])),
            )
            for row in rows
        ]

    async def position(self, conversation_id: str) -> int | None:
        """1-based place in line among waiting conversations, or None if not waiting."""
        queued = [e for e in await self.open_entries() if e.status == "queued"]
        for index, entry in enumerate(queued, start=1):
            if entry.conversation_id == conversation_id:
                return index
        return None
