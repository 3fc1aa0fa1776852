"""The embedded engine: one SQLite file, one writer with group commit, and readers.

SQLite lets one connection write at a time, so every write transaction goes through
one connection, one at a time (which is also why `FOR UPDATE` and named locks have
nothing to add here). A transaction that finds others waiting for the writer leaves
its transaction open for them, and each joins it as a SAVEPOINT; the last of the
burst commits, so a burst of small transactions costs one commit instead of one
each; an urgent transaction (a handoff) commits the group as it leaves, rather than
wait for the transactions queued behind it. No caller goes on before its work is
committed: leaving `transaction()` waits for the group's COMMIT and raises if it
failed. The file is in WAL mode with `synchronous=NORMAL`: a commit is in the WAL
when it returns (a killed process loses nothing) and is synced to disk at checkpoints
rather than at every commit. Reads outside a transaction use separate read-only
connections, which see the last commit and never wait for the writer; one more is kept
for urgent reads (a press's), so they never wait behind the ordinary ones. The schema is
the alembic revisions' (`schema.py`), applied before the connections open.

Every call to an aiosqlite connection is a hop to its thread whose answer waits for the
event loop's turn, which under load is late by tens of ms. A block given as a function
(`atomically`, `read`) therefore runs whole on the connection's thread in one hop,
statements, BEGIN and (when it is due) COMMIT included: see `_on_thread`.
"""

import asyncio
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy.dialects import sqlite

from warmline.storage.database import (
    Cursor,
    Database,
    Result,
    Row,
    Unavailable,
    Work,
    create_private,
)
from warmline.storage.schema import migrate, sqlite_url
from warmline.storage.statements import Params, Statement
from warmline.storage.wal import empty_wal

DIALECT = sqlite.dialect()


def spelled(statement: Statement, params: Params) -> tuple[str, list[Any]]:
    """SQLite's spelling of a statement (`?` placeholders) and its values in order."""
    text, names = statement.compiled(DIALECT)
    return text, [params[name] for name in names]


# SQLite's result codes for a file it cannot write now (locked by another process, a disk
# error, a full disk, a file made read-only): the request may succeed when retried.
TRANSIENT = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_READONLY")


@contextmanager
def _reachable() -> Iterator[None]:
    """A write the file refuses becomes `Unavailable`, which sockets answer with a
    retryable error frame; a mistake in the SQL itself stays the error it is."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "").startswith(TRANSIENT):
            raise Unavailable() from exc
        raise


class _Fetched:
    """A statement's rows, fetched on the connection's thread in the same call as the
    statement: each call there is a round trip through the event loop, which under load
    waits behind everything else the loop has to do (and the writer is held meanwhile)."""

    def __init__(self, rows: Iterable[Row], rowcount: int | None = None) -> None:
        self._rows = list(rows)
        self._next = 0
        # For a write with RETURNING, the rows it changed; for a plain write, as given.
        self.rowcount = len(self._rows) if rowcount is None else rowcount

    async def fetchone(self) -> Row | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    async def fetchall(self) -> list[Row]:
        rest, self._next = self._rows[self._next :], len(self._rows)
        return rest


def _run(connection: sqlite3.Connection, text: str, values: list[Any]) -> _Fetched:
    """On the connection's thread: a statement and all the rows it gives. A statement that
    describes no columns gives none, and its `rowcount` counts the rows it changed; one
    that does (a SELECT, a `WITH`, a write with RETURNING, however spelled) has its rows
    fetched, whatever its text starts with."""
    cursor = connection.execute(text, values)
    rows = cursor.fetchall()
    return _Fetched(rows, cursor.rowcount if cursor.description is None else None)


class SqliteConnection:
    """The shared aiosqlite connection as call sites see it (see `Connection`)."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, statement: Statement, **params: Any) -> Cursor:
        """The statement, and its rows if it gives any, in one call to the connection's
        thread rather than one for the statement and one for its rows."""
        return await _on_thread(self._connection, _run, *spelled(statement, params))

    async def executemany(self, statement: Statement, rows: Iterable[Params]) -> None:
        text, names = statement.compiled(DIALECT)
        await self._connection.executemany(text, [[row[n] for n in names] for row in rows])

    async def lock(self, key: str) -> None:
        """Nothing to take: this connection's writer is already exclusive."""


class _OnThread:
    """A connection as a block run on its thread sees it (`Connection`): each statement
    runs at once, so the block's coroutine never suspends and runs in one go there."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    async def execute(self, statement: Statement, **params: Any) -> Cursor:
        return _run(self._connection, *spelled(statement, params))

    async def executemany(self, statement: Statement, rows: Iterable[Params]) -> None:
        text, names = statement.compiled(DIALECT)
        self._connection.executemany(text, [[row[n] for n in names] for row in rows])

    async def lock(self, key: str) -> None:
        """Nothing to take: this connection's writer is already exclusive."""


def _drive(work: Work[Result], connection: sqlite3.Connection) -> Result:
    """`work` run to its end on this thread, where its connection's calls answer at once."""
    coroutine = work(_OnThread(connection))
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a block run on its connection's thread awaited something else")


class _Block:
    """A block given to the writer's thread, and what became of it there: read by its
    caller after the thread is done with it, even a caller that stopped waiting."""

    def __init__(self, work: Work[Any], joining: bool, commit: bool) -> None:
        self.work = work
        self.joining = joining  # joins the open group as a SAVEPOINT
        self.commit = commit  # COMMITs the group after it
        self.open = False  # its statements are in the open transaction, uncommitted
        self.committed = False  # the group's COMMIT was tried after it
        self.failed: BaseException | None = None  # that COMMIT's error, rolled back


def _undo(connection: sqlite3.Connection, joining: bool) -> None:
    """Undo a block: back to its SAVEPOINT if it joined a group (the blocks before it
    stay), or the whole transaction if it opened it."""
    with suppress(sqlite3.Error):  # nothing left to roll back
        if joining:
            connection.execute("ROLLBACK TO block")
            connection.execute("RELEASE block")
        else:
            connection.execute("ROLLBACK")


def _write_block(connection: sqlite3.Connection, block: _Block) -> Any:
    """On the writer's thread: open the transaction (or join the open group as a
    SAVEPOINT), run the block, undo it alone if it fails, and COMMIT the group if
    `block.commit` (rolled back if that fails: the caller tells every block of the
    group). A transaction left open that no group tracks (its block's caller gone before
    it could be undone) is rolled back first rather than refuse every block after it."""
    if not block.joining and connection.in_transaction:
        connection.execute("ROLLBACK")
    # Outside the `try`: a SAVEPOINT that failed to open has nothing to undo, and the
    # undo would roll back to the block before it.
    connection.execute("SAVEPOINT block" if block.joining else "BEGIN IMMEDIATE")
    try:
        result = _drive(block.work, connection)
    except BaseException:
        _undo(connection, block.joining)
        raise
    if not block.commit:
        block.open = True
        return result
    block.committed = True
    try:
        with _reachable():
            connection.execute("COMMIT")
    except BaseException as exc:
        with suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
        block.failed = exc
    return result


def _undo_abandoned(connection: sqlite3.Connection, block: _Block) -> None:
    """On the writer's thread, after the block's own call: undo it if it is still open."""
    if block.open:
        _undo(connection, block.joining)
        block.open = False


async def _outlast(future: "asyncio.Future[Any]") -> None:
    """Wait until `future` is done, letting no cancellation through meanwhile: the call
    it stands for runs to its end on a connection's thread whatever happens here."""
    while not future.done():
        with suppress(asyncio.CancelledError):
            await asyncio.wait({future})
    if not future.cancelled():
        future.exception()  # its caller has its answer; this one is only waiting


def _read_block(connection: sqlite3.Connection, work: Work[Result]) -> Result:
    """On a read connection's thread: the block in one snapshot."""
    connection.execute("BEGIN")
    try:
        return _drive(work, connection)
    finally:
        with suppress(sqlite3.Error):
            connection.execute("COMMIT")


async def _on_thread(
    connection: aiosqlite.Connection, call: Callable[..., Result], *args: Any
) -> Result:
    """`call(sqlite3 connection, *args)` on the connection's own thread, in one hop.

    aiosqlite has no public way to run a function on its thread, so this uses the one
    its own methods use (`_execute`, `_conn`; checked by `tests/test_sqlite_writer.py`)."""
    answer: Result = await connection._execute(  # type: ignore[no-untyped-call]
        call, connection._conn, *args
    )
    return answer


class _WriterTurn:
    """The writer's lock, with two lines: an urgent transaction (a handoff) goes before
    every ordinary one still waiting, so a customer asking for a person does not wait
    behind a burst of bot turns' writes; first come first served within each line."""

    def __init__(self) -> None:
        self._held = False
        self._lines: tuple[deque[asyncio.Future[None]], ...] = (deque(), deque())

    async def acquire(self, urgent: bool) -> None:
        if not self._held and not any(self._lines):
            self._held = True
            return
        turn = asyncio.get_running_loop().create_future()
        line = self._lines[0 if urgent else 1]
        line.append(turn)
        try:
            await turn
        except BaseException:
            if turn.done() and not turn.cancelled():
                self.release()  # handed the lock just as its caller gave up
            else:
                line.remove(turn)
            raise

    def release(self) -> None:
        """The lock passes to the first caller of the most urgent line, or is free."""
        for line in self._lines:
            while line:
                turn = line.popleft()
                if not turn.done():
                    turn.set_result(None)
                    return
        self._held = False


READERS = 2  # read connections; each is a thread of aiosqlite's
URGENT_READERS = 1  # kept for urgent reads, which ordinary ones would hold for tens of ms
MAX_GROUP = 32  # transactions one COMMIT may carry (and wait for)


async def _connect(path: Path, *pragmas: str) -> aiosqlite.Connection:
    connection = await aiosqlite.connect(path, isolation_level=None)
    connection.row_factory = aiosqlite.Row
    for pragma in pragmas:
        await connection.execute(f"PRAGMA {pragma}")
    return connection


class SqliteDatabase(Database):
    reads_on_thread = True

    def __init__(
        self,
        writer: aiosqlite.Connection,
        readers: Sequence[aiosqlite.Connection],
        urgent_readers: Sequence[aiosqlite.Connection],
    ) -> None:
        self._writer = writer
        self._handle = SqliteConnection(writer)
        self._lock = _WriterTurn()
        self._queued = 0  # transactions waiting for the writer
        self._group: list[asyncio.Future[None]] = []  # released into the open transaction
        self._orphans: set[asyncio.Future[None]] = set()  # commits for callers who gave up
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for reader in readers:
            self._readers.put_nowait(reader)
        self._urgent_readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for reader in urgent_readers:
            self._urgent_readers.put_nowait(reader)
        self._all_readers = [*readers, *urgent_readers]

    @classmethod
    async def open(cls, path: Path) -> "SqliteDatabase":
        create_private(path)
        await asyncio.to_thread(migrate, sqlite_url(path))
        writer = await _connect(
            path,
            "journal_mode=WAL",
            # Deleted rows are overwritten with zeros, so an erasure leaves no copy in free pages.
            "secure_delete=ON",
            "synchronous=NORMAL",
            "foreign_keys=ON",
        )
        readers = [await _connect(path, "query_only=ON") for _ in range(READERS)]
        urgent = [await _connect(path, "query_only=ON") for _ in range(URGENT_READERS)]
        return cls(writer, readers, urgent)

    async def close(self) -> None:
        async with self._writing():
            await self._commit_group()
        for reader in self._all_readers:
            await reader.close()
        await self._writer.close()

    async def forget(self, wait_s: float, pause_s: float) -> None:
        """Copy the WAL into the database and truncate it: erased rows' old pages go too
        (`wal.py`; `WalNotEmptied` while another connection's reader keeps them)."""
        async with self._writing():
            await self._commit_group()
            await _on_thread(self._writer, empty_wal, wait_s, pause_s)

    @asynccontextmanager
    async def _writing(self, urgent: bool = False) -> AsyncIterator[None]:
        """Hold the writer (before ordinary callers still waiting, if `urgent`); on the way
        out, commit the open group unless another transaction is already waiting to join
        it (or it is full). An `urgent` one commits on its way out all the same: left
        open, it would wait for the bodies of every transaction queued behind it."""
        self._queued += 1
        try:
            await self._lock.acquire(urgent)
        except BaseException:
            # A caller that gives up waiting may have been the one the open group was
            # left for: commit it on its behalf, or its members would wait for the next
            # transaction to come along.
            self._queued -= 1
            if self._group and not self._queued:
                commit = asyncio.ensure_future(self._commit_left_open())
                self._orphans.add(commit)
                commit.add_done_callback(self._orphans.discard)
            raise
        self._queued -= 1
        try:
            yield
        finally:
            try:
                full = len(self._group) >= MAX_GROUP
                if self._group and (urgent or not self._queued or full):
                    # Shielded: a caller cancelled here must not leave the group's
                    # futures unresolved (the COMMIT runs on aiosqlite's thread anyway).
                    await asyncio.shield(self._commit_group())
            finally:
                self._lock.release()

    async def _commit_left_open(self) -> None:
        async with self._writing():
            pass  # leaving commits the group, as nobody else is waiting

    async def _commit_group(self) -> None:
        """COMMIT the open transaction and tell every block in it how that went."""
        if not self._group:
            return
        try:
            with _reachable():
                await self._writer.execute("COMMIT")
        except BaseException as exc:
            with suppress(sqlite3.Error):  # no transaction left to roll back
                await self._writer.execute("ROLLBACK")
            self._settle_group(exc)
            return
        self._settle_group(None)

    def _settle_group(self, error: BaseException | None) -> None:
        """Wake the blocks of the open group: committed, or lost with `error`."""
        group, self._group = self._group, []
        for done in group:
            if done.done():  # its caller was cancelled while waiting
                continue
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)

    @asynccontextmanager
    async def transaction(self, urgent: bool = False) -> AsyncIterator[SqliteConnection]:
        """One write transaction; if anything in it fails, COMMIT included, none of it is
        kept, and the block's caller sees the error. Leaving the block returns once the
        COMMIT that carries it is done.

        A failed block that joined a group is undone to its SAVEPOINT, so the blocks
        before it still commit. BEGIN is inside the `try`: a caller cancelled while BEGIN
        waits for another process's lock leaves it running on aiosqlite's thread, and the
        rollback queued behind it keeps the transaction from staying open for the next
        caller. An `urgent` one takes the writer before the ordinary ones still waiting.
        """
        committed = asyncio.get_running_loop().create_future()
        async with self._writing(urgent):
            # The first block of a group opens the transaction; a later one joins it as a
            # SAVEPOINT, so that its failure undoes it alone. A block that succeeds leaves
            # its savepoint on the stack (COMMIT releases them all): one statement less.
            joining = bool(self._group)
            with _reachable():
                try:
                    await self._writer.execute("SAVEPOINT block" if joining else "BEGIN IMMEDIATE")
                    yield self._handle
                except BaseException:
                    await _on_thread(self._writer, _undo, joining)
                    if self._group and not self._writer.in_transaction:
                        # SQLite rolled the whole transaction back (a full disk, an I/O
                        # error): the blocks before this one are lost, and say so.
                        self._settle_group(Unavailable())
                    raise
                self._group.append(committed)
        await committed

    async def atomically(self, work: Work[Result], urgent: bool = False) -> Result:
        """As `transaction(urgent)` around `work`, in one hop to the writer's thread: BEGIN
        (or the SAVEPOINT that joins the open group), the block's statements, and the
        COMMIT when it is due at once (an urgent block's, or nobody waiting to join)."""
        committed = asyncio.get_running_loop().create_future()
        async with self._writing(urgent):
            full = len(self._group) + 1 >= MAX_GROUP
            block = _Block(work, bool(self._group), urgent or not self._queued or full)
            hop = asyncio.ensure_future(_on_thread(self._writer, _write_block, block))
            try:
                with _reachable():
                    result: Result = await asyncio.shield(hop)
            except asyncio.CancelledError:
                # The block runs to its end on the thread all the same: wait for it, so
                # the next holder of the writer finds the connection as the group left it.
                await self._settle_abandoned(hop, block)
                raise
            except BaseException:
                if self._group and not self._writer.in_transaction:
                    # SQLite rolled the whole transaction back: the blocks before are lost.
                    self._settle_group(Unavailable())
                raise
            self._group.append(committed)
            if block.committed:
                self._settle_group(block.failed)
        await committed
        return result

    async def _settle_abandoned(self, hop: "asyncio.Future[Any]", block: "_Block") -> None:
        """A caller cancelled while its block ran on the writer's thread: an uncommitted
        block is undone; a committed one (with its group) stays committed. Neither wait
        lets a further cancellation through, or the writer would be released with the
        block's statements still in the open transaction. The undo is one more call to
        the thread, queued behind the block's, so it runs after the block even if `hop`
        itself was cancelled (the block still runs to its end there)."""
        await _outlast(hop)
        await _outlast(asyncio.ensure_future(_on_thread(self._writer, _undo_abandoned, block)))
        if block.committed:
            self._settle_group(block.failed)
        elif self._group and not self._writer.in_transaction:
            self._settle_group(Unavailable())

    async def read(self, work: Work[Result], urgent: bool = False) -> Result:
        """`work` in one snapshot, in one hop to a read connection's thread; an urgent read
        takes the connection kept for urgent reads."""
        line = self._urgent_readers if urgent else self._readers
        reader = await line.get()
        try:
            with _reachable():
                result: Result = await _on_thread(reader, _read_block, work)
                return result
        finally:
            line.put_nowait(reader)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteConnection]:
        """One read-only snapshot (a deferred transaction) on a read connection."""
        reader = await self._readers.get()
        try:
            with _reachable():
                await reader.execute("BEGIN")
                try:
                    yield SqliteConnection(reader)
                finally:
                    with suppress(sqlite3.Error):
                        await reader.execute("COMMIT")
        finally:
            self._readers.put_nowait(reader)

    async def fetch_all(self, statement: Statement, **params: Any) -> list[Row]:
        reader = await self._readers.get()
        try:
            with _reachable():
                return list(await reader.execute_fetchall(*spelled(statement, params)))
        finally:
            self._readers.put_nowait(reader)
