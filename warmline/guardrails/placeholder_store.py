"""Per-conversation PII placeholder numbering, stored as keyed digests only."""

from warmline.guardrails.redaction import PlaceholderEntry
from warmline.storage import pii as statements
from warmline.storage.database import Connection, Database


class PlaceholderStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, conversation_id: str) -> list[PlaceholderEntry]:
        rows = await self.db.fetch_all(statements.PLACEHOLDERS, conversation_id=conversation_id)
        return [PlaceholderEntry(**dict(row)) for row in rows]

    @staticmethod
    async def add(conn: Connection, conversation_id: str, entries: list[PlaceholderEntry]) -> None:
        await conn.executemany(
            statements.ADD_PLACEHOLDER,
            [{"conversation_id": conversation_id} | entry.model_dump() for entry in entries],
        )
