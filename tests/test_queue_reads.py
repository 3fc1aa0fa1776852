"""A pass over the handoff queue reads from the store the packets of the entries that
changed since the last pass, not every open entry's.

Under load the line grows (about a third of turns hand off, and nobody may be claiming),
and each change starts a pass that tells every waiting customer their place, agents the
queue and supervisors the dashboard. Each packet carries its conversation's transcript:
read for every open entry on every pass, the serving process's CPU per change grew with
the line times the transcripts. Waiting customers and agents must still be told exactly
what changed. Counted through the store's own interface, on both engines."""

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import ExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import Backend, shared_services_up

from warmline.agent.decision import EscalationDecision, Reason, ReasonCode
from warmline.config import Settings
from warmline.conversation.assignment import Assignment
from warmline.conversation.broadcasting import Broadcaster
from warmline.conversation.protocol import ServerFrame
from warmline.conversation.unit_of_work import UnitOfWork
from warmline.coordination.bus import AGENTS, SUPERVISORS
from warmline.coordination.shared import Coordination, coordination
from warmline.handoff.packet import HandoffPacket, TranscriptLine
from warmline.handoff.queue import HandoffQueue
from warmline.handoff.summary import build_packet
from warmline.storage.conversations import ConversationLog
from warmline.storage.database import Connection, Cursor, Database, Row
from warmline.storage.engines import open_database
from warmline.storage.statements import Params, Statement

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
WAITING = 12


class PacketsRead:
    """Rows handed back by the store with a `packet` column, by conversation."""

    def __init__(self) -> None:
        self.conversations: list[str] = []

    def seen(self, rows: Iterable[Row]) -> None:
        for row in rows:
            columns = row.keys()  # sqlite3.Row iterates its values, not its names
            if "packet" in columns:
                self.conversations.append(
                    HandoffPacket.model_validate_json(row["packet"]).conversation_id
                )


class CountedCursor:
    def __init__(self, cursor: Cursor, read: PacketsRead) -> None:
        self._cursor, self._read = cursor, read
        self.rowcount = cursor.rowcount

    async def fetchone(self) -> Any:
        row = await self._cursor.fetchone()
        self._read.seen([row] if row is not None else [])
        return row

    async def fetchall(self) -> Iterable[Any]:
        rows = list(await self._cursor.fetchall())
        self._read.seen(rows)
        return rows


class CountedConnection:
    def __init__(self, conn: Connection, read: PacketsRead) -> None:
        self._conn, self._read = conn, read

    async def execute(self, statement: Statement, **params: Any) -> Cursor:
        return CountedCursor(await self._conn.execute(statement, **params), self._read)

    async def executemany(self, statement: Statement, rows: Iterable[Params]) -> None:
        await self._conn.executemany(statement, rows)

    async def lock(self, key: str) -> None:
        await self._conn.lock(key)


class CountedDatabase(Database):
    """The store as the queue sees it, counting every packet it hands back."""

    def __init__(self, db: Database, read: PacketsRead) -> None:
        self._db, self._read = db, read

    @asynccontextmanager
    async def transaction(self, urgent: bool = False) -> AsyncIterator[Connection]:
        async with self._db.transaction(urgent) as conn:
            yield CountedConnection(conn, self._read)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Connection]:
        async with self._db.reading() as conn:
            yield CountedConnection(conn, self._read)

    async def fetch_all(self, statement: Statement, **params: Any) -> list[Row]:
        rows = await self._db.fetch_all(statement, **params)
        self._read.seen(rows)
        return rows

    async def read(self, work: Any, urgent: bool = False) -> Any:
        return await self._db.read(lambda conn: work(CountedConnection(conn, self._read)), urgent)

    async def atomically(self, work: Any, urgent: bool = False) -> Any:
        return await self._db.atomically(
            lambda conn: work(CountedConnection(conn, self._read)), urgent
        )

    async def close(self) -> None:
        await self._db.close()

    async def forget(self, wait_s: float, pause_s: float) -> None:
        await self._db.forget(wait_s, pause_s)


def packet(conversation_id: str, *codes: ReasonCode) -> HandoffPacket:
    said = ["where is my parcel? order 4411 has not moved", "Tracking updates within a day."]
    messages = [
        {"role": "customer" if n % 2 == 0 else "bot", "text": said[n % 2], "seq": n + 1}
        for n in range(8)
    ]
    transcript = [TranscriptLine.model_validate(m) for m in messages]
    decision = EscalationDecision(
        escalate=True, reasons=[Reason(code=code, detail="seen") for code in codes]
    )
    state = {"messages": messages, "sentiments": [], "articles_shown": []}
    sla = Settings().policy.queue.sla_minutes
    return build_packet(conversation_id, state, decision, transcript, sla, now=NOW)


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        db = await open_database(tmp_path / "warmline.sqlite")
        yield db
        await db.close()
        return
    if not shared_services_up():
        pytest.skip("PostgreSQL is not reachable")
    backend = Backend("postgres+redis")
    try:
        db = await open_database(tmp_path / "unused.sqlite", backend.overrides()["database_url"])
        yield db
        await db.close()
    finally:
        backend.drop()


class Desk:
    """A broadcaster over a counted store, with a supervisor, agents and every waiting
    customer listening; `pass_over` runs one announcement pass and returns its frames."""

    def __init__(self, db: Database, shared: Coordination[ServerFrame]) -> None:
        settings = Settings()
        self.read = PacketsRead()
        counted = CountedDatabase(db, self.read)
        log, self.queue = ConversationLog(counted), HandoffQueue(counted, lambda: NOW)
        work = UnitOfWork(counted, lambda *_: None)
        assignment = Assignment(settings.agents, log, self.queue, work, shared.presence)
        self.broadcast = Broadcaster(settings, log, self.queue, assignment, shared, lambda: NOW)
        self.bus = shared.bus
        self.frames: asyncio.Queue[ServerFrame] = asyncio.Queue()
        self.boards: asyncio.Queue[ServerFrame] = asyncio.Queue()
        self.listening = ExitStack()
        self.listening.enter_context(self.bus.subscribe(AGENTS, self.frames))
        self.listening.enter_context(self.bus.subscribe(SUPERVISORS, self.boards))

    def waiting(self, conversation_id: str) -> None:
        self.listening.enter_context(self.bus.subscribe(conversation_id, self.frames))

    async def pass_over(self) -> list[ServerFrame]:
        self.read.conversations.clear()
        self.broadcast.announce()
        await asyncio.wait_for(self.boards.get(), timeout=10)  # the dashboard goes last
        frames = []
        while not self.frames.empty():
            frames.append(self.frames.get_nowait())
        return frames


async def join(db: Database, log: ConversationLog, *codes: ReasonCode) -> tuple[str, int]:
    conversation = await log.create()
    async with db.transaction() as conn:
        entry = await HandoffQueue.enqueue(conn, packet(conversation.id, *codes))
    return conversation.id, entry.id


@pytest.fixture
async def desk(store: Database) -> AsyncIterator[Desk]:
    settings = Settings()
    async with coordination(settings, settings.limits, ServerFrame.model_validate_json) as shared:
        made = Desk(store, shared)
        with made.listening:
            yield made


def places(frames: list[ServerFrame]) -> dict[str, int]:
    return {
        str(f.conversation_id): f.data["position"] for f in frames if f.type == "queue_position"
    }


def updates(frames: list[ServerFrame]) -> list[dict[str, Any]]:
    return [f.data for f in frames if f.type == "queue_update"]


def only(items: list[Any]) -> Any:
    [item] = items
    return item


async def test_a_pass_after_one_change_reads_that_entrys_packet_only(
    store: Database, desk: Desk
) -> None:
    log = ConversationLog(store)
    line = [await join(store, log, "explicit_request") for _ in range(WAITING)]
    for conversation_id, _ in line:
        desk.waiting(conversation_id)
    first = await desk.pass_over()
    assert places(first) == {cid: n for n, (cid, _) in enumerate(line, start=1)}

    # a handoff joins the back of the line: only its packet is read, and its customer
    # alone is told a place; agents get it as added
    newest, handoff_id = await join(store, log, "explicit_request")
    desk.waiting(newest)
    frames = await desk.pass_over()
    assert desk.read.conversations == [newest]
    assert places(frames) == {newest: WAITING + 1}
    update = only(updates(frames))
    assert [item["conversation_id"] for item in update["added"]] == [newest]
    assert (update["changed"], update["removed"]) == ([], [])

    # its packet is completed: only that packet is read again, and agents see the change
    await desk.queue.replace_packet(handoff_id, packet(newest, "explicit_request", "frustration"))
    frames = await desk.pass_over()
    assert desk.read.conversations == [newest]
    changed = only(only(updates(frames))["changed"])
    assert changed["conversation_id"] == newest
    assert {r["code"] for r in changed["packet"]["decision"]["reasons"]} == {
        "explicit_request",
        "frustration",
    }
    assert places(frames) == {}

    # the first in line is taken: no packet is read, everyone behind moves up one
    async with store.transaction() as conn:
        assert await desk.queue.claim(conn, line[0][0], "lead")
    frames = await desk.pass_over()
    assert desk.read.conversations == []
    moved = {cid: n for n, (cid, _) in enumerate(line[1:], start=1)} | {newest: WAITING}
    assert places(frames) == moved
    claimed = only(only(updates(frames))["changed"])
    assert (claimed["conversation_id"], claimed["status"]) == (line[0][0], "claimed")

    # nothing changed: nothing is read but the rows, and nobody is told anything new
    frames = await desk.pass_over()
    assert desk.read.conversations == []
    assert places(frames) == {} and updates(frames) == []


class HeldReads(Database):
    """The store, whose reads made while `gate` is set answer only when it opens (a slow
    reader); each such read puts a token on `read_done` once the store has answered it."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.gate: asyncio.Event | None = None
        self.read_done: asyncio.Queue[None] = asyncio.Queue()

    def transaction(self, urgent: bool = False) -> Any:
        return self._db.transaction(urgent)

    def reading(self) -> Any:
        return self._db.reading()

    async def fetch_all(self, statement: Statement, **params: Any) -> list[Row]:
        return await self._db.fetch_all(statement, **params)

    async def read(self, work: Any, urgent: bool = False) -> Any:
        gate = self.gate
        answer = await self._db.read(work, urgent)
        if gate is not None:
            self.read_done.put_nowait(None)
            await gate.wait()
        return answer

    async def atomically(self, work: Any, urgent: bool = False) -> Any:
        return await self._db.atomically(work, urgent)

    async def close(self) -> None:
        await self._db.close()

    async def forget(self, wait_s: float, pause_s: float) -> None:
        await self._db.forget(wait_s, pause_s)


async def test_a_read_overlapping_an_older_one_keeps_every_entry_it_saw_open(
    tmp_path: Path,
) -> None:
    """Reads of the queue overlap (a pass, a claim, the metrics). A pass whose read was
    made before a handoff joined must not make a later read lose that handoff: agents
    would see it removed, and its claim or its completed packet would find no entry."""
    db = await open_database(tmp_path / "warmline.sqlite")
    try:
        held, log = HeldReads(db), ConversationLog(db)
        queue = HandoffQueue(held, lambda: NOW)
        first = await log.create()
        async with db.transaction() as conn:
            await HandoffQueue.enqueue(conn, packet(first.id, "explicit_request"))
        await queue.open_entries()

        held.gate = older_answers = asyncio.Event()
        older = asyncio.create_task(queue.open_entries())  # read before the next handoff
        await held.read_done.get()
        held.gate = None
        joined = await log.create()
        async with db.transaction() as conn:
            await HandoffQueue.enqueue(conn, packet(joined.id, "explicit_request"))
        assert joined.id in {e.conversation_id for e in await queue.open_entries()}

        held.gate = later_answer = asyncio.Event()
        later = asyncio.create_task(queue.open_entries())
        its_entry = asyncio.create_task(queue.entry(joined.id))
        for _ in range(2):
            await held.read_done.get()
        held.gate = None
        older_answers.set()
        assert joined.id not in {e.conversation_id for e in await older}
        later_answer.set()
        assert joined.id in {e.conversation_id for e in await later}
        found = await its_entry
        assert found is not None and found.conversation_id == joined.id
    finally:
        await db.close()
