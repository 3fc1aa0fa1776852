"""Open the durable stores the settings name: the database and the graph checkpoints
(embedded: SQLite files in `data_dir`; with `database_url`: PostgreSQL)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from warmline.config import Settings
from warmline.storage.checkpoints import open_checkpoint_reader, open_checkpoints
from warmline.storage.database import Database
from warmline.storage.engines import open_database


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
    async with open_checkpoints(
        settings.checkpoint_path, settings.database_url, settings.database_max_connections
    ) as saver:
        yield saver


@asynccontextmanager
async def checkpoint_reader(settings: Settings) -> AsyncIterator[BaseCheckpointSaver[Any] | None]:
    """A synchronous reader of the embedded checkpoints (None with PostgreSQL); open it
    after `checkpointer`, which makes the tables."""
    async with open_checkpoint_reader(settings.checkpoint_path, settings.database_url) as reader:
        yield reader
