"""Erasure on request: a customer's conversations disappear from every store."""

import sqlite3
from pathlib import Path

from conftest import make_settings

from warmline.server.privacy import privacy_office
from warmline.server.runtime import running


async def test_erase_by_email_removes_the_conversation_everywhere(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    settings = make_settings(tmp_path, kb_snapshot)
    async with running(settings) as runtime:
        service = runtime.service
        mine = await service.start()
        other = await service.start()
        await service.customer_message(mine.id, "I'm ana@example.org, where is my refund?", "m1")
        await service.customer_message(other.id, "how do I reset my password?", "m2")
        await service.drain()

    async with privacy_office(settings) as office:
        found = await office.conversations_mentioning("EMAIL_ADDRESS", "ANA@example.org")
        assert found == [mine.id]
        assert await office.erase(mine.id, actor="test") is True
        assert await office.erase("c_unknown", actor="test") is False
        assert await office.checkpoints.aget_tuple({"configurable": {"thread_id": mine.id}}) is None
        kept = await office.checkpoints.aget_tuple({"configurable": {"thread_id": other.id}})
        assert kept is not None

    database = sqlite3.connect(settings.database_path)
    for table in ("conversations", "events", "placeholders", "pii_vault", "handoffs"):
        column = "id" if table == "conversations" else "conversation_id"
        rows = database.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (mine.id,))
        assert rows.fetchone()[0] == 0, table
    remaining = database.execute(
        "SELECT count(*) FROM events WHERE conversation_id = ?", (other.id,)
    )
    assert remaining.fetchone()[0] == 2
    audit = database.execute("SELECT actor, action, allowed FROM audit_log ORDER BY id").fetchall()
    assert audit == [("test", "erase", 1), ("test", "erase", 0)]
