"""Choose the engine from configuration: a SQLite file by default, PostgreSQL by URL."""

import asyncio
from pathlib import Path

from warmline.storage.database import Database
from warmline.storage.postgres import PostgresDatabase
from warmline.storage.schema import migrate
from warmline.storage.sqlite import SqliteDatabase


async def open_database(path: Path, url: str | None = None, max_connections: int = 20) -> Database:
    """PostgreSQL when `url` is set, else the SQLite file at `path`; migrated on the way in."""
    if url is None:
        return await SqliteDatabase.open(path)
    await asyncio.to_thread(migrate, url)
    return await PostgresDatabase.open(url, max_connections)
