"""The conversation log: every customer-visible event, numbered per conversation.

The log is the single source of truth for what each side has seen: a reconnecting
client asks for the events after the last seq it holds, and a client message id
can enter the log only once, so a resend after a dropped connection is harmless.
"""

import json
import secrets
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple, TypeVar

from pydantic import BaseModel
from sqlalchemy import bindparam, column, literal_column, select, table

from warmline.storage.database import Connection, Database, Row
from warmline.storage.statements import Statement, sql

Later = TypeVar("Later")

Mode = Literal["bot", "queued", "human", "resolved"]
AGENT_ONLY = ("note",)  # event types a customer never receives


class Event(BaseModel):
    """A logged event in the wire envelope shape (`v`, `seq`, `type`, ...)."""

    v: Literal[1] = 1
    seq: int
    type: str
    conversation_id: str
    ts: datetime
    data: dict[str, Any]


class Conversation(BaseModel):
    id: str
    mode: Mode
    agent_id: str | None
    last_seq: int
    pending_seq: int | None
    created_at: datetime
    language: str = "en"
    segment: str = "standard"


class TurnMessage(NamedTuple):
    """What a bot turn reads before it runs (`ConversationLog.turn_message`)."""

    conversation: Conversation | None
    message: Event | None
    later: list[dict[str, Any]]
    """The data of each customer message stored after it, in order: while the message
    holds the pending mark, those whose turns wait behind its."""


class ConversationMissing(KeyError):
    """The conversation is not in the log (never was, or was erased while in use).

    Carries the code of the error frame that tells the client, like `Unavailable`.
    """

    code = "unknown_conversation"
    message = "No conversation with that id (it may have been erased)."


class DuplicateMessage(Exception):
    """The client message id is already in the log; carries the event it produced."""

    def __init__(self, event: Event) -> None:
        super().__init__(event.seq)
        self.event = event


CREATE = sql(
    "INSERT INTO conversations (id, created_at, language, segment) "
    "VALUES (:id, :created_at, :language, :segment)"
)
GET = sql("SELECT * FROM conversations WHERE id = :id")
# Locked against other workers until the transaction ends (SQLite's writer already is).
GET_FOR_UPDATE = Statement(
    select(literal_column("*"))
    .select_from(table("conversations"))
    .where(column("id") == bindparam("id"))
    .with_for_update()
)
FIND_CLIENT_MESSAGE = sql(
    "SELECT * FROM events WHERE conversation_id = :conversation_id "
    "AND client_msg_id = :client_msg_id"
)
NEXT_SEQ = sql("UPDATE conversations SET last_seq = last_seq + 1 WHERE id = :id RETURNING last_seq")
APPEND = sql(
    "INSERT INTO events (conversation_id, seq, type, ts, client_msg_id, data) "
    "VALUES (:conversation_id, :seq, :type, :ts, :client_msg_id, :data)"
)
SET_MODE = sql("UPDATE conversations SET mode = :mode, agent_id = :agent_id WHERE id = :id")
SET_PENDING = sql("UPDATE conversations SET pending_seq = :seq WHERE id = :id")
MARK_PENDING = sql(
    "UPDATE conversations SET pending_seq = :seq WHERE id = :id AND pending_seq IS NULL"
)
# Messages from `seq` on that clients sent (a customer's or an agent's; `_customers`
# keeps the customers'), in order.
SENT_FROM = sql(
    "SELECT seq, data FROM events WHERE conversation_id = :conversation_id AND seq >= :seq "
    "AND type = 'message' AND client_msg_id IS NOT NULL ORDER BY seq"
)
EVENTS = sql("SELECT * FROM events WHERE conversation_id = :conversation_id ORDER BY seq")
EVENT_AT = sql("SELECT * FROM events WHERE conversation_id = :conversation_id AND seq = :seq")
EVENTS_AFTER = sql(
    "SELECT * FROM events WHERE conversation_id = :conversation_id AND seq > :seq ORDER BY seq"
)
LAST_CUSTOMER_SEQ = sql(
    "SELECT MAX(seq) AS seq FROM events WHERE conversation_id = :conversation_id "
    f"AND type NOT IN ({', '.join(repr(kind) for kind in AGENT_ONLY)})"
)
PENDING_MARKS = sql("SELECT id, pending_seq FROM conversations WHERE pending_seq IS NOT NULL")
WITH_AGENT = sql("SELECT * FROM conversations WHERE agent_id = :agent_id AND mode = 'human'")
COUNT_BY_MODE = sql(
    "SELECT mode, COUNT(*) AS n FROM conversations "
    "WHERE created_at >= :since OR mode IN ('queued', 'human') GROUP BY mode"
)
AGENTS_WITH_CHATS = sql("SELECT DISTINCT agent_id FROM conversations WHERE mode = 'human'")
CHATS_PER_AGENT = sql(
    "SELECT agent_id, COUNT(*) AS n FROM conversations WHERE mode = 'human' GROUP BY agent_id"
)
CHATS_OF_AGENT = sql(
    "SELECT COUNT(*) AS n FROM conversations WHERE mode = 'human' AND agent_id = :agent_id"
)
IDS_IN_ORDER = sql("SELECT id FROM conversations ORDER BY created_at, id")


def _now() -> datetime:
    return datetime.now(UTC)


def _event(row: Row) -> Event:
    return Event(
        seq=row["seq"],
        type=row["type"],
        conversation_id=row["conversation_id"],
        ts=datetime.fromisoformat(row["ts"]),
        data=json.loads(row["data"]),
    )


def _customers_copy(events: list[Event]) -> list[Event]:
    """The events a customer may receive: agent-only ones (notes) left out."""
    return [e for e in events if e.type not in AGENT_ONLY]


def _customers(rows: Iterable[Row]) -> list[tuple[int, dict[str, Any]]]:
    """The customers' messages among logged ones (every one gets a bot turn), as their seq
    and data, each row's data parsed once."""
    parsed = ((int(row["seq"]), json.loads(row["data"])) for row in rows)
    return [(seq, data) for seq, data in parsed if data.get("role") == "customer"]


def _conversation(row: Row) -> Conversation:
    return Conversation(
        id=row["id"],
        mode=row["mode"],
        agent_id=row["agent_id"],
        last_seq=row["last_seq"],
        pending_seq=row["pending_seq"],
        created_at=datetime.fromisoformat(row["created_at"]),
        language=row["language"],
        segment=row["segment"],
    )


async def _nothing_more(conn: Connection, conversation: Conversation) -> None:
    """An arrival's read with nothing to read after the conversation."""


class ConversationLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, language: str = "en", segment: str = "standard") -> Conversation:
        conversation_id = "c_" + secrets.token_urlsafe(12)
        created_at = _now().isoformat()

        async def create(conn: Connection) -> Conversation:
            await conn.execute(
                CREATE,
                id=conversation_id,
                created_at=created_at,
                language=language,
                segment=segment,
            )
            return await self.get_in(conn, conversation_id)

        return await self.db.atomically(create)

    async def get(self, conversation_id: str) -> Conversation | None:
        row = await self.db.fetch_one(GET, id=conversation_id)
        return _conversation(row) if row else None

    @staticmethod
    async def get_in(conn: Connection, conversation_id: str) -> Conversation:
        """The conversation, locked against other workers until the transaction ends."""
        cursor = await conn.execute(GET_FOR_UPDATE, id=conversation_id)
        row = await cursor.fetchone()
        if row is None:
            raise ConversationMissing(conversation_id)
        return _conversation(row)

    async def sent(self, conversation_id: str, client_msg_id: str) -> Event | None:
        """The event a client message id produced, if any, outside a transaction."""
        row = await self.db.fetch_one(
            FIND_CLIENT_MESSAGE, conversation_id=conversation_id, client_msg_id=client_msg_id
        )
        return _event(row) if row else None

    async def arrival(
        self, conversation_id: str, client_msg_id: str, urgent: bool = False
    ) -> tuple[Event | None, Conversation | None]:
        """What a message needs before it is taken, in one read (one hop to a read
        connection's thread; an `urgent` one, a press's, waits behind no ordinary read):
        the event its client message id already produced, if any (a resend is acknowledged
        again), and the conversation as it is (None: not, or no longer, a conversation)."""
        sent, conversation, _ = await self.arrival_then(
            conversation_id, client_msg_id, _nothing_more, urgent
        )
        return sent, conversation

    async def arrival_then(
        self,
        conversation_id: str,
        client_msg_id: str,
        then: Callable[[Connection, Conversation], Awaitable[Later]],
        urgent: bool = False,
    ) -> tuple[Event | None, Conversation | None, Later | None]:
        """`arrival`, and `then(conn, conversation)` for a new message to a conversation
        that exists, in the same read: on the embedded database, on the read connection's
        thread, so a press reads and decides in one hop, and a message reads what its
        inspection needs in the same hop. Elsewhere `then` runs where the read's
        coroutine does, the event loop: give it only what may run there."""

        async def read(conn: Connection) -> tuple[Event | None, Conversation | None, Later | None]:
            sent = await ConversationLog.find_client_message(conn, conversation_id, client_msg_id)
            row = await (await conn.execute(GET, id=conversation_id)).fetchone()
            conversation = _conversation(row) if row else None
            if sent is not None or conversation is None:
                return sent, conversation, None
            return sent, conversation, await then(conn, conversation)

        return await self.db.read(read, urgent)

    async def turn_message(self, conversation_id: str, seq: int) -> TurnMessage:
        """What a bot turn starts from, in one read (one hop to a read connection's thread
        on the embedded database): the conversation as it is, its event `seq`, the message
        the turn answers, and what the customer sent after it, which waits behind it
        (None, None, []: not, or no longer, a conversation)."""

        async def read(conn: Connection) -> TurnMessage:
            row = await (await conn.execute(GET, id=conversation_id)).fetchone()
            if row is None:
                return TurnMessage(None, None, [])
            cursor = await conn.execute(EVENT_AT, conversation_id=conversation_id, seq=seq)
            event = await cursor.fetchone()
            cursor = await conn.execute(SENT_FROM, conversation_id=conversation_id, seq=seq + 1)
            later = [data for _, data in _customers(await cursor.fetchall())]
            return TurnMessage(_conversation(row), _event(event) if event else None, later)

        return await self.db.read(read)

    @staticmethod
    async def find_client_message(
        conn: Connection, conversation_id: str, client_msg_id: str
    ) -> Event | None:
        cursor = await conn.execute(
            FIND_CLIENT_MESSAGE, conversation_id=conversation_id, client_msg_id=client_msg_id
        )
        row = await cursor.fetchone()
        return _event(row) if row else None

    @staticmethod
    async def append(
        conn: Connection,
        conversation_id: str,
        type_: str,
        data: dict[str, Any],
        client_msg_id: str | None = None,
    ) -> Event:
        if client_msg_id is not None:
            existing = await ConversationLog.find_client_message(
                conn, conversation_id, client_msg_id
            )
            if existing is not None:
                raise DuplicateMessage(existing)
        cursor = await conn.execute(NEXT_SEQ, id=conversation_id)
        row = await cursor.fetchone()
        if row is None:
            raise ConversationMissing(conversation_id)
        event = Event(seq=row[0], type=type_, conversation_id=conversation_id, ts=_now(), data=data)
        await conn.execute(
            APPEND,
            conversation_id=conversation_id,
            seq=event.seq,
            type=type_,
            ts=event.ts.isoformat(),
            client_msg_id=client_msg_id,
            data=json.dumps(data, ensure_ascii=False),
        )
        return event

    @staticmethod
    async def set_mode(
        conn: Connection, conversation_id: str, mode: Mode, agent_id: str | None
    ) -> None:
        await conn.execute(SET_MODE, mode=mode, agent_id=agent_id, id=conversation_id)

    @staticmethod
    async def mark_pending(conn: Connection, conversation_id: str, seq: int) -> None:
        """A customer message `seq` is stored, its turn to run: it becomes the pending mark
        unless an older message holds it, unanswered (its turn running or waiting). The
        mark is the oldest message without its answer; the ones after it are unanswered
        too, so a restart or a resume answers the mark's message and each later one."""
        await conn.execute(MARK_PENDING, seq=seq, id=conversation_id)

    @staticmethod
    async def answered(conn: Connection, conversation_id: str, seq: int) -> None:
        """The marked message `seq` has its answer (or its apology) in this transaction:
        the mark passes to the next customer message, stored while its turn ran and
        waiting for its own turn, or is cleared when there is none."""
        cursor = await conn.execute(SENT_FROM, conversation_id=conversation_id, seq=seq + 1)
        later = [after for after, _ in _customers(await cursor.fetchall())]
        await conn.execute(SET_PENDING, seq=later[0] if later else None, id=conversation_id)

    @staticmethod
    async def events_in(conn: Connection, conversation_id: str) -> list[Event]:
        cursor = await conn.execute(EVENTS, conversation_id=conversation_id)
        return [_event(row) for row in await cursor.fetchall()]

    async def events_after(
        self, conversation_id: str, seq: int, for_customer: bool = False
    ) -> list[Event]:
        """The log after `seq`; a customer's copy leaves out agent-only events (notes)."""
        rows = await self.db.fetch_all(EVENTS_AFTER, conversation_id=conversation_id, seq=seq)
        events = [_event(row) for row in rows]
        return _customers_copy(events) if for_customer else events

    async def customer_history(self, conversation_id: str, seq: int) -> tuple[list[Event], int]:
        """What a customer's socket is welcomed with, in one read: the customer's copy of
        the log after `seq` (`events_after`) and the highest seq a customer can receive
        (agent-only events do not count)."""

        async def read(conn: Connection) -> tuple[list[Event], int]:
            cursor = await conn.execute(EVENTS_AFTER, conversation_id=conversation_id, seq=seq)
            events = [_event(row) for row in await cursor.fetchall()]
            cursor = await conn.execute(LAST_CUSTOMER_SEQ, conversation_id=conversation_id)
            last = await cursor.fetchone()
            return _customers_copy(events), int(last["seq"]) if last and last["seq"] else 0

        return await self.db.read(read)

    async def pending_turns(self) -> list[tuple[str, int]]:
        """Customer messages stored but not yet answered, e.g. after a crash: in each
        conversation the marked message and every customer message after it, in order."""
        # The marks first (an index of the few marked conversations), then each one's
        # messages by key: one join read the whole events table at every start on SQLite.
        marks = await self.db.fetch_all(PENDING_MARKS)
        return [
            (mark["id"], seq)
            for mark in marks
            for seq in await self.unanswered(mark["id"], mark["pending_seq"])
        ]

    async def unanswered(self, conversation_id: str, marked: int) -> list[int]:
        """The conversation's customer messages still without their answer, in order: the
        `marked` one (its pending mark) and every one after it."""
        rows = await self.db.fetch_all(SENT_FROM, conversation_id=conversation_id, seq=marked)
        return [seq for seq, _ in _customers(rows)]

    async def conversations_with_agent(self, agent_id: str) -> list[Conversation]:
        rows = await self.db.fetch_all(WITH_AGENT, agent_id=agent_id)
        return [_conversation(row) for row in rows]

    async def agents_with_chats(self) -> list[str]:
        """Every agent who holds a conversation now (connected or not)."""
        return [row["agent_id"] for row in await self.db.fetch_all(AGENTS_WITH_CHATS)]

    async def chats_per_agent(self) -> dict[str, int]:
        """How many conversations each agent holds now."""
        rows = await self.db.fetch_all(CHATS_PER_AGENT)
        return {row["agent_id"]: int(row["n"]) for row in rows}

    @staticmethod
    async def chats_of_agent(conn: Connection, agent_id: str) -> int:
        """How many conversations the agent holds, read inside the caller's transaction."""
        cursor = await conn.execute(CHATS_OF_AGENT, agent_id=agent_id)
        row = await cursor.fetchone()
        return int(row["n"]) if row is not None else 0

    async def ids_in_order(self) -> list[str]:
        """Every conversation's id, oldest first."""
        return [str(row["id"]) for row in await self.db.fetch_all(IDS_IN_ORDER)]

    async def count_by_mode(self, since: datetime) -> dict[Mode, int]:
        """Conversations started since a moment, plus any still waiting or with an agent
        (however old), by their current mode: the day's work and everything still open."""
        rows = await self.db.fetch_all(COUNT_BY_MODE, since=since.astimezone(UTC).isoformat())
        counts: dict[Mode, int] = {"bot": 0, "queued": 0, "human": 0, "resolved": 0}
        for row in rows:
            counts[row["mode"]] = row["n"]
        return counts
