"""The storage interface every store writes through: transactions, reads and rows.

Every statement is a `Statement` (`statements.py`) with named parameters, written in
the store modules of this package and compiled by each engine's own SQLAlchemy dialect
(`sqlite.py`, `postgres.py`). A read that decides a write inside a transaction is built
`with_for_update()`: PostgreSQL's dialect locks the row against other workers, and
SQLite's, whose `BEGIN IMMEDIATE` already serialises every writer, leaves it out. An
INSERT whose generated id the caller needs says `RETURNING id` (both engines have it).
"""

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine, Iterable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol, TypeVar

from warmline.storage.statements import Params, Statement


class Unavailable(Exception):
    """A shared store (database, Redis) could not be reached; the request may be retried.

    Carries a code and message like the other refusals, so a socket answers it with an
    error frame and stays open instead of closing on the client.
    """

    code = "unavailable"

    def __init__(self, message: str = "Service briefly unavailable; please retry.") -> None:
        super().__init__(message)
        self.message = message


class Row(Protocol):
    """A result row, read by column name or position (`dict(row)` works); iterating it
    gives its values in column order, as `sqlite3.Row` does."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def keys(self) -> Any: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...


class Connection(Protocol):
    """One transaction's (or one read's) handle, as call sites use it."""

    async def execute(self, statement: Statement, **params: Any) -> Cursor: ...

    async def executemany(self, statement: Statement, rows: Iterable[Params]) -> None: ...

    async def lock(self, key: str) -> None:
        """Hold a named lock until the transaction ends, across every worker."""


Result = TypeVar("Result")
Work = Callable[["Connection"], Coroutine[Any, Any, Result]]
"""A block written as a function of its connection that awaits nothing but the
connection's own calls, so an engine may run it whole where the connection lives. Only
SQLite holds a block to that (it refuses one that awaits anything else, and undoes it);
PostgreSQL runs it as an ordinary transaction and would let it await anything."""


class Database(ABC):
    """One deployment's database: atomic blocks, plain reads, and a close."""

    reads_on_thread = False
    """`read` runs its block whole on a connection's own thread (SQLite), so the block may
    call blocking code there; elsewhere the block runs on the event loop."""

    @abstractmethod
    def transaction(self, urgent: bool = False) -> AbstractAsyncContextManager[Connection]:
        """Run a block atomically; it commits only if the block finishes. An `urgent` block
        (a handoff) goes before ordinary ones where the engine makes writers wait in line."""

    @abstractmethod
    def reading(self) -> AbstractAsyncContextManager[Connection]:
        """Reads outside a transaction, without taking a writer's lock."""

    @abstractmethod
    async def fetch_all(self, statement: Statement, **params: Any) -> list[Row]: ...

    async def atomically(self, work: Work[Result], urgent: bool = False) -> Result:
        """`work(conn)` as one `transaction(urgent)`, and what it returns. An engine whose
        connection lives on a thread of its own (SQLite) runs the whole block there in one
        call, rather than one round trip through the event loop per statement, each of
        which waits for the loop's turn under load while the writer is held."""
        async with self.transaction(urgent) as conn:
            return await work(conn)

    async def read(self, work: Work[Result], urgent: bool = False) -> Result:
        """`work(conn)` as one `reading()`, and what it returns: in one call to a read
        connection's thread where there is one (SQLite). On SQLite an `urgent` read (a press
        of "Talk to a person") has a connection no ordinary read holds; PostgreSQL ignores
        `urgent`, and the read takes the next free connection of the pool like any other."""
        async with self.reading() as conn:
            return await work(conn)

    async def fetch_one(self, statement: Statement, **params: Any) -> Row | None:
        rows = await self.fetch_all(statement, **params)
        return rows[0] if rows else None

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def forget(self, wait_s: float, pause_s: float) -> None:
        """After an erasure, leave no copy of deleted rows in files this process writes, or
        raise `WalNotEmptied` (`wal.py`) if another connection's reader keeps them there
        through its tries of up to `wait_s` each, `pause_s` apart (SQLite's
        write-ahead log)."""


def create_private(path: Path) -> None:
    """Create a database file readable by its owner only, before the engine makes it
    (SQLite gives its -wal and -shm files the same mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    path.chmod(0o600)
