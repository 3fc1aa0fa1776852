"""Per-conversation PII placeholder numbering, stored as keyed digests only."""

from collections.abc import Iterable

from warmline.guardrails.redaction import PlaceholderEntry
from warmline.storage import pii as statements
from warmline.storage.database import Connection, Database, Row


def _entries(rows: Iterable[Row]) -> list[PlaceholderEntry]:
    return [PlaceholderEntry(**dict(row)) for row in rows]


class PlaceholderStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, conversation_id: str) -> list[PlaceholderEntry]:
        return _entries(
            await self.db.fetch_all(statements.PLACEHOLDERS, conversation_id=conversation_id)
        )

    @staticmethod
    async def load_in(conn: Connection, conversation_id: str) -> list[PlaceholderEntry]:
        """`load` within a caller's read: a message's arrival reads them with its
        conversation, in the same hop to a read connection's thread."""
        cursor = await conn.execute(statements.PLACEHOLDERS, conversation_id=conversation_id)
        return _entries(await cursor.fetchall())

    @staticmethod
    async def add(conn: Connection, conversation_id: str, entries: list[PlaceholderEntry]) -> None:
        await conn.executemany(
            statements.ADD_PLACEHOLDER,
            [{"conversation_id": conversation_id} | entry.model_dump() for entry in entries],
        )
