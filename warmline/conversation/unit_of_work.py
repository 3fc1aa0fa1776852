"""A change to conversations: one transaction, and its events published only once it has
committed.

Publishing first would let a client see an event that a failed commit then takes back
(a message that is not in the log a reconnect reads, a claim that never happened), so
every change runs through here instead of repeating "commit, then publish" by hand.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from warmline.storage.conversations import Event
from warmline.storage.database import Connection, Database

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
    async def change(self, urgent: bool = False) -> AsyncIterator[Change]:
        """`async with work.change() as change:` write with `change.conn`, `record` the
        events; they are published when the block's transaction has committed, and not
        at all if the block or the commit fails. An `urgent` change (a handoff) goes
        before ordinary ones waiting for the database's writer."""
        async with self.db.transaction(urgent) as conn:
            change = Change(conn)
            yield change
        if change.events:
            self.publish(change.events)
