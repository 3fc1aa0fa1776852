"""The graph's checkpoint store: LangGraph's saver on the same engine as the database.

Embedded, it is a SQLite file beside the database. With a PostgreSQL URL it has its own
pool: LangGraph's Postgres saver uses psycopg 3 like the stores, but wants dict rows and
no prepared statements. Its tables are the saver's own, created by its `setup()`, which
workers starting together run one at a time under an advisory lock.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from warmline.storage.database import create_private

CHECKPOINT_SETUP_LOCK = 7_402_992  # serialises the saver's own migrations across workers


@asynccontextmanager
async def open_checkpoints(
    path: Path, database_url: str | None, max_connections: int
) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    """The saver for the length of the block: the SQLite file at `path`, or PostgreSQL."""
    if database_url is None:
        create_private(path)
        async with AsyncSqliteSaver.from_conn_string(str(path)) as saver:
            yield saver
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
        async with pool.connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(%s)", (CHECKPOINT_SETUP_LOCK,))
            try:
                await postgres_saver.setup()
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (CHECKPOINT_SETUP_LOCK,))
        yield postgres_saver
    finally:
        await pool.close()
