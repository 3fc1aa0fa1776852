"""Follow-up tickets: a customer's request to be contacted when no one could answer."""

from warmline.storage.database import Connection
from warmline.storage.statements import sql

OPEN = sql(
    "INSERT INTO tickets (conversation_id, contact, note, created_at) "
    "VALUES (:conversation_id, :contact, :note, :created_at) RETURNING id"
)
# Takes the writer (SQLite) or a row lock's path (PostgreSQL) and changes nothing.
TOUCH = sql("DELETE FROM tickets WHERE id = -1")


async def open_ticket(
    conn: Connection, conversation_id: str, contact: str, note: str, created_at: str
) -> int:
    """Store a ticket inside the caller's transaction; its id."""
    cursor = await conn.execute(
        OPEN, conversation_id=conversation_id, contact=contact, note=note, created_at=created_at
    )
    row = await cursor.fetchone()
    return int(row["id"])


async def write_nothing(conn: Connection) -> None:
    """A write that changes no row: readiness proves the database takes writes with it."""
    await conn.execute(TOUCH)
