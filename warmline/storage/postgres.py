"""The scale-out engine: PostgreSQL through psycopg 3 (async) and a connection pool.

Many workers share one database, so a transaction is a pooled connection inside
`BEGIN ... COMMIT`, and rows another worker may change at the same time are read
`FOR UPDATE`. Each statement is compiled by SQLAlchemy's psycopg dialect (`%(name)s`
placeholders, values passed by name). The schema is applied by alembic
(`migrations/`) before the pool opens.

A connection the server lost (a restarted database, `pg_terminate_backend`) is found
by the pool's check before it is handed out and replaced; a statement that fails on
one raises `Unavailable`, which the sockets answer with a retryable error frame.
"""

from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg.rows import RowMaker
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect

from warmline.storage.database import Cursor, Database, Row, Unavailable
from warmline.storage.statements import Params, Statement

DIALECT = psycopg_dialect.dialect()  # type: ignore[no-untyped-call]


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
    """A finished statement's rows and count."""

    def __init__(self, cursor: psycopg.AsyncCursor[Record]) -> None:
        self._cursor = cursor
        self.rowcount = cursor.rowcount

    async def fetchone(self) -> Record | None:
        return await self._cursor.fetchone()

    async def fetchall(self) -> list[Record]:
        return await self._cursor.fetchall()


class PgConnection:
    """One pooled connection as call sites see it (see `Connection`)."""

    def __init__(self, connection: psycopg.AsyncConnection[Record]) -> None:
        self._connection = connection

    async def execute(self, statement: Statement, **params: Any) -> Cursor:
        text, _ = statement.compiled(DIALECT)
        return PgCursor(await self._connection.execute(text, params))

    async def executemany(self, statement: Statement, rows: Iterable[Params]) -> None:
        batch = list(rows)
        if batch:
            async with self._connection.cursor() as cursor:
                await cursor.executemany(statement.compiled(DIALECT)[0], batch)

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

    async def forget(self, wait_s: float, pause_s: float) -> None:
        """Nothing to do here: PostgreSQL's WAL and dead row versions are the server's to
        recycle (autovacuum), not files of this process."""

    @asynccontextmanager
    async def transaction(self, urgent: bool = False) -> AsyncIterator[PgConnection]:
        """`urgent` changes nothing here: the pool's connections write side by side."""
        async with _reachable(), self._pool.connection() as conn, conn.transaction():
            yield PgConnection(conn)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[PgConnection]:
        async with _reachable(), self._pool.connection() as conn:
            yield PgConnection(conn)

    async def fetch_all(self, statement: Statement, **params: Any) -> list[Row]:
        async with _reachable(), self._pool.connection() as conn:
            cursor = await conn.execute(statement.compiled(DIALECT)[0], params)
            return list(await cursor.fetchall())
