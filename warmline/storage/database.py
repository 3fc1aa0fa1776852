"""One SQLite database per deployment, opened once, with serialised transactions.

aiosqlite runs every statement on one background thread; without a lock, two
coroutines' statements would interleave inside each other's transactions.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

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
    waiting_since TEXT
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
    },
}


async def _add_missing_columns(connection: aiosqlite.Connection) -> None:
    for table, columns in ADDED_COLUMNS.items():
        cursor = await connection.execute(f"PRAGMA table_info({table})")
        present = {row[1] for row in await cursor.fetchall()}
        for name, definition in columns.items():
            if name not in present:
                await connection.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")


class Database:
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> "Database":
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA synchronous=FULL")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.executescript(SCHEMA)
        await _add_missing_columns(connection)
        return cls(connection)

    async def close(self) -> None:
        await self._connection.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block atomically; it commits only if the block finishes."""
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            await self._connection.execute("COMMIT")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """Reads between transactions, without taking SQLite's write lock."""
        async with self._lock:
            yield self._connection

    async def fetch_all(self, sql: str, *params: object) -> list[aiosqlite.Row]:
        async with self._lock:
            cursor = await self._connection.execute(sql, params)
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, *params: object) -> aiosqlite.Row | None:
        rows = await self.fetch_all(sql, *params)
        return rows[0] if rows else None
