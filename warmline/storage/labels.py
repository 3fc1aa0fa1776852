"""Agents' verdicts on the bot (the learning loop), exported later as eval scenarios."""

from pydantic import BaseModel

from warmline.storage.database import Connection, Database
from warmline.storage.statements import sql

ADD = sql(
    "INSERT INTO labels (conversation_id, agent_id, kind, article_id, note, created_at) "
    "VALUES (:conversation_id, :agent_id, :kind, :article_id, :note, :created_at) RETURNING id"
)
ALL = sql("SELECT id, conversation_id, kind, article_id FROM labels ORDER BY id")


class Label(BaseModel):
    """A stored label as an export reads it (the agent's free-text note stays behind)."""

    id: int
    conversation_id: str
    kind: str
    article_id: str | None


async def add_label(
    conn: Connection,
    conversation_id: str,
    agent_id: str,
    kind: str,
    article_id: str | None,
    note: str,
    created_at: str,
) -> int:
    """Store a label inside the caller's transaction; its id."""
    cursor = await conn.execute(
        ADD,
        conversation_id=conversation_id,
        agent_id=agent_id,
        kind=kind,
        article_id=article_id,
        note=note,
        created_at=created_at,
    )
    row = await cursor.fetchone()
    return int(row["id"])


async def all_labels(db: Database) -> list[Label]:
    """Every label, oldest first."""
    return [Label.model_validate(dict(row)) for row in await db.fetch_all(ALL)]
