"""Both engines get their schema from the same alembic revisions, a SQLite file made by
the old hand-written schema is brought to it without losing a row, and servers starting
together on a fresh PostgreSQL database set up the graph's checkpoint tables in turn."""

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import Backend

from warmline.storage.checkpoints import open_checkpoints
from warmline.storage.schema import migrate, sqlalchemy_url, sqlite_url


def shape(url: str) -> dict[str, tuple[list[str], list[str]]]:
    """Per table: its columns and its indexes' names, as the database reports them."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {
            table: (
                sorted(column["name"] for column in inspector.get_columns(table)),
                sorted(str(index["name"]) for index in inspector.get_indexes(table)),
            )
            for table in inspector.get_table_names()
            if table != "alembic_version"
        }
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    backend = Backend("postgres+redis")
    url = str(backend.overrides()["database_url"])
    try:
        yield url
    finally:
        backend.drop()


def test_sqlite_and_postgresql_have_the_same_tables_columns_and_indexes(
    tmp_path: Path, postgres_url: str
) -> None:
    path = tmp_path / "warmline.sqlite"
    migrate(sqlite_url(path))
    migrate(postgres_url)
    embedded, shared = shape(sqlite_url(path)), shape(sqlalchemy_url(postgres_url))
    assert "conversations" in embedded
    assert embedded == shared


async def test_servers_starting_together_on_a_fresh_database_set_up_the_checkpoints(
    tmp_path: Path, postgres_url: str
) -> None:
    """The saver's setup builds indexes concurrently, which waits for every open snapshot
    in the database: a server blocked waiting for the setup lock held one, so the server
    holding the lock waited for it, and both for ever."""

    async def start() -> None:
        async with open_checkpoints(tmp_path / "unused.sqlite", postgres_url, 2):
            pass

    await asyncio.wait_for(asyncio.gather(*(start() for _ in range(3))), 60)


# What an early version of the embedded engine created by hand: no language or segment
# columns, no index on handoffs.conversation_id (nor the two partial indexes).
HAND_MADE = """
CREATE TABLE conversations (
    id TEXT PRIMARY KEY, created_at TEXT NOT NULL, mode TEXT NOT NULL DEFAULT 'bot',
    agent_id TEXT, last_seq INTEGER NOT NULL DEFAULT 0, pending_seq INTEGER
);
CREATE TABLE handoffs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    status TEXT NOT NULL, priority INTEGER NOT NULL, created_at TEXT NOT NULL,
    claimed_by TEXT, claimed_at TEXT, closed_at TEXT, packet TEXT NOT NULL
);
INSERT INTO conversations (id, created_at, mode) VALUES ('c1', '2026-11-01T00:00:00Z', 'queued');
INSERT INTO handoffs (conversation_id, status, priority, created_at, packet)
    VALUES ('c1', 'queued', 2, '2026-11-01T00:00:00Z', '{}');
"""


def test_a_hand_made_sqlite_file_is_brought_to_the_revision_with_its_rows(
    tmp_path: Path,
) -> None:
    legacy, fresh = tmp_path / "legacy.sqlite", tmp_path / "fresh.sqlite"
    with sqlite3.connect(legacy) as conn:
        conn.executescript(HAND_MADE)
    migrate(sqlite_url(legacy))
    migrate(sqlite_url(fresh))
    assert shape(sqlite_url(legacy)) == shape(sqlite_url(fresh))
    with sqlite3.connect(legacy) as conn:
        row = conn.execute("SELECT mode, language, segment FROM conversations").fetchone()
        assert row == ("queued", "en", "standard")
        conn.execute(
            "INSERT INTO handoffs (conversation_id, status, priority, created_at, packet) "
            "VALUES ('c1', 'closed', 1, '2026-11-02T00:00:00Z', '{}')"
        )
        assert [r[0] for r in conn.execute("SELECT id FROM handoffs ORDER BY id")] == [1, 2]
    migrate(sqlite_url(legacy))  # a second start changes nothing
    assert shape(sqlite_url(legacy)) == shape(sqlite_url(fresh))
