"""The customers' commands on a conversation (start, resume, message, contact, rating)
and the turn that answers a message: the conversation service.

A customer's message is inspected (cleaned, redacted, read for a request for a person)
where the compute runs: in a worker process when there are workers (`TurnPool.inspect`,
in a line of its own ahead of bot turns), in a thread here when there are none. When no
worker can start the inspection within the turn's start deadline, the message is refused
with the `busy` error (`Overloaded`) and nothing is stored: the client keeps it and sends
it again, so the agent sees every word a customer sent and none goes unredacted to storage.

A message that asks for a person in the bot's mode ("Talk to a person", or words the
request rules read at the edge) is handed over in its own transaction, without waiting
for a compute worker (`edge`); the graph runs that turn afterwards to complete the packet.

Every change is one database transaction that appends events and moves the mode,
and only after it commits are the events published. A customer message is
redacted, stored and acknowledged before the graph runs, and marked pending until
its answer is stored, so a crash at any point loses nothing: on start-up pending
turns are run again, and the checkpointed graph recognises a turn it already
finished. A handoff or a new place in line is told to everyone by broadcasting.
"""

import asyncio
import collections
import contextlib
import hashlib
import hmac
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from warmline.agent.decision import EscalationDecision
from warmline.agent.graph import ConversationGraph
from warmline.agent.llm import LlmFailure
from warmline.agent.state import AgentState, Message, Outcome, TurnInput
from warmline.clock import Clock, Ticks, monotonic, utc_now
from warmline.conversation.assignment import Assignment
from warmline.conversation.broadcasting import Broadcaster
from warmline.conversation.edge import ASK_FOR_PERSON, EdgeHandoff, decide_at_edge, press_decision
from warmline.conversation.errors import NotAllowed, Overloaded, UnknownConversation, existing
from warmline.conversation.in_flight import InFlight
from warmline.conversation.lifecycle import change_mode
from warmline.conversation.protocol import (
    CustomerProfileData,
    QueuePositionData,
    ServerFrame,
    control,
)
from warmline.conversation.settings import ConversationSettings
from warmline.conversation.telemetry import ERRORS, ESCALATIONS, TURN_SECONDS
from warmline.conversation.unit_of_work import Change, UnitOfWork
from warmline.conversation.waiting_words import waiting_words
from warmline.coordination.bus import AGENTS
from warmline.coordination.shared import Coordination
from warmline.guardrails.guard import Guard
from warmline.guardrails.inspection import Inspection, inspect_message
from warmline.guardrails.limits import InputRejected
from warmline.guardrails.placeholder_store import PlaceholderStore
from warmline.guardrails.redaction import PlaceholderEntry, Redaction, Redactor
from warmline.guardrails.vault import PiiVault
from warmline.handoff.packet import HandoffPacket, Summary
from warmline.handoff.queue import HandoffQueue, QueueEntry
from warmline.handoff.summary import build_packet, transcript_from
from warmline.storage.conversations import (
    Conversation,
    ConversationLog,
    ConversationMissing,
    Event,
)
from warmline.storage.database import Database, Unavailable
from warmline.storage.tickets import open_ticket
from warmline.texts import TextKey, say, weekday
from warmline.workers.pool import Busy, EarlyEncoding, Standing, TurnPool, Urgency, WorkerLost

log = logging.getLogger("warmline.service")

CONTACT_KINDS = ("EMAIL", "PHONE")
# In English, for the terminal chat that recognises it.
TURN_FAILED = say("turn_failed", "en")


def _first_or_not(conversation: Conversation) -> Urgency:
    """A conversation's first message goes ahead of the rest in the workers' lines."""
    return Urgency.FIRST if conversation.last_seq == 0 else Urgency.TURN


def _urgency(turn: TurnInput, later: list[dict[str, Any]]) -> Urgency:
    """A press of "Talk to a person" and a conversation's first message (a new conversation
    logs nothing before it) go ahead of the rest in the workers' line. So does the turn of
    a message that a handoff's turn waits behind (`later`: the customer messages after it,
    one a press or handed over at the edge): messages are answered in order, so that turn
    is the handoff's first step, and a handoff never waits in the bot turns' line. (A
    handoff stored after the turn read `later` raises it in the line: `_HandoffWatch`.)"""
    if turn.force_human or any(_for_a_person(data) for data in later):
        return Urgency.HANDOFF
    return Urgency.FIRST if turn.seq == 1 else Urgency.TURN


@contextlib.contextmanager
def _counted_unless_left_pending(failure: str | None) -> Iterator[None]:
    """Count a turn's `failure` (None: it did not fail) as an error of that code whatever
    becomes of the block, the write that ends the turn (stored, skipped, the conversation
    gone, an unexpected error), except when the database refuses that write: the turn
    stays pending, to run again, and `_guarded_turn` counts it as a turn left pending
    (`unavailable`) instead: one failure, one count, in the one series an operator reads
    for it (`warmline_errors_total`), and the run that ends the turn counts its own. The
    shutdown does not cut the write short (`ConversationService._ending_write`), so what
    it counts is what became of the write."""
    counted = failure is not None
    try:
        yield
    except Unavailable:
        counted = False
        raise
    finally:
        if counted:
            ERRORS.labels(code=failure).inc()


def _for_a_person(data: dict[str, Any]) -> bool:
    """A logged customer message whose turn is a handoff's: a press of "Talk to a person",
    or a request handed over at the edge (its turn completes the packet)."""
    return bool(data.get("force_human") or data.get("handed_over"))


class Retries(NamedTuple):
    """How a turn left pending by an unexpected error (not a refused write: the database
    is down, and the customer's next message or resume runs it) is tried again while the
    server runs: after `first_s`, doubling up to `most_s` between tries, `tries` runs in
    all, counting the one that failed first and any run of it behind a later message.
    Then it is given up: the customer is told, and the messages behind it are answered."""

    first_s: float = 2.0
    most_s: float = 30.0
    tries: int = 5

    def pause_s(self, failed: int) -> float:
        """The pause before the next run, after `failed` runs that failed."""
        return min(self.most_s, self.first_s * 2.0 ** (failed - 1))


RETRIES = Retries()


class _HandoffNotEnded(Exception):
    """The write that ends a handoff's turn failed with an unexpected error: the turn
    stays pending, with no apology (the customer waits for a person, not for us)."""


@dataclass
class _Stuck:
    """A conversation's pending turn that failed `failed` times in a row with an
    unexpected error, here, and the retry waiting to run it, if any."""

    seq: int
    failed: int = 0
    retry: "asyncio.Task[None] | None" = None


class _HandoffWatch:
    """Watches a conversation's frames while its turn here waits for a worker (or runs),
    no listener for whom frames are built (`EventBus.observe`): a customer message whose
    turn is a handoff's (`_for_a_person`), stored after the turn read the log, is one
    that waits behind this turn (messages are answered in order), so this turn is that
    handoff's first step and moves to a handoff's place. Stored by this process, the
    message is delivered here as its transaction commits; stored by another gateway (the
    customer reconnected there, PostgreSQL and Redis), as this process reads it from the
    bus's stream, milliseconds later, while the turn still waits behind the lock this one
    holds. Only a message after the turn's (`seq`) waits behind it: a frame of an older
    press, reaching here late from another gateway or twice (a bus write retried), is no
    reason to move a bot turn past the line's limit and its start deadline."""

    def __init__(self, standing: Standing, seq: int) -> None:
        self.standing = standing
        self.seq = seq

    def put_nowait(self, frame: ServerFrame) -> None:
        data = frame.data
        if (
            frame.type == "message"
            and frame.seq is not None
            and frame.seq > self.seq
            and data.get("role") == "customer"
            and _for_a_person(data)
        ):
            self.standing.raise_to(Urgency.HANDOFF)


Result = TypeVar("Result")


class _Stored(NamedTuple):
    """What a message's transaction did: the event (the one stored before, if `resent`)
    and the handoff queued with it, if any."""

    message: Event
    resent: bool
    handoff: tuple[EscalationDecision, QueueEntry] | None = None


class _Arrival(NamedTuple):
    """What a stored message's turn takes from its arrival: when it came (the start
    deadline counts from it) and its query encoding if one was made beside its
    inspection and nothing in it was masked (`TurnPool.inspect_and_encode`)."""

    received: float | None
    early: EarlyEncoding | None = None


async def _once_more_if_lost(
    attempt: Callable[[float | None], Awaitable[Result]],
    received: float | None,
    what: str,
    conversation_id: str,
) -> Result:
    """`attempt(received)` on a worker; if that worker dies (killed, out of memory) it runs
    once more, on another worker or the dead one's replacement, with a start deadline from
    now. A second `WorkerLost` reaches the caller, so a job that kills workers kills two at
    most."""
    try:
        return await attempt(received)
    except WorkerLost:
        log.warning("worker lost mid-%s", what, extra={"conversation_id": conversation_id})
        return await attempt(None)


def _contacts(redaction: Redaction) -> list[str]:
    """The placeholders of the e-mails and phones a redaction found, in order."""
    return [
        f.placeholder
        for f in redaction.findings
        if f.placeholder.strip("<>").rsplit("_", 1)[0] in CONTACT_KINDS
    ]


def _same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison of what a client sent, as bytes: `compare_digest` refuses
    non-ASCII text with a TypeError, and a token with any characters is simply wrong."""
    sent = (given or "").encode("utf-8", "surrogatepass")
    return hmac.compare_digest(sent, expected.encode())


Summarizer = Callable[[HandoffPacket], Awaitable[Summary]]


class ConversationService:
    def __init__(
        self,
        settings: ConversationSettings,
        db: Database,
        graph: ConversationGraph,
        redactor: Redactor,
        vault: PiiVault,
        secret: bytes,
        shared: Coordination[ServerFrame],
        summarize: Summarizer | None = None,
        clock: Clock = utc_now,
        runner: TurnPool | None = None,
        ticks: Ticks = monotonic,
        retries: Retries = RETRIES,
        pause: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`runner` runs bot turns (a pool of worker processes); None runs them on `graph`,
        which also reads the memory a handoff at the edge decides on. `ticks` times how
        fast messages are answered (`in_flight`). A turn left pending by an unexpected
        error is run again by `retries`, waiting with `pause` (a test's returns at once)."""
        self.settings = settings
        self.clock = clock
        self.summarize = summarize
        self.db = db
        self.log = ConversationLog(db)
        self.queue = HandoffQueue(db, clock)
        self.placeholders = PlaceholderStore(db)
        self.graph = graph
        self.runner = runner
        self.guard = Guard(redactor, settings.limits.max_message_chars)
        self.vault = vault
        self.bus = shared.bus
        self.presence = shared.presence
        self.turns = shared.turns
        self.flood = shared.flood
        self.work = UnitOfWork(db, self.publish)
        self._secret = secret
        self._tasks: set[asyncio.Task[None]] = set()
        # Writes that end a turn, in tasks of their own: the shutdown cuts turns short,
        # never these (`_ending_write`).
        self._endings: set[asyncio.Task[None]] = set()
        self._arrivals: dict[tuple[str, int], _Arrival] = {}
        # Turns this process runs or has waiting, by (conversation, seq), so that a resume
        # does not start a second run of one (which would only wait for the lock to find
        # the message answered).
        self._running: collections.Counter[tuple[str, int]] = collections.Counter()
        self.in_flight = InFlight(ticks)
        self.retries = retries
        self.pause = pause
        self._stuck: dict[str, _Stuck] = {}
        self._stopping = False
        self.assignment = Assignment(
            settings.agents, self.log, self.queue, self.work, shared.presence
        )
        self.broadcast = Broadcaster(settings, self.log, self.queue, self.assignment, shared, clock)

    # -- conversations ---------------------------------------------------------

    def token_for(self, conversation_id: str) -> str:
        return hmac.new(self._secret, conversation_id.encode(), hashlib.sha256).hexdigest()[:32]

    async def start(
        self, profile: CustomerProfileData | None = None, signature: str | None = None
    ) -> Conversation:
        """A new conversation; a profile's segment counts only if the host site signed it."""
        profile = profile or CustomerProfileData()
        secret = self.settings.identity_secret
        signed = secret is not None and _same_secret(
            signature,
            hmac.new(
                secret.get_secret_value().encode(), profile.signed_text().encode(), hashlib.sha256
            ).hexdigest(),
        )
        conversation = await self.log.create(
            profile.language, profile.segment if signed else "standard"
        )
        log.info("conversation started", extra={"conversation_id": conversation.id})
        return conversation

    async def resume(self, conversation_id: str, token: str | None) -> Conversation:
        """Continue a conversation; each unanswered message (the pending one and every
        customer message after it) is answered here, in order, if it still waits and no
        turn of this process is on it already (its worker may be gone; the turn lock keeps
        one answer running at a time)."""
        conversation = await self.log.get(conversation_id)
        if conversation is None or not _same_secret(token, self.token_for(conversation_id)):
            raise UnknownConversation(conversation_id)
        await self._run_unanswered(conversation)
        return conversation

    async def _run_unanswered(self, conversation: Conversation) -> None:
        """A turn for each of the conversation's unanswered messages that no turn of this
        process is on already, in order."""
        pending = conversation.pending_seq
        if pending is not None:
            for seq in await self.log.unanswered(conversation.id, pending):
                if not self._running[(conversation.id, seq)]:
                    self._spawn_turn(conversation.id, seq)

    async def get(self, conversation_id: str) -> Conversation:
        return await existing(self.log, conversation_id)

    # -- customer side ---------------------------------------------------------

    async def customer_message(
        self, conversation_id: str, text: str, client_msg_id: str, force_human: bool = False
    ) -> tuple[Event, bool]:
        """Store a customer message once; returns the event and whether it was a resend."""
        return await self._counted(
            self._customer_message(conversation_id, text, client_msg_id, force_human)
        )

    async def _counted(self, taking: Awaitable[tuple[Event, bool]]) -> tuple[Event, bool]:
        """A message is in flight from its arrival until its turn ends (`run_turn`), or
        until it is refused or found to be a resend."""
        self.in_flight.arrived()
        try:
            event, duplicate = await taking
        except BaseException:
            self.in_flight.left()
            raise
        if duplicate:
            self.in_flight.left()
        return event, duplicate

    async def _customer_message(
        self, conversation_id: str, text: str, client_msg_id: str, force_human: bool
    ) -> tuple[Event, bool]:
        received = asyncio.get_running_loop().time()
        # The placeholders its inspection numbers from, read with the conversation.
        sent, found, entries = await self.log.arrival_then(
            conversation_id,
            client_msg_id,
            lambda conn, conversation: PlaceholderStore.load_in(conn, conversation.id),
        )
        conversation = await self._admitted(conversation_id, client_msg_id, sent, found)
        if isinstance(conversation, Event):
            return conversation, True
        try:
            inspection, early = await self._inspect(conversation, text, entries or [], received)
        except Busy as busy:
            log.warning("message not inspected in time", extra={"conversation_id": conversation_id})
            raise Overloaded() from busy
        except WorkerLost as lost:
            # A second worker died reading it: refused as text that cannot be processed, so
            # a message that kills workers is not sent again and again.
            raise InputRejected(
                "unprocessable", "This message could not be processed; please rephrase it."
            ) from lost
        redaction = inspection.verdict.redaction
        if redaction is None:
            verdict = inspection.verdict
            raise InputRejected(verdict.code or "rejected", verdict.message or "Refused.")
        edge = None
        if force_human or inspection.asks:
            edge = await decide_at_edge(self.graph, conversation, redaction.text, force_human)
        # An encoding of words redaction changed is dropped here: the turn reads the
        # stored words and encodes them itself.
        arrival = _Arrival(received, None if redaction.findings else early)
        return await self._store(conversation, redaction, client_msg_id, force_human, arrival, edge)

    async def request_human(self, conversation_id: str, client_msg_id: str) -> tuple[Event, bool]:
        """ "Talk to a person": stored in the server's own words (nothing to redact) and, in
        the bot's mode, handed over at once."""
        return await self._counted(self._request_human(conversation_id, client_msg_id))

    async def _request_human(self, conversation_id: str, client_msg_id: str) -> tuple[Event, bool]:
        received = asyncio.get_running_loop().time()
        # Reads on a connection no ordinary read holds. Where the read's block runs on the
        # connection's thread, the edge decides in the same call, unless the flood check
        # is about to refuse the press (a burst of presses must not each cost a decision).
        decide = press_decision(self.graph) if self.db.reads_on_thread else None
        if decide is not None and not await self.flood.full(conversation_id):
            arrived = await self.log.arrival_then(conversation_id, client_msg_id, decide, True)
            sent, found, edge = arrived
            conversation = await self._admitted(conversation_id, client_msg_id, sent, found)
            if isinstance(conversation, Event):
                return conversation, True
        else:
            conversation = await self._arrived(conversation_id, client_msg_id, urgent=True)
            if isinstance(conversation, Event):
                return conversation, True
            edge = await decide_at_edge(self.graph, conversation, ASK_FOR_PERSON, True)
        words = Redaction(text=ASK_FOR_PERSON, findings=[], new_entries=[], vault_items=[])
        arrival = _Arrival(received)
        return await self._store(conversation, words, client_msg_id, True, arrival, edge)

    async def _arrived(
        self, conversation_id: str, client_msg_id: str, urgent: bool = False
    ) -> Conversation | Event:
        """The conversation a new message arrives in, or the event it already produced (a
        resend): one read, which a press (`urgent`) makes on a connection no ordinary read
        holds."""
        sent, conversation = await self.log.arrival(conversation_id, client_msg_id, urgent)
        return await self._admitted(conversation_id, client_msg_id, sent, conversation)

    async def _admitted(
        self,
        conversation_id: str,
        client_msg_id: str,
        sent: Event | None,
        conversation: Conversation | None,
    ) -> Conversation | Event:
        """A resend's event (acknowledged again even past the flood window), or the
        conversation a new message may enter once the flood check lets it."""
        if sent is not None:
            return sent
        await self._check_flood(conversation_id, client_msg_id)
        if conversation is None:
            raise UnknownConversation(conversation_id)
        return conversation

    async def _store(
        self,
        conversation: Conversation,
        redaction: Redaction,
        client_msg_id: str,
        force_human: bool,
        arrival: _Arrival,
        edge: EdgeHandoff | None,
    ) -> tuple[Event, bool]:
        """Append the message and mark it pending (unless an older message is); a request
        for a person in the bot's mode (pressed, or asked in words) that the `edge` decided
        to hand over is queued in the same transaction (the packet is completed by the turn
        after). The turn's start deadline counts from the `arrival`'s moment, and it gets the
        encoding made beside the inspection, if any. `conversation` is as read when the
        message arrived; the transaction reads it again."""
        conversation_id = conversation.id
        available = self.presence.anyone_available()  # read here, not on the writer's thread

        async def write(change: Change) -> _Stored:
            """The transaction, run whole on the writer's thread where the engine allows."""
            conn = change.conn
            existing = await self.log.find_client_message(conn, conversation_id, client_msg_id)
            if existing is not None:
                return _Stored(existing, True)
            current = await self.log.get_in(conn, conversation_id)
            handing = edge if current.mode in ("bot", "resolved") else None
            if current.mode == "resolved":
                change.record(await change_mode(conn, conversation_id, "bot"))
            kept = await self.keep_originals(conn, conversation_id, redaction)
            data = {
                "role": "customer",
                "text": kept.text,
                "client_msg_id": client_msg_id,
                "force_human": force_human,
                "redacted": [f.placeholder for f in kept.findings],
            }
            if current.mode == "human":
                data["to_person"] = True
            if handing is not None:  # None: taken over (or queued) since the edge read it
                data["handed_over"] = True
            message = await self.log.append(
                conn, conversation_id, "message", data, client_msg_id=client_msg_id
            )
            change.record(message)
            await self.log.mark_pending(conn, conversation_id, message.seq)
            if handing is None:
                return _Stored(message, False)
            events, queued = await self._hand_over(
                conn, conversation_id, message.seq, handing, available
            )
            change.record(*events)
            return _Stored(message, False, (handing.decision, queued))

        # A handoff's transaction takes the writer before bot turns' writes waiting for it.
        stored = await self.work.apply(write, urgent=edge is not None)
        message = stored.message
        if stored.resent:
            return message, True
        log.info(
            "customer message stored",
            extra={
                "conversation_id": conversation_id,
                "seq": message.seq,
                "pii_found": len(redaction.findings),
            },
        )
        if stored.handoff is not None:
            await self._escalated(conversation_id, message.seq, *stored.handoff)
        self._arrivals[(conversation_id, message.seq)] = arrival
        self._spawn_turn(conversation_id, message.seq)
        return message, False

    async def _hand_over(
        self, conn: Any, conversation_id: str, seq: int, edge: EdgeHandoff, available: bool
    ) -> tuple[list[Event], QueueEntry]:
        """Queue the handoff the edge decided, with the same words the graph's would have."""
        language = edge.decision.language
        outcome = Outcome(
            for_seq=seq,
            kind="escalate",
            text=say("holding", language),
            decision=edge.decision.model_dump(mode="json"),
        )
        logged = await self.log.events_in(conn, conversation_id)
        unseen: list[Message] = [
            {"role": "customer", "text": e.data["text"], "seq": e.seq}
            for e in logged
            if e.type == "message" and e.data.get("role") == "customer" and edge.seen < e.seq < seq
        ]
        state = edge.with_unseen(unseen)
        return await self._escalate(
            conn, conversation_id, state, edge.decision, outcome, available, logged
        )

    async def _escalated(
        self, conversation_id: str, seq: int, decision: EscalationDecision, entry: QueueEntry
    ) -> None:
        """Tell the agents of a committed handoff (its queue entry as the transaction wrote
        it, so nothing is read first) and auto-assign it; count and log it."""
        await self.broadcast.queue_changed(conversation_id, entry)
        for code in dict.fromkeys(r.code for r in decision.reasons):
            ESCALATIONS.labels(reason=code).inc()
        log.info("escalated", extra={"conversation_id": conversation_id, "seq": seq})

    async def _stored(self, conversation_id: str, client_msg_id: str) -> Event | None:
        """The event a client message id already produced: a resend is acknowledged again.
        One statement, so no snapshot around it (two round trips fewer to a reader)."""
        return await self.log.sent(conversation_id, client_msg_id)

    async def redact(self, conversation_id: str, text: str) -> Redaction:
        """The guard's verdict on text for this conversation other than a customer's
        message: an agent's reply or note, a contact, a rating's comment (same
        placeholders, same numbering, read in the conversation's language); refused text
        is never stored. Rare next to messages, and never to be refused as busy, so it is
        redacted here rather than in a worker."""
        entries = await self.placeholders.load(conversation_id)
        conversation = await self.log.get(conversation_id)
        language = conversation.language if conversation is not None else None
        inspection = await asyncio.to_thread(
            inspect_message, self.guard, text, entries, language, False
        )
        verdict = inspection.verdict
        if verdict.redaction is None:
            raise InputRejected(verdict.code or "rejected", verdict.message or "Refused.")
        return verdict.redaction

    async def _inspect(
        self,
        conversation: Conversation,
        text: str,
        entries: list[PlaceholderEntry],
        received: float,
    ) -> tuple[Inspection, EarlyEncoding | None]:
        """A customer message's inspection, in a worker when there are workers (`Busy` if
        none starts it within the turn's start deadline from `received`; run once more if
        its worker dies, `WorkerLost` if the second does too), and, for a message the bot
        may search (not one written to a person), its query encoding if an idle worker
        makes it meanwhile. `entries`: the conversation's placeholders, as it arrived."""
        language = conversation.language
        if self.runner is None:
            inspection = await asyncio.to_thread(
                inspect_message, self.guard, text, entries, language, True
            )
            return inspection, None
        runner, urgency = self.runner, _first_or_not(conversation)
        searched = conversation.mode != "human"

        async def inspect(since: float | None) -> tuple[Inspection, EarlyEncoding | None]:
            return await runner.inspect_and_encode(
                text, entries, language, True, urgency, since, encode=searched
            )

        return await _once_more_if_lost(inspect, received, "inspection", conversation.id)

    async def keep_originals(
        self, conn: Any, conversation_id: str, redaction: Redaction
    ) -> Redaction:
        """A redaction's new placeholders and its originals (in the vault), in the caller's
        transaction, so the stored text and what reveals it commit together; returns the
        redaction to store, renumbered if another message (another tab, another gateway)
        numbered a value since this one read the placeholders. The numbering is read again
        with the conversation locked (SQLite's single writer; its row `FOR UPDATE` on
        PostgreSQL, held to the commit: the lock a message's transaction takes first, so
        no other order of locks is added), so two values never share a placeholder and
        no original is lost. Most messages hide nothing new and do nothing here: each
        statement is a round trip to the writer's thread, which a handoff's transaction
        waits through."""
        if not redaction.new_entries:
            return redaction
        await self.log.get_in(conn, conversation_id)
        redaction = redaction.renumbered(await PlaceholderStore.load_in(conn, conversation_id))
        if redaction.new_entries:
            await self.placeholders.add(conn, conversation_id, redaction.new_entries)
            await self.vault.store(conn, conversation_id, redaction.vault_items)
        return redaction

    async def _check_flood(self, conversation_id: str, client_msg_id: str) -> None:
        """Refuse a burst of new messages (resends of stored ones are always answered, and a
        resend of one refused as busy counts once)."""
        limits = self.settings.limits
        if not await self.flood.admit(conversation_id, client_msg_id):
            raise InputRejected(
                "rate_limited",
                f"Too many messages: at most {limits.flood_messages} per "
                f"{limits.flood_window_s:g} seconds. Please wait a moment.",
            )

    def spawn(self, coroutine: Any) -> "asyncio.Task[None]":
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _spawn_turn(self, conversation_id: str, seq: int) -> None:
        """`run_turn` in a task of its own, counted in `_running` from now until it ends
        (or is cancelled before it starts)."""
        key = (conversation_id, seq)
        self._running[key] += 1
        self.spawn(self.run_turn(conversation_id, seq)).add_done_callback(lambda _: self._ran(key))

    def _ran(self, key: tuple[str, int]) -> None:
        self._running[key] -= 1
        if not self._running[key]:
            del self._running[key]

    async def drain(self, timeout_s: float | None = None) -> bool:
        """Wait for turns in flight (tests, shutdown); False if some still run at the timeout.

        They are never cancelled here: a turn cut short stays pending and is answered
        on resume or at the next start, and the lifespan's final drain waits for it.
        """
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        while self._tasks:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return False
            await asyncio.wait(list(self._tasks), timeout=left)
        return True

    async def stop_turns(self) -> None:
        """Cut short the turns still running (at shutdown, after a bounded `drain`): each
        stays pending in the log and is answered on resume or at the next start. A write
        that ends a turn is not cut short: it is waited for (`_ending_write`)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*self._endings, return_exceptions=True)

    async def recover_pending(self) -> None:
        """At start-up, a turn for every message left unanswered (a crash, a shutdown that
        cut turns short), each conversation's in the order they came."""
        for conversation_id, seq in await self.log.pending_turns():
            self._spawn_turn(conversation_id, seq)

    async def run_turn(self, conversation_id: str, seq: int) -> None:
        """Turns of one conversation run one at a time, on whichever worker runs them.

        The start deadline counts from when the message arrived (its arrival is kept until
        its turn starts; a turn run again after a restart counts from now): the time it
        took to redact, store and wait for the conversation's previous turn counts, so
        "busy" comes within `turn_start_s` of the message, not that long after.
        """
        arrival = self._arrivals.pop((conversation_id, seq), None)
        try:
            await self._held_turn(conversation_id, seq, arrival or _Arrival(None))
        finally:
            if arrival is not None:  # a message taken by this process, not one recovered
                self.in_flight.answered()

    async def _held_turn(self, conversation_id: str, seq: int, arrival: _Arrival) -> None:
        """The turn under its conversation's lock, after the turns of earlier messages still
        unanswered (the database refused an answer): the graph goes past a message older
        than one it has read, so messages are answered in the order they came. A message
        whose turn is left pending again stops the line there, for the next try."""
        async with self.turns.hold(conversation_id):
            tried: int | None = None
            while True:
                earlier = await self._guarded_turn(conversation_id, seq, arrival)
                if earlier is None or earlier == tried:
                    return
                tried = earlier
                await self._guarded_turn(conversation_id, earlier, _Arrival(None))

    async def _guarded_turn(self, conversation_id: str, seq: int, arrival: _Arrival) -> int | None:
        """`_run_turn`; every failure still answers the customer, unless the database
        refuses that answer's write too: then the message stays pending like any whose
        answer was refused, and the line behind it waits for the next try. A turn whose
        ending write (or apology) fails with an unexpected error stays pending too, and is
        tried again while the server runs, or given up (`_try_again_or_give_up`)."""
        started = time.monotonic()
        try:
            earlier = await self._answered_turn(conversation_id, seq, arrival)
        except (UnknownConversation, ConversationMissing):
            # Erased while the turn ran: there is nobody left to answer.
            log.info("conversation gone", extra={"conversation_id": conversation_id})
            self._stuck.pop(conversation_id, None)
        except Unavailable:
            # The database refused the answer's (or the apology's) write: the message stays
            # pending and is answered when the customer resumes, writes again or the
            # server next starts.
            ERRORS.labels(code="unavailable").inc()
            log.warning("turn left pending", extra={"conversation_id": conversation_id})
            # Failures in a row end here: the next run that fails unexpectedly gets its
            # tries anew, and a customer who never comes back leaves no count behind.
            self._stuck.pop(conversation_id, None)
        except Exception as exc:
            # Counted where it failed (`_complete_handoff`, the apology's `_ending_write`).
            handoff = isinstance(exc, _HandoffNotEnded)
            if not handoff:  # a handoff's end was logged where it failed
                log.exception(
                    "turn's apology not stored", extra={"conversation_id": conversation_id}
                )
            await self._try_again_or_give_up(conversation_id, seq, handoff)
        else:
            stuck = self._stuck.get(conversation_id)
            if stuck is not None and stuck.seq == seq:
                self._stuck.pop(conversation_id)
            return earlier
        finally:
            TURN_SECONDS.observe(time.monotonic() - started)
        return None

    async def _try_again_or_give_up(self, conversation_id: str, seq: int, handoff: bool) -> None:
        """The turn of message `seq` failed with an unexpected error and stays pending:
        run it again after a pause (`Retries`), or, after its last try, give it up. A
        given-up turn gets the customer's apology in a write of its own, which the
        shutdown does not cut short (`_ending_write`, counting nothing) and passes the
        mark on (their message and the handoff stay as stored), so the messages behind it
        are answered; it is logged and counted (`turn_given_up`)."""
        where = {"conversation_id": conversation_id, "seq": seq}
        if self._stopping:
            log.warning("turn left pending at shutdown", extra=where)
            return
        stuck = self._stuck.get(conversation_id)
        if stuck is None or stuck.seq != seq:
            stuck = self._stuck[conversation_id] = _Stuck(seq)
        stuck.failed += 1
        if stuck.failed < self.retries.tries:
            pause_s = self.retries.pause_s(stuck.failed)
            log.warning("turn left pending, tried again in %g s", pause_s, extra=where)
            if stuck.retry is None:
                stuck.retry = self.spawn(self._try_again(conversation_id, stuck, pause_s))
            return
        self._stuck.pop(conversation_id)
        if stuck.retry is not None:
            stuck.retry.cancel()
        log.error("turn given up after %d tries", stuck.failed, extra=where)
        ERRORS.labels(code="turn_given_up").inc()
        reason: TextKey = "handoff_unfinished" if handoff else "turn_failed"
        try:
            await self._ending_write(None, self._apologise(conversation_id, seq, reason))
        except Exception:
            # It stays pending, run again when the customer resumes or the server starts.
            log.exception("given-up turn's apology not stored", extra=where)

    async def _try_again(self, conversation_id: str, stuck: _Stuck, pause_s: float) -> None:
        """After `pause_s`, the conversation's unanswered messages run again, the stuck one
        first (unless it was answered meanwhile, here or by another gateway). It is the
        stuck turn's `retry` until it has started those turns: a failure meanwhile needs
        no retry of its own, and the shutdown (`stop_retrying`) drops it at any point."""
        try:
            await self.pause(pause_s)
            try:
                conversation = await self.log.get(conversation_id)
            except Unavailable:
                # The customer's next message, resume or the next start runs it.
                log.warning("turn not tried again", extra={"conversation_id": conversation_id})
                return
            if conversation is None or conversation.pending_seq != stuck.seq:
                if self._stuck.get(conversation_id) is stuck:
                    self._stuck.pop(conversation_id)
                return
            await self._run_unanswered(conversation)
        finally:
            stuck.retry = None

    def stop_retrying(self) -> None:
        """At shutdown: the turns waiting to be tried again, or failing from now on, stay
        pending, for the next start, rather than keep the drain waiting through pauses."""
        self._stopping = True
        for stuck in self._stuck.values():
            if stuck.retry is not None:
                stuck.retry.cancel()

    async def _answered_turn(self, conversation_id: str, seq: int, arrival: _Arrival) -> int | None:
        """`_run_turn`, with an apology for a turn that failed (a refused write and a
        conversation gone are the caller's to handle, as is a refused apology). The failure
        is counted here unless its apology is refused: that leaves the turn pending, to run
        again, and the caller counts it as that, so one failure counts once."""
        try:
            with self._lined_up(conversation_id, seq) as standing:
                return await self._run_turn(conversation_id, seq, arrival, standing)
        except (Unavailable, UnknownConversation, ConversationMissing, _HandoffNotEnded):
            raise
        except Busy:
            # No worker could start the turn in time: say so now, with the way to a person.
            await self._counted_apology(conversation_id, seq, "busy")
        except Exception:
            log.exception("turn failed", extra={"conversation_id": conversation_id, "seq": seq})
            await self._counted_apology(conversation_id, seq, "turn_failed")
        return None

    async def _counted_apology(self, conversation_id: str, seq: int, reason: TextKey) -> None:
        """`_apologise`, counting the failure as `reason` (`_ending_write`)."""
        await self._ending_write(reason, self._apologise(conversation_id, seq, reason))

    async def _ending_write(self, failure: str | None, write: Awaitable[object]) -> None:
        """The `write` that ends a turn (its apology, or a handoff turn's end), counting its
        `failure` by what becomes of the write (`_counted_unless_left_pending`). It runs
        in a task of its own that the shutdown does not cancel (`stop_turns` waits for it)
        when it cuts the turn short: a write cancelled midway may or may not have
        committed, so counting it then counted a failure twice when it had not (once
        now, again when the turn ran again) and once when it had. Run to its end, it is
        counted once: here when it commits, by the run that ends the turn when refused."""

        async def counted() -> None:
            with _counted_unless_left_pending(failure):
                await write

        ending = asyncio.create_task(counted())
        self._endings.add(ending)
        ending.add_done_callback(self._ended)
        await asyncio.shield(ending)

    def _ended(self, ending: "asyncio.Task[None]") -> None:
        """An ending write is done: its failure, if any, was counted, and reaches its turn
        unless the shutdown cut that short (then nobody else would read it)."""
        self._endings.discard(ending)
        if not ending.cancelled():
            ending.exception()

    async def _apologise(
        self, conversation_id: str, seq: int, reason: TextKey = "turn_failed"
    ) -> None:
        """A turn that failed still gets an answer: the customer is never left waiting.
        One transaction run whole where the engine allows, as an answer's is."""

        async def write(change: Change) -> None:
            current = await self.log.get_in(change.conn, conversation_id)
            if current.pending_seq != seq:
                return
            await self.log.answered(change.conn, conversation_id, seq)
            text = say(reason, current.language)
            data = {"role": "system", "kind": reason, "text": text}
            change.record(await self.log.append(change.conn, conversation_id, "message", data))

        await self.work.apply(write)

    @contextlib.contextmanager
    def _lined_up(self, conversation_id: str, seq: int) -> Iterator[Standing]:
        """The standing in the workers' line of the turn of message `seq`, for the length
        of the block, from before the turn reads the log: a handoff stored after it
        meanwhile, by this process or by another gateway the customer reached, raises it
        when its message reaches this process's bus (`_HandoffWatch`)."""
        standing = Standing(Urgency.TURN)
        with self.bus.observe(conversation_id, _HandoffWatch(standing, seq)):
            yield standing

    async def _run_turn(
        self, conversation_id: str, seq: int, arrival: _Arrival, standing: Standing
    ) -> int | None:
        """Answer message `seq` if it is still unanswered, waiting for a worker at
        `standing` (raised to the urgency the log gives it). Returns the pending message to
        answer first when that is an earlier one (its turn was left pending), else None."""
        conversation, message, later = await self.log.turn_message(conversation_id, seq)
        if conversation is None:
            raise UnknownConversation(conversation_id)
        pending = conversation.pending_seq
        if pending is None or pending > seq:  # answered already
            return None
        if pending < seq:
            return pending
        if message is None:  # the message went with the conversation's erasure meanwhile
            raise ConversationMissing(conversation_id)
        if message.data.get("handed_over"):
            await self._complete_handoff(conversation, message, arrival.early)
            return None
        turn = TurnInput(
            seq=seq,
            text=message.data["text"],
            # Written to a person: the bot stays silent even if the person handed the chat
            # back before this turn ran (it may wait behind a handoff's turn).
            mode="human" if message.data.get("to_person") else conversation.mode,
            force_human=bool(message.data.get("force_human")),
            language=conversation.language,
            segment=conversation.segment,
        )
        if turn.mode == "bot":
            self.bus.publish(conversation_id, control("typing", conversation_id, who="bot"))
        standing.raise_to(_urgency(turn, later))
        state = await self._run_graph(conversation_id, turn, standing, arrival, turn.force_human)
        outcome = Outcome.model_validate(state["outcome"])
        place = await self.broadcast.place(conversation_id) if turn.mode == "queued" else None
        available = self.presence.anyone_available()  # read here, not on the writer's thread

        async def write(change: Change) -> tuple[EscalationDecision, QueueEntry] | None:
            """The answer's transaction, run whole on the writer's thread where the engine
            allows: the shorter a bot turn holds the writer, the less a handoff waits.

            Fenced on the pending mark, read under the conversation's row lock in this
            transaction (`get_in`): scaled out, the turn lock is Redis's alone and lapses
            when a turn outlives it (a Redis hang, a long pause, a slow model), so a
            second run of the same message can reach this write too. Only the run that
            still finds its message marked stores an answer; the other's is dropped, so
            the customer gets one."""
            conn = change.conn
            current = await self.log.get_in(conn, conversation_id)
            if current.pending_seq != seq:
                log.info(
                    "answer dropped: its message was answered meanwhile",
                    extra={"conversation_id": conversation_id, "seq": seq},
                )
                return None
            await self.log.answered(conn, conversation_id, seq)
            if outcome.for_seq != seq or current.mode != turn.mode:
                return None
            events, escalation = await self._answer(
                conn, conversation_id, outcome, state, place, available
            )
            change.record(*events)
            return escalation

        escalation = await self.work.apply(write)
        if escalation is not None:
            await self._escalated(conversation_id, seq, *escalation)
            if self.summarize is not None:
                self.spawn(self._rewrite_summary(conversation_id, self.summarize))
        return None

    async def _complete_handoff(
        self, conversation: Conversation, message: Event, early: EarlyEncoding | None
    ) -> None:
        """The turn of a handoff made at the edge: the graph records it in the conversation's
        memory (as the bot's turn it was), and its state completes the queued packet.

        The customer and the agents already have the handoff, so a failure here is logged
        and leaves the packet the edge wrote, counted as `packet_incomplete` once the turn
        ends; only a refused write keeps the turn pending (counted as that instead). An
        unexpected error in the write that ends the turn leaves it pending too, logged and
        counted once (as `turn_failed` if nothing failed before it), with no apology (the
        customer waits for a person, not for us), and raises `_HandoffNotEnded`: the turn
        is tried again while the server runs, and told to the customer only if it is given
        up (`_try_again_or_give_up`).
        """
        conversation_id, seq = conversation.id, message.seq
        turn = TurnInput(
            seq=seq,
            text=message.data["text"],
            mode="bot",
            force_human=bool(message.data.get("force_human")),
            language=conversation.language,
            segment=conversation.segment,
        )
        failure: str | None = None
        try:
            # Its start deadline counts from now: the customer already has the handoff.
            arrival = _Arrival(None, early)
            handoff = Standing(Urgency.HANDOFF)
            state = await self._run_graph(conversation_id, turn, handoff, arrival, True)
            await self._complete_packet(conversation_id, seq, state)
        except (Unavailable, UnknownConversation, ConversationMissing):
            raise
        except Exception:
            failure = "packet_incomplete"
            log.exception(
                "handoff packet not completed", extra={"conversation_id": conversation_id}
            )

        async def answered(change: Change) -> None:
            if (await self.log.get_in(change.conn, conversation_id)).pending_seq == seq:
                await self.log.answered(change.conn, conversation_id, seq)

        try:
            await self._ending_write(failure, self.work.apply(answered))
        except (Unavailable, UnknownConversation, ConversationMissing):
            raise
        except Exception as exc:
            if failure is None:
                ERRORS.labels(code="turn_failed").inc()
            log.exception("handoff turn not ended", extra={"conversation_id": conversation_id})
            raise _HandoffNotEnded() from exc
        if self.summarize is not None:
            self.spawn(self._rewrite_summary(conversation_id, self.summarize))

    async def _complete_packet(self, conversation_id: str, seq: int, state: AgentState) -> None:
        """Rebuild the open handoff's packet from the graph's state, if that handoff is this
        turn's (its transcript ends with the message) and the graph handed over too."""
        outcome = Outcome.model_validate(state["outcome"])
        entry = await self.queue.entry(conversation_id)
        if outcome.kind != "escalate" or outcome.for_seq != seq or entry is None:
            return
        queued = entry.packet
        if not queued.transcript or queued.transcript[-1].seq != seq:
            return
        packet = build_packet(
            conversation_id,
            state,
            EscalationDecision.model_validate(outcome.decision),
            queued.transcript,
            self.settings.policy.queue.sla_minutes,
            queued.customer.previous_agent,
            self.settings.products,
            now=queued.created_at,
            company=self.settings.company_name,
        )
        await self.queue.replace_packet(entry.id, packet)
        self.broadcast.announce()

    async def _rewrite_summary(self, conversation_id: str, summarize: Summarizer) -> None:
        """The handoff went out with the extractive summary; the LLM's follows if it is good."""
        entry = await self.queue.entry(conversation_id)
        if entry is None:
            return
        try:
            summary = await summarize(entry.packet)
        except LlmFailure:
            log.warning("llm summary not used", extra={"conversation_id": conversation_id})
            return
        await self.queue.replace_packet(
            entry.id, entry.packet.model_copy(update={"summary": summary})
        )
        self.broadcast.announce()

    async def _run_graph(
        self,
        conversation_id: str,
        turn: TurnInput,
        urgency: Standing,
        arrival: _Arrival,
        here_if_busy: bool = False,
    ) -> AgentState:
        """Run the turn, streaming the answer's pieces to the customer as they are written.
        `here_if_busy`: the turn is a handoff's own (a press, or a handoff made at the
        edge), which runs on this process's graph if no worker starts it in time rather
        than answer "busy" to someone who asked for a person. An older message a handoff
        waits behind shares its place in line, not this: under overload it is answered
        "busy", so the serving process never runs bot turns for the workers.

        Pieces are `delta` control frames (no seq): a preview that the logged `message`
        replaces, so a reconnecting customer gets the final answer, never half of one.
        Each attempt numbers its pieces from 0: a turn run again (its worker died, or no
        worker took it) streams from the beginning, and index 0 tells the customer's
        client to start the preview over rather than add the answer to the half it shows.
        """

        def preview() -> Callable[[str], None]:
            """One attempt's stream, its pieces numbered from 0."""
            pieces = itertools.count()

            def on_delta(text: str) -> None:
                frame = control("delta", conversation_id, for_seq=turn.seq, index=next(pieces))
                frame.data["text"] = text
                self.bus.publish(conversation_id, frame)

            return on_delta

        if self.runner is None:
            return await self.graph.run(conversation_id, turn, preview())
        runner = self.runner

        async def run(since: float | None) -> AgentState:
            return await runner.run(conversation_id, turn, preview(), urgency, since, arrival.early)

        try:
            # The checkpoint recognises a turn a dead worker finished; a second loss is
            # answered as a failed turn.
            return await _once_more_if_lost(run, arrival.received, "turn", conversation_id)
        except Busy:
            if not here_if_busy:
                raise
            return await self.graph.run(conversation_id, turn, preview())

    async def _answer(
        self,
        conn: Any,
        conversation_id: str,
        outcome: Outcome,
        state: AgentState,
        place: QueuePositionData | None,
        available: bool,
    ) -> tuple[list[Event], tuple[EscalationDecision, QueueEntry] | None]:
        """What a finished turn writes in the mode the turn ran in: the bot's answer, the
        handoff, or for a waiting customer the answer (if any) and where they stand.
        `available`: whether an agent takes new conversations (see `_escalate`)."""
        mode = state["turn"].mode
        if mode == "queued":
            events = []
            if outcome.kind == "reply" and outcome.while_waiting:
                events.append(await self._bot_message(conn, conversation_id, outcome))
            answering = not state.get("quiet_while_waiting", False)
            language = state["turn"].language
            events.append(
                await self._acknowledge_waiting(conn, conversation_id, place, answering, language)
            )
            return events, None
        if mode != "bot" or outcome.kind == "silent":
            return [], None
        if outcome.kind == "reply":
            return [await self._bot_message(conn, conversation_id, outcome)], None
        escalation = EscalationDecision.model_validate(outcome.decision)
        events, entry = await self._escalate(
            conn, conversation_id, state, escalation, outcome, available
        )
        return events, (escalation, entry)

    async def _bot_message(self, conn: Any, conversation_id: str, outcome: Outcome) -> Event:
        data: dict[str, Any] = {
            "role": "bot",
            "text": outcome.text,
            "citations": [c.model_dump() for c in outcome.citations],
        }
        if outcome.while_waiting:
            data["while_waiting"] = True
        return await self.log.append(conn, conversation_id, "message", data)

    async def _acknowledge_waiting(
        self,
        conn: Any,
        conversation_id: str,
        place: QueuePositionData | None,
        answering: bool,
        language: str,
    ) -> Event:
        """Every message a waiting customer sends is answered with where they stand: their
        place in line and expected wait, and whether the bot still answers meanwhile. The
        figures ride along so the widget can say it in the customer's language."""
        data: dict[str, Any] = {
            "role": "system",
            "kind": "waiting",
            "text": waiting_words(place, answering, language),
            "answering": answering,
        }
        if place is not None:
            data |= place.model_dump()
        return await self.log.append(conn, conversation_id, "message", data)

    async def _escalate(
        self,
        conn: Any,
        conversation_id: str,
        state: AgentState,
        decision: EscalationDecision,
        outcome: Outcome,
        available: bool,
        logged: list[Event] | None = None,
    ) -> tuple[list[Event], QueueEntry]:
        """Queue the packet and tell the customer in one voice: a person is coming, or (when
        nobody can answer soon) that they keep their place or can leave a contact. Returns
        the events and the queue entry written. `available`: whether an agent takes new
        conversations, read by the caller on the event loop (this may run on the
        writer's thread); `logged`: the conversation's events, if the caller read them in
        this transaction."""
        policy = self.settings.policy
        if logged is None:
            logged = await self.log.events_in(conn, conversation_id)
        transcript = transcript_from(logged)
        previous = await self.queue.last_agent(conn, conversation_id)
        packet = build_packet(
            conversation_id,
            state,
            decision,
            transcript,
            policy.queue.sla_minutes,
            previous,
            self.settings.products,
            now=self.clock(),
            company=self.settings.company_name,
        )
        entry = await self.queue.enqueue(
            conn,
            packet,
            preferred_agent=previous,
            preferred_until=packet.created_at
            + timedelta(minutes=policy.queue.preferred_agent_minutes),
        )
        reasons = [r.code for r in decision.reasons]
        notice = None if available else self._nobody_to_answer(packet.created_at, decision.language)
        if notice is None:
            events = [
                await self._bot_message(conn, conversation_id, outcome),
                await change_mode(conn, conversation_id, "queued", reasons=reasons),
            ]
            return events, entry
        told = {"role": "system", "text": notice, "offer_contact": True}
        events = [
            await change_mode(conn, conversation_id, "queued", reasons=reasons),
            await self.log.append(conn, conversation_id, "message", told),
        ]
        return events, entry

    def _nobody_to_answer(self, now: datetime, language: str) -> str:
        """Said only when no agent is available; outside hours it says when the team is back."""
        hours = self.settings.policy.business_hours
        if hours is not None and not hours.is_open(now):
            opening = hours.next_opening(now)
            if opening is not None:
                when = f"{weekday(opening.weekday(), language)} {opening:%H:%M (%Z)}"
                return say("closed_now", language, opening=when)
        return say("nobody_online", language)

    async def leave_contact(
        self, conversation_id: str, text: str, client_msg_id: str
    ) -> tuple[Event, bool]:
        """A waiting customer's e-mail or phone becomes a follow-up ticket; they stay in line."""
        existing = await self._stored(conversation_id, client_msg_id)
        if existing is not None:
            return existing, True
        if (await self.get(conversation_id)).mode != "queued":
            raise NotAllowed(
                "not_waiting", "A contact can be left only while waiting for a person."
            )
        redaction = await self.redact(conversation_id, text)
        if not _contacts(redaction):
            raise InputRejected(
                "no_contact", "Please give an e-mail address or a phone number we can reach."
            )
        async with self.work.change() as change:
            conn = change.conn
            existing = await self.log.find_client_message(conn, conversation_id, client_msg_id)
            if existing is not None:
                return existing, True
            redaction = await self.keep_originals(conn, conversation_id, redaction)
            contacts = _contacts(redaction)
            ticket_id = await open_ticket(
                conn, conversation_id, " ".join(contacts), redaction.text, self.clock().isoformat()
            )
            event = await self.log.append(
                conn,
                conversation_id,
                "ticket",
                {
                    "ticket_id": ticket_id,
                    "contact": " ".join(contacts),
                    "text": redaction.text,
                    "client_msg_id": client_msg_id,
                },
                client_msg_id=client_msg_id,
            )
            change.record(event)
        log.info("follow-up ticket", extra={"conversation_id": conversation_id})
        return event, False

    async def rate(
        self, conversation_id: str, score: int, comment: str, client_msg_id: str
    ) -> tuple[Event, bool]:
        """The customer's answer to the CSAT question, once per request."""
        existing = await self._stored(conversation_id, client_msg_id)
        if existing is not None:
            return existing, True
        redaction = await self.redact(conversation_id, comment or "-")
        async with self.work.change() as change:
            conn = change.conn
            events = await self.log.events_in(conn, conversation_id)
            asked = [e.seq for e in events if e.type == "csat_request"]
            answered = [e.seq for e in events if e.type == "csat"]
            if not asked or (answered and answered[-1] > asked[-1]):
                raise NotAllowed("no_rating_asked", "There is no open rating request.")
            redaction = await self.keep_originals(conn, conversation_id, redaction)
            await self.queue.record_csat(conn, conversation_id, score)
            event = await self.log.append(
                conn,
                conversation_id,
                "csat",
                {
                    "score": score,
                    "comment": redaction.text if comment else "",
                    "client_msg_id": client_msg_id,
                },
                client_msg_id=client_msg_id,
            )
            change.record(event)
        return event, False

    def publish(self, events: list[Event]) -> None:
        """Each event to its conversation's sockets and the agents'; the unit of work calls
        this once a change has committed."""
        for event in events:
            frame = ServerFrame.of(event)
            self.bus.publish(event.conversation_id, frame)
            self.bus.publish(AGENTS, frame)


__all__ = ["ConversationService", "InputRejected", "NotAllowed", "UnknownConversation"]
