"""A data-subject request's reads and deletes: find a customer's conversations, erase one."""

from warmline.storage.database import Connection, Database
from warmline.storage.statements import sql

# Every table that holds rows of a conversation, erased before the conversation itself.
ERASED_TABLES = (
    "pii_vault",
    "placeholders",
    "events",
    "handoffs",
    "tickets",
    "labels",
    "llm_usage",
)
DELETE_ROWS = {
    table: sql(f"DELETE FROM {table} WHERE conversation_id = :conversation_id")
    for table in ERASED_TABLES
}
DELETE_CONVERSATION = sql("DELETE FROM conversations WHERE id = :conversation_id")
WITH_DIGEST = sql(
    "SELECT DISTINCT conversation_id FROM placeholders "
    "WHERE entity_type = :entity_type AND digest = :digest"
)


async def conversations_with_digest(db: Database, entity_type: str, digest: str) -> list[str]:
    """Conversations in which a value with this keyed digest was given."""
    rows = await db.fetch_all(WITH_DIGEST, entity_type=entity_type, digest=digest)
    return [row["conversation_id"] for row in rows]


async def erase_conversation(conn: Connection, conversation_id: str) -> bool:
    """Delete every row of the conversation inside the caller's transaction; whether it
    existed."""
    for statement in DELETE_ROWS.values():
        await conn.execute(statement, conversation_id=conversation_id)
    cursor = await conn.execute(DELETE_CONVERSATION, conversation_id=conversation_id)
    return cursor.rowcount == 1
