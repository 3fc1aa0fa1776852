"""A change to conversations: one transaction, and its events published only once it has
committed.

Publishing first would let a client see an event that a failed commit then takes back
(a message that is not in the log a reconnect reads, a claim that never happened), so
every change runs through here instead of repeating "commit, then publish" by hand.
"""

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from warmline.storage.conversations import Event
from warmline.storage.database import Connection, Database, Result

Publish = Callable[[list[Event]], None]


@dataclass
class Change:
    """The open transaction and the events it has written so far, to publish after it."""

    conn: Connection
    events: list[Event] = field(default_factory=list)

    def record(self, *events: Event) -> None:
        self.events.extend(events)


class UnitOfWork:
    def __init__(self, db: Database, publish: Publish) -> None:
        self.db = db
        self.publish = publish

    @asynccontextmanager
    async def change(self) -> AsyncIterator[Change]:
        """`async with work.change() as change:` write with `change.conn`, `record` the
        events; they are published when the block's transaction has committed, and not
        at all if the block or the commit fails."""
        async with self.db.transaction() as conn:
            change = Change(conn)
            yield change
        if change.events:
            self.publish(change.events)

    async def apply(
        self, work: Callable[[Change], Coroutine[Any, Any, Result]], urgent: bool = False
    ) -> Result:
        """As `change`, with the block as a function of its `Change` that awaits nothing
        but the connection's calls (`Database.atomically`), so the engine may run it whole
        where the connection lives (SQLite: one hop to the writer's thread). Its events
        are published once it has committed; returns what the block returns."""
        events: list[Event] = []

        async def block(conn: Connection) -> Result:
            return await work(Change(conn, events))

        result = await self.db.atomically(block, urgent)
        if events:
            self.publish(events)
        return result
