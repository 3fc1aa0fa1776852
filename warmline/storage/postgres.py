"""The scale-out engine: PostgreSQL through psycopg 3 (async) and a connection pool.

Many workers share one database, so a transaction is a pooled connection inside
`BEGIN ... COMMIT`, and rows another worker may change at the same time are read
`FOR UPDATE`. Queries arrive in the SQLite spelling the call sites use; `translate`
turns `?` into psycopg's `%s`, and an INSERT into a table with a generated id returns
it, so `cursor.lastrowid` works as with SQLite. The schema is applied by alembic
(`migrations/`) before the pool opens.

A connection the server lost (a restarted database, `pg_terminate_backend`) is found
by the pool's check before it is handed out and replaced; a statement that fails on
one raises `Unavailable`, which the sockets answer with a retryable error frame.
"""

import re
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import RowMaker
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from warmline.storage.database import Cursor, Database, Row, Unavailable

# Tables whose `id` the database generates: an INSERT into one reports it as lastrowid.
GENERATED_IDS = ("handoffs", "tickets", "labels", "audit_log")
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)


@lru_cache(maxsize=512)
def translate(sql: str) -> tuple[str, bool]:
    """The PostgreSQL spelling of a query, and whether it now returns a generated id.

    `?` outside quoted literals becomes `%s`; a literal `%` is doubled for psycopg.
    """
    out: list[str] = []
    quote: str | None = None
    for char in sql:
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "?":
            out.append("%s")
            continue
        if char == "%":
            out.append("%%")
            continue
        out.append(char)
    text = "".join(out)
    insert = _INSERT_INTO.match(text)
    returns_id = (
        insert is not None
        and insert.group(1).lower() in GENERATED_IDS
        and "RETURNING" not in text.upper()
    )
    return (text + " RETURNING id", True) if returns_id else (text, False)


class Record(Sequence[Any]):
    """A row readable by column name and by position, like sqlite3.Row."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: Any) -> Any:
        return self._values[self._index[key] if isinstance(key, str) else key]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def keys(self) -> list[str]:
        return list(self._index)


def record_row(cursor: psycopg.AsyncCursor[Any]) -> RowMaker[Record]:
    names = [c.name for c in cursor.description or ()]
    index = {name: i for i, name in enumerate(names)}
    return lambda values: Record(values, index)


class PgCursor:
    """A finished statement's rows, count and generated id."""

    def __init__(self, cursor: psycopg.AsyncCursor[Record], lastrowid: int | None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid
        self.rowcount = cursor.rowcount

    async def fetchone(self) -> Record | None:
        return await self._cursor.fetchone()

    async def fetchall(self) -> list[Record]:
        return await self._cursor.fetchall()


class PgConnection:
    """One pooled connection as call sites see it (see `Connection`)."""

    def __init__(self, connection: psycopg.AsyncConnection[Record]) -> None:
        self._connection = connection

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Cursor:
        text, returns_id = translate(sql)
        cursor = await self._connection.execute(text, tuple(parameters))
        lastrowid = None
        if returns_id:
            row = await cursor.fetchone()
            lastrowid = int(row[0]) if row is not None else None
        return PgCursor(cursor, lastrowid)

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(p) for p in parameters]
        if batch:
            async with self._connection.cursor() as cursor:
                await cursor.executemany(translate(sql)[0], batch)

    async def lock(self, key: str) -> None:
        """A transaction-scoped advisory lock: other workers wait for this transaction."""
        await self._connection.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))


@asynccontextmanager
async def _reachable() -> AsyncIterator[None]:
    """Connection failures become `Unavailable`; the statement may be retried."""
    try:
        yield
    except (psycopg.OperationalError, PoolTimeout) as exc:
        raise Unavailable() from exc


class PostgresDatabase(Database):
    def __init__(self, pool: AsyncConnectionPool[psycopg.AsyncConnection[Record]]) -> None:
        self._pool = pool

    @classmethod
    async def open(cls, url: str, max_connections: int) -> "PostgresDatabase":
        pool: AsyncConnectionPool[psycopg.AsyncConnection[Record]] = AsyncConnectionPool(
            url,
            min_size=min(2, max_connections),
            max_size=max_connections,
            kwargs={"autocommit": True, "row_factory": record_row},
            check=AsyncConnectionPool.check_connection,
            timeout=10,
            open=False,
        )
        await pool.open(wait=True)
        return cls(pool)

    async def close(self) -> None:
        await self._pool.close()

    async def forget(self) -> None:
        """Nothing to do here: PostgreSQL's WAL and dead row versions are the server's to
        recycle (autovacuum), not files of this process."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:
        async with _reachable(), self._pool.connection() as conn, conn.transaction():
            yield PgConnection(conn)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[PgConnection]:
        async with _reachable(), self._pool.connection() as conn:
            yield PgConnection(conn)

    async def fetch_all(self, sql: str, *params: object) -> list[Row]:
        async with _reachable(), self._pool.connection() as conn:
            cursor = await conn.execute(translate(sql)[0], params)
            return list(await cursor.fetchall())
