"""A change is published only after its transaction commits: clients never hear of an
event that the log (what a reconnect reads) does not hold."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from warmline.conversation.lifecycle import change_mode
from warmline.conversation.unit_of_work import UnitOfWork
from warmline.storage.conversations import ConversationLog, Event
from warmline.storage.sqlite import SqliteDatabase
from warmline.storage.statements import sql


class Bus:
    """Stands in for the event bus: records what would have gone out, in order."""

    def __init__(self) -> None:
        self.sent: list[list[Event]] = []

    def publish(self, events: list[Event]) -> None:
        self.sent.append(events)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = await SqliteDatabase.open(tmp_path / "warmline.sqlite")
    yield database
    await database.close()


async def test_a_committed_change_publishes_its_events_once_in_order(db: SqliteDatabase) -> None:
    bus = Bus()
    work = UnitOfWork(db, bus.publish)
    conversation = await ConversationLog(db).create()
    async with work.change() as change:
        change.record(await change_mode(change.conn, conversation.id, "queued"))
        change.record(
            await ConversationLog.append(
                change.conn, conversation.id, "message", {"role": "system", "text": "wait"}
            )
        )
        assert bus.sent == []  # nothing goes out before the commit
    assert [[(e.type, e.seq) for e in batch] for batch in bus.sent] == [
        [("mode", 1), ("message", 2)]
    ]


async def test_a_failing_transaction_publishes_nothing_and_keeps_nothing(
    db: SqliteDatabase,
) -> None:
    bus = Bus()
    work = UnitOfWork(db, bus.publish)
    log = ConversationLog(db)
    conversation = await log.create()

    async def fail_after_writing() -> None:
        async with work.change() as change:
            change.record(await change_mode(change.conn, conversation.id, "queued"))
            raise RuntimeError("after the write")

    with pytest.raises(RuntimeError, match="after the write"):
        await fail_after_writing()
    assert bus.sent == []
    assert await log.events_after(conversation.id, 0) == []
    stored = await log.get(conversation.id)
    assert stored is not None and stored.mode == "bot"


async def test_a_commit_that_fails_publishes_nothing(db: SqliteDatabase) -> None:
    """The block itself succeeds, but the database refuses its COMMIT (a deferred foreign
    key left dangling): the events were written, then taken back, and never published."""
    bus = Bus()
    work = UnitOfWork(db, bus.publish)
    log = ConversationLog(db)
    conversation = await log.create()

    async def leave_a_dangling_reference() -> None:
        async with work.change() as change:
            await change.conn.execute(sql("PRAGMA defer_foreign_keys = ON"))
            change.record(await change_mode(change.conn, conversation.id, "queued"))
            await change.conn.execute(
                sql(
                    "INSERT INTO events (conversation_id, seq, type, ts, data) "
                    "VALUES (:conversation_id, 1, :type, :ts, :data)"
                ),
                conversation_id="no-such-conversation",
                type="mode",
                ts="2026-12-04T00:00:00+00:00",
                data="{}",
            )

    with pytest.raises(Exception, match="FOREIGN KEY"):
        await leave_a_dangling_reference()
    assert bus.sent == []
    assert await log.events_after(conversation.id, 0) == []
