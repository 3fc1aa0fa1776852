"""Choose the engine from configuration: a SQLite file by default, PostgreSQL by URL."""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from warmline.storage.database import Database
from warmline.storage.postgres import PostgresDatabase
from warmline.storage.sqlite import SqliteDatabase

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def sqlalchemy_url(url: str) -> str:
    """The same database for alembic, through psycopg 3 rather than SQLAlchemy's default."""
    scheme, _, rest = url.partition("://")
    return f"postgresql+psycopg://{rest}" if scheme in ("postgres", "postgresql") else url


def migrate(url: str) -> None:
    """Bring a PostgreSQL database to the newest schema revision (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    command.upgrade(config, "head")


async def open_database(path: Path, url: str | None = None, max_connections: int = 20) -> Database:
    """PostgreSQL (migrated on the way in) when `url` is set, else the SQLite file at `path`."""
    if url is None:
        return await SqliteDatabase.open(path)
    await asyncio.to_thread(migrate, url)
    return await PostgresDatabase.open(url, max_connections)
