"""The embedded engine: one SQLite file, opened once, with serialised transactions.

aiosqlite runs every statement on one background thread; without a lock, two
coroutines' statements would interleave inside each other's transactions. That lock
also makes every write transaction exclusive, which is why `FOR UPDATE` and named
locks have nothing to add here.
"""

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

import aiosqlite

from warmline.storage.database import Cursor, Database, Row, Unavailable, create_private

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    mode TEXT NOT NULL DEFAULT 'bot',
    agent_id TEXT,
    last_seq INTEGER NOT NULL DEFAULT 0,
    pending_seq INTEGER,
    language TEXT NOT NULL DEFAULT 'en',
    segment TEXT NOT NULL DEFAULT 'standard'
);
CREATE TABLE IF NOT EXISTS events (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    ts TEXT NOT NULL,
    client_msg_id TEXT,
    data TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);
CREATE UNIQUE INDEX IF NOT EXISTS events_client_msg
    ON events (conversation_id, client_msg_id) WHERE client_msg_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS placeholders (
    conversation_id TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    digest TEXT NOT NULL,
    number INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, entity_type, digest)
);
CREATE TABLE IF NOT EXISTS handoffs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    status TEXT NOT NULL,
    priority INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    claimed_by TEXT,
    claimed_at TEXT,
    closed_at TEXT,
    packet TEXT NOT NULL,
    skills TEXT NOT NULL DEFAULT '[]',
    language TEXT NOT NULL DEFAULT 'en',
    preferred_agent TEXT,
    preferred_until TEXT,
    sla_deadline TEXT,
    breached_at TEXT,
    disposition TEXT,
    csat INTEGER,
    waiting_since TEXT,
    requeued_at TEXT
);
CREATE INDEX IF NOT EXISTS handoffs_open ON handoffs (status, priority DESC, created_at);
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    contact TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
);
CREATE TABLE IF NOT EXISTS llm_usage (
    day TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    model TEXT NOT NULL,
    requests INTEGER NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    PRIMARY KEY (day, conversation_id, model)
);
CREATE TABLE IF NOT EXISTS labels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    agent_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    article_id TEXT,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pii_vault (
    conversation_id TEXT NOT NULL,
    placeholder TEXT NOT NULL,
    ciphertext BLOB NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (conversation_id, placeholder)
);
CREATE INDEX IF NOT EXISTS pii_vault_expiry ON pii_vault (expires_at);
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    placeholder TEXT,
    allowed INTEGER NOT NULL,
    detail TEXT NOT NULL
);
"""
# Columns added after a table first shipped: a database created by an earlier version
# gains them on open instead of failing on its first query.
ADDED_COLUMNS = {
    "conversations": {
        "language": "TEXT NOT NULL DEFAULT 'en'",
        "segment": "TEXT NOT NULL DEFAULT 'standard'",
    },
    "handoffs": {
        "skills": "TEXT NOT NULL DEFAULT '[]'",
        "language": "TEXT NOT NULL DEFAULT 'en'",
        "preferred_agent": "TEXT",
        "preferred_until": "TEXT",
        "sla_deadline": "TEXT",
        "breached_at": "TEXT",
        "disposition": "TEXT",
        "csat": "INTEGER",
        "waiting_since": "TEXT",
        "requeued_at": "TEXT",
    },
}
_FOR_UPDATE = re.compile(r"\s+FOR\s+UPDATE\s*$", re.IGNORECASE)


@lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """SQLite spelling of a query: row locks are implied by the exclusive writer."""
    return _FOR_UPDATE.sub("", sql)


async def _add_missing_columns(connection: aiosqlite.Connection) -> None:
    for table, columns in ADDED_COLUMNS.items():
        cursor = await connection.execute(f"PRAGMA table_info({table})")
        present = {row[1] for row in await cursor.fetchall()}
        for name, definition in columns.items():
            if name not in present:
                await connection.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")


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


class SqliteConnection:
    """The shared aiosqlite connection as call sites see it (see `Connection`)."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Cursor:
        return await self._connection.execute(translate(sql), parameters)

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Any:
        return await self._connection.executemany(translate(sql), parameters)

    async def lock(self, key: str) -> None:
        """Nothing to take: this connection's writer is already exclusive."""


class SqliteDatabase(Database):
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self._handle = SqliteConnection(connection)
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> "SqliteDatabase":
        create_private(path)
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA journal_mode=WAL")
        # Deleted rows are overwritten with zeros, so an erasure leaves no copy in free pages.
        await connection.execute("PRAGMA secure_delete=ON")
        await connection.execute("PRAGMA synchronous=FULL")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.executescript(SCHEMA)
        await _add_missing_columns(connection)
        return cls(connection)

    async def close(self) -> None:
        await self._connection.close()

    async def forget(self) -> None:
        """Copy the WAL into the database and truncate it: erased rows' old pages go too."""
        async with self._lock:
            await self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConnection]:
        """One write transaction; if anything in it fails, COMMIT included, it is rolled
        back (if SQLite has not already done so) and nothing of it is kept.

        BEGIN is inside the `try`: a caller cancelled while BEGIN waits for another
        process's lock leaves it running on aiosqlite's thread, and the ROLLBACK queued
        behind it is what keeps that transaction from staying open for the next caller.
        """
        async with self._lock:
            with _reachable():
                try:
                    await self._connection.execute("BEGIN IMMEDIATE")
                    yield self._handle
                    await self._connection.execute("COMMIT")
                except BaseException:
                    with suppress(sqlite3.Error):  # no transaction left to roll back
                        await self._connection.execute("ROLLBACK")
                    raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteConnection]:
        async with self._lock:
            with _reachable():
                yield self._handle

    async def fetch_all(self, sql: str, *params: object) -> list[Row]:
        async with self._lock:
            with _reachable():
                cursor = await self._connection.execute(translate(sql), params)
                return list(await cursor.fetchall())
