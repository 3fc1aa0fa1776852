"""The conversation service: the one place that changes a conversation.

Every change is one database transaction that appends events and moves the mode,
and only after it commits are the events published. A customer message is
redacted, stored and acknowledged before the graph runs, and marked pending until
its answer is stored, so a crash at any point loses nothing: on start-up pending
turns are run again, and the checkpointed graph recognises a turn it already
finished.
"""

import asyncio
import hashlib
import hmac
import logging
import time
from collections import defaultdict
from typing import Any

from langgraph.graph.state import CompiledStateGraph

from warmline.agent.decision import EscalationDecision
from warmline.agent.state import Mode, Outcome, TurnInput
from warmline.config import AgentAccount, Settings
from warmline.guardrails.guard import Guard
from warmline.guardrails.limits import InputRejected, clean_text
from warmline.guardrails.placeholder_store import PlaceholderStore
from warmline.guardrails.redaction import PlaceholderBook, Redactor
from warmline.guardrails.vault import PiiVault
from warmline.handoff.queue import HandoffQueue, QueueEntry
from warmline.handoff.summary import build_packet, transcript_from
from warmline.server.bus import AGENTS, EventBus
from warmline.server.protocol import ServerFrame, control
from warmline.storage.conversations import Conversation, ConversationLog, Event
from warmline.storage.database import Database

log = logging.getLogger("warmline.service")

BACK_TO_BOT = "You're chatting with the AI assistant again. A person is still one click away."
RESOLVED = "This conversation was marked as resolved. Write again any time."
FLOOD_SWEEP_AT = 10_000  # conversations tracked before idle flood windows are dropped
TURN_FAILED = (
    "Sorry, something went wrong on our side while answering. Please try again, or press "
    "\u201cTalk to a person\u201d."
)


class UnknownConversation(LookupError):
    code = "unknown_conversation"
    message = "No conversation with that id (and token)."


class NotAllowed(PermissionError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ConversationService:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        graph: CompiledStateGraph[Any, Any, Any, Any],
        redactor: Redactor,
        vault: PiiVault,
        secret: bytes,
        bus: EventBus,
    ) -> None:
        self.settings = settings
        self.db = db
        self.log = ConversationLog(db)
        self.queue = HandoffQueue(db)
        self.placeholders = PlaceholderStore(db)
        self.graph = graph
        self.guard = Guard(redactor, settings.limits.max_message_chars)
        self.vault = vault
        self.bus = bus
        self._secret = secret
        self._turn_locks: dict[str, asyncio.Lock] = {}
        self._turns_waiting: defaultdict[str, int] = defaultdict(int)
        self._recent: dict[str, list[float]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # -- conversations ---------------------------------------------------------

    def token_for(self, conversation_id: str) -> str:
        return hmac.new(self._secret, conversation_id.encode(), hashlib.sha256).hexdigest()[:32]

    async def start(self) -> Conversation:
        conversation = await self.log.create()
        log.info("conversation started", extra={"conversation_id": conversation.id})
        return conversation

    async def resume(self, conversation_id: str, token: str | None) -> Conversation:
        conversation = await self.log.get(conversation_id)
        if conversation is None or not hmac.compare_digest(
            token or "", self.token_for(conversation_id)
        ):
            raise UnknownConversation(conversation_id)
        return conversation

    async def get(self, conversation_id: str) -> Conversation:
        conversation = await self.log.get(conversation_id)
        if conversation is None:
            raise UnknownConversation(conversation_id)
        return conversation

    # -- customer side ---------------------------------------------------------

    async def customer_message(
        self, conversation_id: str, text: str, client_msg_id: str, force_human: bool = False
    ) -> tuple[Event, bool]:
        """Store a customer message once; returns the event and whether it was a resend."""
        async with self.db.reading() as conn:
            existing = await self.log.find_client_message(conn, conversation_id, client_msg_id)
        if existing is not None:
            return existing, True
        self._check_flood(conversation_id)
        book = PlaceholderBook(await self.placeholders.load(conversation_id))
        verdict = await asyncio.to_thread(self.guard.inspect, text, book)
        if verdict.redaction is None:
            raise InputRejected(verdict.code or "rejected", verdict.message or "Refused.")
        redaction = verdict.redaction
        events: list[Event] = []
        async with self.db.transaction() as conn:
            existing = await self.log.find_client_message(conn, conversation_id, client_msg_id)
            if existing is not None:
                return existing, True
            conversation = await self.log.get_in(conn, conversation_id)
            if conversation.mode == "resolved":
                await self.log.set_mode(conn, conversation_id, "bot", None)
                events.append(await self.log.append(conn, conversation_id, "mode", {"mode": "bot"}))
            await self.placeholders.add(conn, conversation_id, redaction.new_entries)
            await self.vault.store(conn, conversation_id, redaction.vault_items)
            message = await self.log.append(
                conn,
                conversation_id,
                "message",
                {
                    "role": "customer",
                    "text": redaction.text,
                    "client_msg_id": client_msg_id,
                    "force_human": force_human,
                    "redacted": [f.placeholder for f in redaction.findings],
                },
                client_msg_id=client_msg_id,
            )
            events.append(message)
            await self.log.set_pending(conn, conversation_id, message.seq)
        self._publish(events)
        log.info(
            "customer message stored",
            extra={
                "conversation_id": conversation_id,
                "seq": message.seq,
                "pii_found": len(redaction.findings),
            },
        )
        self._spawn(self.run_turn(conversation_id, message.seq))
        return message, False

    def _check_flood(self, conversation_id: str) -> None:
        """Refuse a burst of new messages (resends of stored ones are always answered)."""
        limits = self.settings.limits
        now = time.monotonic()
        if len(self._recent) > FLOOD_SWEEP_AT:
            self._recent = {
                k: v for k, v in self._recent.items() if now - v[-1] < limits.flood_window_s
            }
        window = self._recent.get(conversation_id, [])
        recent = [t for t in window if now - t < limits.flood_window_s]
        if len(recent) >= limits.flood_messages:
            raise InputRejected(
                "rate_limited",
                f"Too many messages: at most {limits.flood_messages} per "
                f"{limits.flood_window_s:g} seconds. Please wait a moment.",
            )
        self._recent[conversation_id] = [*recent, now]

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for turns in flight (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def recover_pending(self) -> int:
        pending = await self.log.pending_turns()
        for conversation_id, seq in pending:
            self._spawn(self.run_turn(conversation_id, seq))
        return len(pending)

    async def run_turn(self, conversation_id: str, seq: int) -> None:
        """Turns of one conversation run one at a time; the lock lives only while needed."""
        lock = self._turn_locks.setdefault(conversation_id, asyncio.Lock())
        self._turns_waiting[conversation_id] += 1
        try:
            async with lock:
                try:
                    await self._run_turn(conversation_id, seq)
                except Exception:
                    log.exception(
                        "turn failed", extra={"conversation_id": conversation_id, "seq": seq}
                    )
                    await self._apologise(conversation_id, seq)
        finally:
            self._turns_waiting[conversation_id] -= 1
            if not self._turns_waiting[conversation_id]:
                del self._turns_waiting[conversation_id]
                del self._turn_locks[conversation_id]

    async def _apologise(self, conversation_id: str, seq: int) -> None:
        """A turn that failed still gets an answer: the customer is never left waiting."""
        async with self.db.transaction() as conn:
            current = await self.log.get_in(conn, conversation_id)
            if current.pending_seq != seq:
                return
            await self.log.set_pending(conn, conversation_id, None)
            event = await self.log.append(
                conn, conversation_id, "message", {"role": "system", "text": TURN_FAILED}
            )
        self._publish([event])

    async def _run_turn(self, conversation_id: str, seq: int) -> None:
        conversation = await self.get(conversation_id)
        if conversation.pending_seq is None or conversation.pending_seq < seq:
            return
        message = next(
            e for e in await self.log.events_after(conversation_id, seq - 1) if e.seq == seq
        )
        if conversation.mode == "bot":
            self.bus.publish(conversation_id, control("typing", conversation_id, who="bot"))
        turn = TurnInput(
            seq=seq,
            text=message.data["text"],
            mode=conversation.mode,
            force_human=bool(message.data.get("force_human")),
        )
        state = await self.graph.ainvoke(
            {"turn": turn.model_dump()},
            config={"configurable": {"thread_id": conversation_id}},
        )
        outcome = Outcome.model_validate(state["outcome"])
        events: list[Event] = []
        escalated = False
        async with self.db.transaction() as conn:
            current = await self.log.get_in(conn, conversation_id)
            if current.pending_seq == seq:
                await self.log.set_pending(conn, conversation_id, None)
            if outcome.for_seq == seq and current.mode == "bot" and outcome.kind != "silent":
                events.append(
                    await self.log.append(
                        conn,
                        conversation_id,
                        "message",
                        {
                            "role": "bot",
                            "text": outcome.text,
                            "citations": [c.model_dump() for c in outcome.citations],
                        },
                    )
                )
                if outcome.kind == "escalate":
                    decision = EscalationDecision.model_validate(outcome.decision)
                    transcript = transcript_from(await self.log.events_in(conn, conversation_id))
                    packet = build_packet(conversation_id, state, decision, transcript)
                    await self.queue.enqueue(conn, packet)
                    await self.log.set_mode(conn, conversation_id, "queued", None)
                    events.append(
                        await self.log.append(
                            conn,
                            conversation_id,
                            "mode",
                            {"mode": "queued", "reasons": [r.code for r in decision.reasons]},
                        )
                    )
                    escalated = True
        self._publish(events)
        if escalated:
            log.info("escalated", extra={"conversation_id": conversation_id, "seq": seq})
            await self._announce_queue(conversation_id)

    async def _announce_queue(self, new_conversation_id: str | None = None) -> None:
        """Tell agents the queue changed, and every waiting customer their place in line."""
        entries = await self.queue.open_entries()
        waiting = [e for e in entries if e.status == "queued"]
        for position, entry in enumerate(waiting, start=1):
            self.bus.publish(
                entry.conversation_id,
                control("queue_position", entry.conversation_id, position=position),
            )
            if entry.conversation_id == new_conversation_id:
                self.bus.publish(
                    AGENTS, control("handoff", entry.conversation_id, entry=self.describe(entry))
                )
        self.bus.publish(AGENTS, self._queue_frame(entries))

    def describe(self, entry: QueueEntry) -> dict[str, Any]:
        """A queue entry as agents see it, with the claiming agent's name."""
        names = {a.id: a.name for a in self.settings.agents}
        return entry.model_dump(mode="json") | {
            "claimed_by_name": names.get(entry.claimed_by or "")
        }

    def _queue_frame(self, entries: list[QueueEntry]) -> ServerFrame:
        return control("queue", items=[self.describe(e) for e in entries])

    async def queue_frame(self) -> ServerFrame:
        return self._queue_frame(await self.queue.open_entries())

    def _publish(self, events: list[Event]) -> None:
        for event in events:
            frame = ServerFrame.of(event)
            self.bus.publish(event.conversation_id, frame)
            self.bus.publish(AGENTS, frame)

    # -- agent side ------------------------------------------------------------

    def authenticate(self, token: str) -> AgentAccount | None:
        for account in self.settings.agents:
            if hmac.compare_digest(account.token, token):
                return account
        return None

    async def claim(self, agent: AgentAccount, conversation_id: str) -> bool:
        await self.get(conversation_id)
        async with self.db.transaction() as conn:
            won = await self.queue.claim(conn, conversation_id, agent.id)
            if not won:
                return False
            await self.log.set_mode(conn, conversation_id, "human", agent.id)
            event = await self.log.append(
                conn,
                conversation_id,
                "mode",
                {"mode": "human", "agent_id": agent.id, "agent_name": agent.name},
            )
        self._publish([event])
        await self._announce_queue()
        log.info("claimed", extra={"conversation_id": conversation_id, "agent_id": agent.id})
        return True

    async def _owned(self, agent: AgentAccount, conversation_id: str) -> Conversation:
        conversation = await self.get(conversation_id)
        if conversation.mode != "human" or conversation.agent_id != agent.id:
            raise NotAllowed("not_assigned", "This conversation is not assigned to you.")
        return conversation

    async def agent_message(
        self, agent: AgentAccount, conversation_id: str, text: str, client_msg_id: str
    ) -> tuple[Event, bool]:
        await self._owned(agent, conversation_id)
        cleaned = clean_text(text, self.settings.limits.max_message_chars)
        key = f"agent:{agent.id}:{client_msg_id}"
        async with self.db.transaction() as conn:
            existing = await self.log.find_client_message(conn, conversation_id, key)
            if existing is not None:
                return existing, True
            event = await self.log.append(
                conn,
                conversation_id,
                "message",
                {
                    "role": "agent",
                    "text": cleaned,
                    "agent_name": agent.name,
                    "client_msg_id": client_msg_id,
                },
                client_msg_id=key,
            )
        self._publish([event])
        return event, False

    async def _finish(
        self, agent: AgentAccount, conversation_id: str, mode: Mode, notice: str
    ) -> None:
        await self._owned(agent, conversation_id)
        async with self.db.transaction() as conn:
            await self.queue.close(conn, conversation_id)
            await self.log.set_mode(conn, conversation_id, mode, None)
            events = [
                await self.log.append(
                    conn, conversation_id, "mode", {"mode": mode, "agent_name": agent.name}
                ),
                await self.log.append(
                    conn, conversation_id, "message", {"role": "system", "text": notice}
                ),
            ]
        self._publish(events)
        await self._announce_queue()
        log.info(mode, extra={"conversation_id": conversation_id, "agent_id": agent.id})

    async def hand_back(self, agent: AgentAccount, conversation_id: str) -> None:
        await self._finish(agent, conversation_id, "bot", BACK_TO_BOT)

    async def resolve(self, agent: AgentAccount, conversation_id: str) -> None:
        await self._finish(agent, conversation_id, "resolved", RESOLVED)

    async def reveal(self, agent: AgentAccount, conversation_id: str, placeholder: str) -> str:
        """An original PII value, for an agent allowed to see it; every attempt is audited."""
        await self.get(conversation_id)
        allowed = agent.can_reveal_pii
        value = await self.vault.reveal(
            agent.id, allowed, conversation_id, placeholder, "agent console reveal"
        )
        log.info(
            "pii reveal " + ("allowed" if allowed else "refused"),
            extra={"conversation_id": conversation_id, "agent_id": agent.id},
        )
        if not allowed:
            raise NotAllowed("forbidden", "You do not have permission to reveal personal data.")
        if value is None:
            raise NotAllowed("not_kept", "That value is no longer kept (expired or erased).")
        return value

    async def assigned_to(self, agent: AgentAccount) -> list[Conversation]:
        return await self.log.conversations_with_agent(agent.id)


__all__ = ["ConversationService", "InputRejected", "NotAllowed", "UnknownConversation"]
