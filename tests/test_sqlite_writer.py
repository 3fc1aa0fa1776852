"""The embedded database's one writer: concurrent transactions commit together, each
caller learns its own outcome, and reads never wait for a writer."""

import asyncio
import sqlite3
import threading
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import warmline.storage.sqlite as sqlite_module
from warmline.storage.database import Connection, Unavailable
from warmline.storage.sqlite import READERS, SqliteDatabase, _WriterTurn
from warmline.storage.statements import sql

ADD = sql("INSERT INTO conversations (id, created_at) VALUES (:id, :created_at)")
BUMP = sql("UPDATE conversations SET last_seq = last_seq + 1 WHERE id = :id")
IDS = sql("SELECT id FROM conversations ORDER BY id")
GET_SEQ = sql("SELECT last_seq FROM conversations WHERE id = :id")


async def add_conversation(db: SqliteDatabase, conversation_id: str) -> None:
    async with db.transaction() as conn:
        await conn.execute(ADD, id=conversation_id, created_at="2026-12-04T00:00:00Z")
        await asyncio.sleep(0)  # let other transactions queue behind this one
        await conn.execute(BUMP, id=conversation_id)


def stored_ids(path: Path) -> list[str]:
    """What another connection (another process, after a crash) finds in the file."""
    with sqlite3.connect(path) as other:
        return [row[0] for row in other.execute("SELECT id FROM conversations WHERE last_seq = 1")]


async def test_every_concurrent_transaction_is_in_the_file_when_it_returns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "warmline.sqlite"
    db = await SqliteDatabase.open(path)
    try:
        ids = [f"c{n:03d}" for n in range(200)]
        await asyncio.gather(*(add_conversation(db, i) for i in ids))
        assert sorted(stored_ids(path)) == ids
    finally:
        await db.close()
    with sqlite3.connect(path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_a_failing_transaction_keeps_nothing_and_spoils_none_of_its_group(
    tmp_path: Path,
) -> None:
    path = tmp_path / "warmline.sqlite"
    db = await SqliteDatabase.open(path)

    async def failing() -> None:
        async with db.transaction() as conn:
            await conn.execute(ADD, id="bad", created_at="now")
            await asyncio.sleep(0)
            raise RuntimeError("the block changed its mind")

    try:
        outcomes = await asyncio.gather(
            add_conversation(db, "before"),
            failing(),
            add_conversation(db, "after"),
            return_exceptions=True,
        )
        assert outcomes[0] is None and outcomes[2] is None
        assert isinstance(outcomes[1], RuntimeError)
        assert sorted(stored_ids(path)) == ["after", "before"]
        assert (
            await db.fetch_one(sql("SELECT id FROM conversations WHERE id = :id"), id="bad") is None
        )
    finally:
        await db.close()


async def test_a_duplicate_key_fails_only_its_own_caller(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(tmp_path / "warmline.sqlite")
    try:
        await add_conversation(db, "taken")
        outcomes = await asyncio.gather(
            add_conversation(db, "taken"), add_conversation(db, "free"), return_exceptions=True
        )
        assert isinstance(outcomes[0], sqlite3.IntegrityError) and outcomes[1] is None
        rows = await db.fetch_all(IDS)
        assert [row["id"] for row in rows] == ["free", "taken"]
    finally:
        await db.close()


async def test_reads_go_on_while_a_transaction_is_open_and_see_only_commits(
    tmp_path: Path,
) -> None:
    db = await SqliteDatabase.open(tmp_path / "warmline.sqlite")
    await add_conversation(db, "committed")
    inside = asyncio.Event()
    finish = asyncio.Event()

    async def slow_writer() -> None:
        async with db.transaction() as conn:
            await conn.execute(ADD, id="open", created_at="now")
            inside.set()
            await finish.wait()

    writing = asyncio.create_task(slow_writer())
    try:
        await inside.wait()
        async with db.reading() as conn:
            cursor = await conn.execute(IDS)
            seen = [row["id"] for row in await cursor.fetchall()]
        assert seen == ["committed"], "a read sees neither a wait nor uncommitted rows"
        finish.set()
        await writing
        rows = await db.fetch_all(IDS)
        assert [row["id"] for row in rows] == ["committed", "open"]
    finally:
        finish.set()
        await writing
        await db.close()


async def test_the_read_connections_cannot_write(tmp_path: Path) -> None:
    """A write slipped into a read is refused, so every write goes through the writer."""
    db = await SqliteDatabase.open(tmp_path / "warmline.sqlite")
    try:
        await add_conversation(db, "kept")
        with pytest.raises(Unavailable) as refused:
            await db.fetch_all(sql("DELETE FROM conversations"))
        assert "readonly" in str(refused.value.__cause__)
        assert await db.fetch_one(sql("SELECT id FROM conversations")) is not None
    finally:
        await db.close()


async def test_a_writer_that_gives_up_waiting_does_not_hold_back_the_group_left_for_it(
    tmp_path: Path,
) -> None:
    """The first transaction leaves its COMMIT to the one queued behind it; that one is
    cancelled just as the writer is handed over, and the first still returns, committed."""
    db = await SqliteDatabase.open(tmp_path / "warmline.sqlite")
    queued: list[asyncio.Task[None]] = []

    class HandOver(_WriterTurn):
        def release(self) -> None:
            super().release()
            for task in queued:
                task.cancel()  # in the same step as the hand-over

    db._lock = HandOver()
    try:
        inside = asyncio.Event()

        async def first() -> None:
            async with db.transaction() as conn:
                await conn.execute(ADD, id="first", created_at="now")
                inside.set()
                await asyncio.sleep(0.01)

        starting = asyncio.create_task(first())
        await inside.wait()
        queued.append(asyncio.create_task(add_conversation(db, "second")))
        await asyncio.wait_for(starting, timeout=10)
        with pytest.raises(asyncio.CancelledError):
            await queued[0]
        assert stored_ids(tmp_path / "warmline.sqlite") == []  # last_seq stays 0 for "first"
        rows = await db.fetch_all(sql("SELECT id FROM conversations"))
        assert [row["id"] for row in rows] == ["first"]
    finally:
        await db.close()


async def test_an_urgent_transaction_takes_the_writer_before_ordinary_ones_waiting(
    tmp_path: Path,
) -> None:
    path = tmp_path / "warmline.sqlite"
    db = await SqliteDatabase.open(path)
    inside, leave = asyncio.Event(), asyncio.Event()
    order: list[str] = []

    async def holding() -> None:
        async with db.transaction() as conn:
            await conn.execute(ADD, id="held", created_at="now")
            inside.set()
            await leave.wait()

    async def writing(name: str, urgent: bool = False) -> None:
        async with db.transaction(urgent) as conn:
            order.append(name)
            await conn.execute(ADD, id=name, created_at="now")

    try:
        held = asyncio.create_task(holding())
        await inside.wait()
        ordinary = [asyncio.create_task(writing(name)) for name in ("turn-1", "turn-2")]
        await asyncio.sleep(0)
        handoff = asyncio.create_task(writing("handoff", urgent=True))
        await asyncio.sleep(0)
        leave.set()
        await asyncio.gather(held, *ordinary, handoff)
        assert order == ["handoff", "turn-1", "turn-2"]
        rows = await db.fetch_all(IDS)
        assert [row["id"] for row in rows] == ["handoff", "held", "turn-1", "turn-2"]
    finally:
        await db.close()


async def test_an_urgent_transaction_is_committed_without_waiting_for_those_queued_behind_it(
    tmp_path: Path,
) -> None:
    """A handoff's write is in the file as soon as its own block is done: a bot turn's
    write that queued behind it, still running, does not hold back its commit."""
    path = tmp_path / "warmline.sqlite"
    db = await SqliteDatabase.open(path)
    inside, leave, turn_may_end = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def holding() -> None:
        async with db.transaction() as conn:
            await conn.execute(ADD, id="held", created_at="now")
            inside.set()
            await leave.wait()

    async def bot_turn() -> None:
        async with db.transaction() as conn:
            await conn.execute(ADD, id="turn", created_at="now")
            await turn_may_end.wait()

    async def handoff() -> None:
        async with db.transaction(urgent=True) as conn:
            await conn.execute(ADD, id="handoff", created_at="now")
            await conn.execute(BUMP, id="handoff")

    try:
        held = asyncio.create_task(holding())
        await inside.wait()
        pressed = asyncio.create_task(handoff())
        await asyncio.sleep(0)
        turn = asyncio.create_task(bot_turn())
        await asyncio.sleep(0)
        leave.set()
        done, _ = await asyncio.wait({pressed}, timeout=5)
        assert pressed in done, "the handoff waited for the bot turn queued behind it"
        assert stored_ids(path) == ["handoff"]
        assert not turn.done()
        turn_may_end.set()
        await asyncio.gather(held, turn, pressed)
        rows = await db.fetch_all(IDS)
        assert [row["id"] for row in rows] == ["handoff", "held", "turn"]
    finally:
        turn_may_end.set()
        await db.close()


def count_calls(connection: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A counter of the calls made to an aiosqlite connection's thread."""
    calls = [0]
    passed_on = connection._execute

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return await passed_on(fn, *args, **kwargs)

    monkeypatch.setattr(connection, "_execute", counted)
    return calls


async def add_whole(conn: Connection, conversation_id: str) -> str:
    await conn.execute(ADD, id=conversation_id, created_at="now")
    await conn.execute(BUMP, id=conversation_id)
    row = await (await conn.execute(GET_SEQ, id=conversation_id)).fetchone()
    return f"{conversation_id}:{row['last_seq']}"


async def hold_writer(
    db: SqliteDatabase, inside: asyncio.Event, leave: asyncio.Event, urgent: bool = False
) -> None:
    """A transaction that writes "held" and keeps the writer, set `inside`, until `leave`."""
    async with db.transaction(urgent) as conn:
        await conn.execute(ADD, id="held", created_at="now")
        await conn.execute(BUMP, id="held")
        inside.set()
        await leave.wait()


async def test_a_block_given_whole_is_one_call_to_the_writers_thread_commit_included(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "warmline.sqlite"
    db = await SqliteDatabase.open(path)
    try:
        calls = count_calls(db._writer, monkeypatch)
        assert await db.atomically(lambda conn: add_whole(conn, "urgent"), urgent=True) == (
            "urgent:1"
        )
        assert calls[0] == 1 and stored_ids(path) == ["urgent"]
        assert await db.atomically(lambda conn: add_whole(conn, "alone")) == "alone:1"
        assert calls[0] == 2, "nobody waited to join: committed in the same call"
        assert sorted(stored_ids(path)) == ["alone", "urgent"]
    finally:
        await db.close()


async def test_blocks_given_whole_join_the_open_group_and_a_failing_one_spoils_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "warmline.sqlite"
    db = await SqliteDatabase.open(path)
    inside, leave = asyncio.Event(), asyncio.Event()

    async def failing(conn: Connection) -> None:
        await conn.execute(ADD, id="bad", created_at="now")
        raise RuntimeError("the block changed its mind")

    async def suspending(conn: Connection) -> None:
        await conn.execute(ADD, id="slept", created_at="now")
        await asyncio.sleep(0)  # not its connection's: refused, and undone

    try:
        held = asyncio.create_task(hold_writer(db, inside, leave))
        await inside.wait()
        calls = count_calls(db._writer, monkeypatch)
        outcomes = asyncio.gather(
            db.atomically(lambda conn: add_whole(conn, "first")),
            db.atomically(failing),
            db.atomically(suspending),
            db.atomically(lambda conn: add_whole(conn, "last")),
            return_exceptions=True,
        )
        await asyncio.sleep(0)
        leave.set()
        first, failed, slept, last = await outcomes
        await held
        assert (first, last) == ("first:1", "last:1")
        assert isinstance(failed, RuntimeError) and isinstance(slept, RuntimeError)
        assert sorted(stored_ids(path)) == ["first", "held", "last"]
        # One call each, and none more: the first three joined the held group without
        # committing it, and the last committed it in its own call.
        assert calls[0] == 4
        rows = await db.fetch_all(IDS)
        assert [row["id"] for row in rows] == ["first", "held", "last"]
    finally:
        leave.set()
        await db.close()


async def test_an_urgent_read_does_not_wait_for_the_readers_other_reads_hold(
    tmp_path: Path,
) -> None:
    db = await SqliteDatabase.open(tmp_path / "warmline.sqlite")
    await add_conversation(db, "kept")
    release, held = asyncio.Event(), asyncio.Event()
    holding = 0

    async def hold_a_reader() -> None:
        nonlocal holding
        async with db.reading():
            holding += 1
            if holding == READERS:
                held.set()
            await release.wait()

    async def ids(conn: Connection) -> list[str]:
        return [row["id"] for row in await (await conn.execute(IDS)).fetchall()]

    readers = [asyncio.create_task(hold_a_reader()) for _ in range(READERS)]
    try:
        await held.wait()
        urgent = asyncio.create_task(db.read(ids, urgent=True))
        ordinary = asyncio.create_task(db.read(ids))
        # A guard against hanging, not a timing: the urgent read takes milliseconds.
        done, _ = await asyncio.wait({urgent}, timeout=60)
        assert urgent in done and urgent.result() == ["kept"]
        assert not ordinary.done(), "an ordinary read waits for an ordinary reader"
        release.set()
        assert await ordinary == ["kept"]
    finally:
        release.set()
        await asyncio.gather(*readers)
        await db.close()


@pytest.mark.parametrize("cancels", [1, 2])
@pytest.mark.parametrize("holder_urgent", [False, True])
async def test_a_caller_cancelled_while_its_block_runs_on_the_thread_leaves_nothing_half_done(
    tmp_path: Path, holder_urgent: bool, cancels: int
) -> None:
    """The block runs to its end on the writer's thread all the same, and is undone
    before the writer goes to the next, however often its caller is cancelled meanwhile:
    joined to a group (the holder's, left open) it is not committed with it; opening the
    transaction itself (after an urgent holder, which commits as it leaves) it leaves none
    open. The blocks around it commit, and the writer serves the next."""
    path = tmp_path / "warmline.sqlite"
    db = await SqliteDatabase.open(path)
    inside, leave = asyncio.Event(), asyncio.Event()
    running, go_on = threading.Event(), threading.Event()

    async def slow(conn: Connection) -> None:
        await conn.execute(ADD, id="slow", created_at="now")
        await conn.execute(BUMP, id="slow")
        running.set()
        go_on.wait(60)  # on the writer's thread, while its caller gives up

    try:
        held = asyncio.create_task(hold_writer(db, inside, leave, holder_urgent))
        await inside.wait()
        cancelled = asyncio.create_task(db.atomically(slow))
        await asyncio.sleep(0)
        after = asyncio.create_task(add_conversation(db, "after"))
        await asyncio.sleep(0)
        leave.set()
        await asyncio.to_thread(running.wait, 60)
        for _ in range(cancels):
            cancelled.cancel()
            for _ in range(3):
                await asyncio.sleep(0)  # the caller is now waiting for its block to end
        go_on.set()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        await asyncio.gather(held, after)
        assert sorted(stored_ids(path)) == ["after", "held"]
        assert await db.atomically(lambda conn: add_whole(conn, "next")) == "next:1"
        assert sorted(stored_ids(path)) == ["after", "held", "next"]
    finally:
        leave.set()
        go_on.set()
        await db.close()


WITH_IDS = sql("WITH kept AS (SELECT id FROM conversations)\nSELECT id FROM kept ORDER BY id")


async def test_a_select_that_starts_with_with_gives_its_rows_in_every_kind_of_block(
    tmp_path: Path,
) -> None:
    db = await SqliteDatabase.open(tmp_path / "warmline.sqlite")
    await add_conversation(db, "kept")

    async def ids(conn: Connection) -> list[str]:
        return [row["id"] for row in await (await conn.execute(WITH_IDS)).fetchall()]

    try:
        assert await db.atomically(ids) == ["kept"]
        assert await db.read(ids) == ["kept"]
        async with db.transaction() as conn:
            assert await ids(conn) == ["kept"]
    finally:
        await db.close()


async def test_the_block_that_fills_a_group_commits_it_in_its_own_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group that reaches MAX_GROUP is committed by the block that fills it, in that
    block's call to the writer's thread, not in one more call after it."""
    monkeypatch.setattr(sqlite_module, "MAX_GROUP", 3)
    path = tmp_path / "warmline.sqlite"
    db = await SqliteDatabase.open(path)
    inside, leave = asyncio.Event(), asyncio.Event()

    try:
        held = asyncio.create_task(hold_writer(db, inside, leave))
        await inside.wait()
        calls = count_calls(db._writer, monkeypatch)
        names = ["a", "b", "c"]
        blocks = asyncio.gather(
            *(db.atomically(partial(add_whole, conversation_id=n)) for n in names)
        )
        await asyncio.sleep(0)
        leave.set()
        assert await blocks == ["a:1", "b:1", "c:1"]
        await held
        # held, a, b fill the group: b commits it; c, alone, commits in its own call.
        assert calls[0] == len(names)
        assert sorted(stored_ids(path)) == ["a", "b", "c", "held"]
    finally:
        leave.set()
        await db.close()
