"""The graph's checkpoint store: LangGraph's saver on the same engine as the database.

Embedded, it is a SQLite file beside the database, in WAL mode with
`synchronous=NORMAL` like the database. With a PostgreSQL URL it has its own
pool: LangGraph's Postgres saver uses psycopg 3 like the stores, but wants dict rows and
no prepared statements. Its tables are the saver's own, created by its `setup()`, which
workers starting together run one at a time: on SQLite under an exclusive lock on a file
beside the database (`_set_up_sqlite_alone`), on PostgreSQL under an advisory lock
(waited for by polling, see `_set_up_alone`).
"""

import asyncio
import fcntl
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
)
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from warmline.storage.database import create_private
from warmline.storage.wal import empty_wal

Result = TypeVar("Result")
CHECKPOINT_SETUP_LOCK = 7_402_992  # serialises the saver's own migrations across workers
SETUP_POLL_S = 0.1


@asynccontextmanager
async def open_checkpoints(
    path: Path, database_url: str | None, max_connections: int
) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    """The saver for the length of the block: the SQLite file at `path`, or PostgreSQL."""
    if database_url is None:
        create_private(path)
        connection = sqlite3.connect(path, check_same_thread=False)
        saver = ThreadedSqliteSaver(connection)
        try:
            # WAL mode, before the lighter sync below is safe.
            await saver.call(_set_up_sqlite_alone, saver, path)
            # As the database's: a commit is in the WAL when it returns, so a killed process
            # loses nothing; it is synced at checkpoints, not at every turn's commit (an
            # fsync there cost 0.3 ms at the median and 8.5 ms at p95 on a turn's path).
            await saver.call(connection.execute, "PRAGMA synchronous=NORMAL")
            yield saver
        finally:
            await saver.close()
        return
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        database_url,
        min_size=1,
        max_size=max_connections,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        check=AsyncConnectionPool.check_connection,
        timeout=10,
        open=False,
    )
    await pool.open(wait=True)
    try:
        postgres_saver = AsyncPostgresSaver(pool)
        await _set_up_alone(pool, postgres_saver)
        yield postgres_saver
    finally:
        await pool.close()


def _set_up_sqlite_alone(saver: SqliteSaver, path: Path) -> None:
    """The saver's `setup()` (WAL mode, its tables) while no other process sets up the
    same file. Processes doing it at once on a new file failed with "database is locked"
    without waiting out SQLite's busy timeout (10 to 28 rounds in 600 of four processes
    starting together): SQLite gives up at once where waiting could deadlock."""
    lock_path = path.with_name(f"{path.name}.setup-lock")
    create_private(lock_path)
    descriptor = os.open(lock_path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # released when the descriptor closes
        saver.setup()
    finally:
        os.close(descriptor)


class ThreadedSqliteSaver(SqliteSaver):
    """LangGraph's synchronous SQLite saver, each of its async calls run whole in one
    call to a thread of its own. The async saver makes a call to its connection's thread
    per statement and per row fetch (about ten a turn: reading the memory, then writing
    the turn), and under load each waits for the busy event loop once more before the turn
    goes on; here a turn's read is one thread call and its write, once at its end, one
    more. The stored rows are the same as the async saver's.

    One thread, not the event loop's executor: the calls run one at a time anyway (the
    saver's lock), so they would only hold the executor's threads that turns' steps need
    while they wait; and `close` lets the call in flight finish before the connection
    closes (a turn cancelled at shutdown leaves its write running in the thread, and
    closing the connection under it crashed the process)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn)
        self._thread = ThreadPoolExecutor(1, "warmline-checkpoints")

    async def call(self, function: Callable[..., Result], *args: Any) -> Result:
        """`function(*args)` on the saver's thread."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    async def close(self) -> None:
        """Finish the calls already made, then close the connection."""
        await asyncio.to_thread(self._thread.shutdown, wait=True)
        self.conn.close()

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await self.call(self.get_tuple, config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        def listed() -> list[CheckpointTuple]:
            return list(self.list(config, filter=filter, before=before, limit=limit))

        for found in await self.call(listed):
            yield found

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return await self.call(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        await self.call(self.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await self.call(self.delete_thread, thread_id)

    async def forget(self, wait_s: float, pause_s: float) -> None:
        """Checkpoint the write-ahead log into the file and empty it, so the checkpoints
        deleted before (an erasure) leave no copy on disk (`wal.py`; `WalNotEmptied`
        while another connection's reader keeps them)."""

        def truncate() -> None:
            with self.lock:
                empty_wal(self.conn, wait_s, pause_s)

        await self.call(truncate)

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        return await self.call(
            lambda: self.get_delta_channel_history(config=config, channels=channels)
        )


@asynccontextmanager
async def open_checkpoint_reader(
    path: Path, database_url: str | None
) -> AsyncIterator[BaseCheckpointSaver[Any] | None]:
    """A synchronous saver that reads the embedded checkpoints, for use in a thread: the
    edge hands a press over after reading the conversation's memory, which the async
    saver reads in six calls to its connection's thread, each a round trip through the
    event loop that is late under load; this one reads it in the one thread call that also
    decides (`conversation/edge.py`). Read-only, opened after `open_checkpoints` made the
    tables. None with PostgreSQL, whose async saver reads from its pool."""
    if database_url is not None:
        yield None
        return
    connection = sqlite3.connect(path, check_same_thread=False)  # its saver holds a lock
    try:
        connection.execute("PRAGMA query_only=ON")
        reader = SqliteSaver(connection)
        reader.is_setup = True  # the tables are the writing saver's
        yield reader
    finally:
        connection.close()


async def _set_up_alone(pool: AsyncConnectionPool[Any], saver: AsyncPostgresSaver) -> None:
    """The saver's `setup()` under the advisory lock, waited for by trying it again and
    again rather than by blocking in `pg_advisory_lock`.

    A session blocked there holds its statement's snapshot open, and the setup's `CREATE
    INDEX CONCURRENTLY` waits until every snapshot open in the database has closed: the
    worker that holds the lock would wait for the one waiting for it, both for ever (two
    gateways starting together on a fresh database did). A failed try ends at once.
    """
    async with pool.connection() as conn:
        while True:
            if await _taken(conn):
                break
            await asyncio.sleep(SETUP_POLL_S)
        try:
            await saver.setup()
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (CHECKPOINT_SETUP_LOCK,))


async def _taken(conn: AsyncConnection[Any]) -> bool:
    cursor = await conn.execute(
        "SELECT pg_try_advisory_lock(%s) AS taken", (CHECKPOINT_SETUP_LOCK,)
    )
    row = await cursor.fetchone()
    return bool(row and row["taken"])
