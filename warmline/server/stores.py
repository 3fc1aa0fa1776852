"""Open the durable stores the settings name: the database and the graph checkpoints.

Embedded, both are SQLite files in `data_dir`. With `database_url` both live in
PostgreSQL, each with its own pool: the checkpointer (LangGraph's Postgres saver)
uses psycopg 3 like the stores, but wants dict rows and no prepared statements.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from warmline.config import Settings
from warmline.storage.database import Database, create_private
from warmline.storage.engines import open_database

CHECKPOINT_SETUP_LOCK = 7_402_992  # serialises the saver's own migrations across workers


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[Database]:
    db = await open_database(
        settings.database_path, settings.database_url, settings.database_max_connections
    )
    try:
        yield db
    finally:
        await db.close()


@asynccontextmanager
async def checkpointer(settings: Settings) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    if settings.database_url is None:
        create_private(settings.checkpoint_path)
        async with AsyncSqliteSaver.from_conn_string(str(settings.checkpoint_path)) as saver:
            yield saver
        return
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        settings.database_url,
        min_size=1,
        max_size=settings.database_max_connections,
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
