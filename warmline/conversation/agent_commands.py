"""The agents' commands on a conversation: claims, messages, notes, transfers, labels,
endings, and what an agent's coming and going does to their conversations.

Each action is one transaction over the conversation log, its mode and its queue
row, published only after it commits, like the customer side. The queue never
forgets a conversation: a transfer, an agent who goes away or a hand-back moves
it, and every move is an event both sides can read. Telling everyone what changed
is broadcasting's; these commands reach it, and the customers' side, through the
interfaces declared here rather than by importing them.
"""

import asyncio
import logging
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, Literal, Protocol

from warmline.clock import Clock, wait_until
from warmline.conversation.accounts import AgentAccount, account_for_token
from warmline.conversation.assignment import Assignment
from warmline.conversation.errors import NotAllowed
from warmline.conversation.lifecycle import change_mode
from warmline.conversation.protocol import LabelKind, ServerFrame, control
from warmline.conversation.settings import ConversationSettings
from warmline.conversation.unit_of_work import UnitOfWork
from warmline.coordination.presence import Status
from warmline.coordination.shared import Coordination
from warmline.guardrails.limits import clean_text
from warmline.guardrails.redaction import Redaction
from warmline.guardrails.vault import PiiVault
from warmline.handoff.policy_file import QueuePolicy
from warmline.handoff.queue import Disposition, HandoffQueue
from warmline.handoff.routing import UNFIT_WORDS, next_for, unfit
from warmline.storage.conversations import Conversation, ConversationLog, Event
from warmline.storage.database import Connection, Database
from warmline.storage.labels import add_label
from warmline.texts import TextKey, say


class CustomerSide(Protocol):
    """What the agents' side asks of the customers' side: the conversation, and the
    redaction every text an agent writes goes through (originals kept in the vault).

    An interface rather than the customer commands themselves, so neither side
    imports the other."""

    async def get(self, conversation_id: str) -> Conversation: ...

    async def redact(self, conversation_id: str, text: str) -> Redaction: ...

    async def keep_originals(
        self, conn: Connection, conversation_id: str, redaction: Redaction
    ) -> Redaction:
        """The redaction to store, renumbered against the placeholders as committed."""
        ...


class Broadcast(Protocol):
    """What the agents' commands ask of broadcasting once a change has committed: show a
    taken conversation to its agent's sockets, tell everyone the queue changed, and hand
    out waiting work (see broadcasting.py)."""

    def announce(self) -> None: ...

    async def dispatch(self) -> None: ...

    async def queue_changed(self, new_conversation_id: str | None = None) -> None: ...

    async def claimed(self, agent_id: str, conversation_id: str) -> None: ...

    async def show(self, topic: str, conversation_id: str) -> None: ...


log = logging.getLogger("warmline.desk")


class AgentCommands:
    def __init__(
        self,
        customers: CustomerSide,
        broadcast: Broadcast,
        assignment: Assignment,
        settings: ConversationSettings,
        db: Database,
        log: ConversationLog,
        queue: HandoffQueue,
        work: UnitOfWork,
        vault: PiiVault,
        shared: Coordination[ServerFrame],
        clock: Clock,
    ) -> None:
        self.customers = customers
        self.broadcast = broadcast
        self.assignment = assignment
        self.settings = settings
        self.queue = queue
        self.log = log
        self.db = db
        self.work = work
        self.vault = vault
        self.clock = clock
        self.bus = shared.bus
        self.presence = shared.presence
        self._accounts = assignment.accounts
        self._timers: set[asyncio.Task[None]] = set()
        self._grace: dict[str, asyncio.Task[None]] = {}

    def _later(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Background work that shutdown cancels rather than waits for."""
        task = asyncio.create_task(coroutine)
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)
        return task

    async def start(self) -> None:
        """After a restart no agent is connected: their chats wait out the grace period."""
        for agent_id in await self.log.agents_with_chats():
            account = self._accounts.get(agent_id)
            if account is not None:
                self._grace[account.id] = self._later(self._release_after_grace(account))

    def stop(self) -> None:
        for task in self._timers:
            task.cancel()

    @property
    def _queue_policy(self) -> QueuePolicy:
        return self.settings.policy.queue

    # -- presence ----------------------------------------------------------------

    def authenticate(self, token: str) -> AgentAccount | None:
        """The account of a token; one that is not valid UTF-8 (a lone surrogate from
        JSON's `"\\ud800"`) cannot be any agent's, so it is refused, never a crash."""
        try:
            token.encode()
        except UnicodeEncodeError:
            return None
        return account_for_token(self.settings.agents, token)

    def signed_in(self, agent: AgentAccount) -> None:
        """A socket of the agent's passed its hello: a pending release is off from here on.

        Synchronous, so it pairs with `disconnected` however early the socket drops: a
        socket that closes while its welcome is still being sent has come back all the
        same, and its close starts a fresh grace period instead of leaving the old one."""
        grace = self._grace.pop(agent.id, None)
        if grace is not None:
            grace.cancel()
        self.presence.connect(agent.id)

    async def connected(self, agent: AgentAccount) -> None:
        """The agent's socket has its queue and chats: tell the others, hand out work."""
        self.broadcast.announce()
        await self.broadcast.dispatch()

    async def disconnected(self, agent: AgentAccount) -> None:
        """The last socket closed: after a grace period, the agent's chats go back in line."""
        if not self.presence.disconnect(agent.id):
            return
        self.broadcast.announce()
        self._grace[agent.id] = self._later(self._release_after_grace(agent))

    async def _release_after_grace(self, agent: AgentAccount) -> None:
        """The grace runs on the service's clock, looked at as often as SLAs are."""
        policy = self._queue_policy
        until = self.clock() + timedelta(seconds=policy.agent_reconnect_grace_seconds)
        await wait_until(self.clock, until, policy.sla_check_seconds)
        if agent.id not in self.presence.online():
            await self.release(agent)

    async def set_status(self, agent: AgentAccount, status: Status) -> None:
        self.presence.set_status(agent.id, status)
        self.broadcast.announce()
        await self.broadcast.dispatch()

    # -- taking conversations -----------------------------------------------------

    async def claim(self, agent: AgentAccount, conversation_id: str) -> bool:
        """Take a waiting conversation; False if another agent won it first."""
        await self.customers.get(conversation_id)
        entry = await self.queue.entry(conversation_id)
        if entry is None or entry.status != "queued":
            return False
        why = unfit(
            await self.assignment.seat_of(agent), entry, self.clock(), self.presence.online()
        )
        if why is not None:
            raise NotAllowed(why, UNFIT_WORDS[why])
        return await self._take(agent, conversation_id)

    async def _take(self, agent: AgentAccount, conversation_id: str) -> bool:
        """Taken the way auto-assignment takes (capacity checked in the claim's
        transaction); then the agent's sockets follow it and everyone sees the queue."""
        if not await self.assignment.take(agent, conversation_id):
            return False
        await self.broadcast.claimed(agent.id, conversation_id)
        return True

    async def claim_next(self, agent: AgentAccount) -> str | None:
        """The best waiting conversation this agent may take, taken; None if there is none."""
        for _ in range(5):  # another agent may win the one we picked; pick again
            entry = next_for(
                await self.assignment.seat_of(agent),
                await self.queue.open_entries(),
                self.clock(),
                self._queue_policy.aging_minutes,
                self.presence.online(),
            )
            if entry is None:
                return None
            if await self._take(agent, entry.conversation_id):
                return entry.conversation_id
        return None

    async def preview(self, agent: AgentAccount, conversation_id: str) -> ServerFrame:
        """A waiting conversation's history so far, read-only, for an agent deciding whether
        to claim it: the queue carries no transcripts, so one that was queued before the
        agent signed in would otherwise show nothing. Messages and mode changes (notes stay
        with the conversation's agents), and without following it."""
        entry = await self.queue.entry(conversation_id)
        if entry is None or (entry.status != "queued" and not agent.supervises):
            raise NotAllowed("not_queued", "This conversation is not waiting in the queue.")
        events = await self.log.events_after(conversation_id, 0)
        return control(
            "preview",
            conversation_id,
            events=[e.model_dump(mode="json") for e in events if e.type in ("message", "mode")],
        )

    # -- inside a conversation ----------------------------------------------------

    async def owned(self, agent: AgentAccount, conversation_id: str) -> None:
        conversation = await self.customers.get(conversation_id)
        if conversation.mode != "human" or conversation.agent_id != agent.id:
            raise NotAllowed("not_assigned", "This conversation is not assigned to you.")

    async def _still_owned(self, conn: Any, agent_id: str, conversation_id: str) -> Conversation:
        """Checked again inside the transaction that changes it: between the first check and
        the write, another tab of the same agent may have transferred or resolved it."""
        current = await self.log.get_in(conn, conversation_id)
        if current.mode != "human" or current.agent_id != agent_id:
            raise NotAllowed("not_assigned", "This conversation is not assigned to you.")
        return current

    async def agent_message(
        self, agent: AgentAccount, conversation_id: str, text: str, client_msg_id: str
    ) -> tuple[Event, bool]:
        await self.owned(agent, conversation_id)
        redaction = await self.customers.redact(conversation_id, text)
        key = f"agent:{agent.id}:{client_msg_id}"
        async with self.work.change() as change:
            conn = change.conn
            existing = await self.log.find_client_message(conn, conversation_id, key)
            if existing is not None:
                return existing, True
            redaction = await self.customers.keep_originals(conn, conversation_id, redaction)
            event = await self.log.append(
                conn,
                conversation_id,
                "message",
                {
                    "role": "agent",
                    "text": redaction.text,
                    "redacted": [f.placeholder for f in redaction.findings],
                    "agent_name": agent.name,
                    "client_msg_id": client_msg_id,
                },
                client_msg_id=key,
            )
            change.record(event)
        return event, False

    async def reveal(
        self, agent: AgentAccount, conversation_id: str, placeholder: str, reason: str
    ) -> str:
        """An original PII value, for an agent allowed to see it; every attempt is audited
        with the reason the agent typed (itself redacted: the audit log holds no PII).

        Only in a conversation the agent owns, unless they supervise."""
        conversation = await self.customers.get(conversation_id)
        owns = conversation.mode == "human" and conversation.agent_id == agent.id
        allowed = agent.can_reveal_pii and (owns or agent.supervises)
        redaction = await self.customers.redact(conversation_id, clean_text(reason, 500))
        async with self.db.transaction() as conn:
            redaction = await self.customers.keep_originals(conn, conversation_id, redaction)
        value = await self.vault.reveal(
            agent.id, allowed, conversation_id, placeholder, redaction.text
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

    async def note(self, agent: AgentAccount, conversation_id: str, text: str) -> Event:
        """An internal note: agents and supervisors read it, the customer never does."""
        await self.customers.get(conversation_id)
        if not agent.supervises:
            await self.owned(agent, conversation_id)
        redaction = await self.customers.redact(conversation_id, text)
        async with self.work.change() as change:
            conn = change.conn
            redaction = await self.customers.keep_originals(conn, conversation_id, redaction)
            event = await self.log.append(conn, conversation_id, "note", _note(agent, redaction))
            change.record(event)
        return event

    async def transfer(
        self,
        agent: AgentAccount,
        conversation_id: str,
        note: str,
        to_agent: str | None,
        to_skill: str | None,
    ) -> None:
        """Back in line for a named colleague (who gets first refusal) or a skill."""
        await self.owned(agent, conversation_id)
        if to_agent is not None and to_agent not in self._accounts:
            raise NotAllowed("unknown_agent", f"No agent with id {to_agent!r}.")
        if (to_agent is None) == (to_skill is None):
            raise NotAllowed("bad_transfer", "Transfer to exactly one of an agent or a skill.")
        if to_skill is not None and not any(to_skill in a.skills for a in self.settings.agents):
            raise NotAllowed("unknown_skill", f"No agent has the skill {to_skill!r}.")
        if await self.queue.entry(conversation_id) is None:
            raise NotAllowed("not_assigned", "This conversation is not assigned to you.")
        target = self._accounts[to_agent].name if to_agent else f"skill {to_skill}"
        redaction = await self.customers.redact(conversation_id, note)
        async with self.work.change() as change:
            conn = change.conn
            owned = await self._still_owned(conn, agent.id, conversation_id)
            redaction = await self.customers.keep_originals(conn, conversation_id, redaction)
            await self.queue.requeue(
                conn,
                conversation_id,
                preferred_agent=to_agent,
                preferred_for=timedelta(minutes=self._queue_policy.preferred_agent_minutes),
                skills=[to_skill] if to_skill else [],
            )
            change.record(
                await self.log.append(
                    conn, conversation_id, "note", _note(agent, redaction, transfer_to=target)
                ),
                await change_mode(
                    conn, conversation_id, "queued", reason="transfer", agent_name=agent.name
                ),
                await self.log.append(
                    conn,
                    conversation_id,
                    "message",
                    {"role": "system", "text": say("transferred", owned.language)},
                ),
            )
        log.info("transferred", extra={"conversation_id": conversation_id, "agent_id": agent.id})
        await self.broadcast.queue_changed(conversation_id)

    async def release(self, agent: AgentAccount) -> None:
        """An agent who is gone for good: their conversations wait for them, then anyone."""
        for conversation in await self.log.conversations_with_agent(agent.id):
            if await self.queue.entry(conversation.id) is None:
                continue
            async with self.work.change() as change:
                conn = change.conn
                current = await self.log.get_in(conn, conversation.id)
                if current.mode != "human" or current.agent_id != agent.id:
                    continue  # resolved, handed back or moved meanwhile
                await self.queue.requeue(
                    conn,
                    conversation.id,
                    preferred_agent=agent.id,
                    preferred_for=timedelta(minutes=self._queue_policy.preferred_agent_minutes),
                )
                change.record(
                    await change_mode(conn, conversation.id, "queued", reason="agent_disconnected"),
                    await self.log.append(
                        conn,
                        conversation.id,
                        "message",
                        {"role": "system", "text": say("agent_gone", current.language)},
                    ),
                )
            log.warning(
                "agent gone, conversation requeued",
                extra={"conversation_id": conversation.id, "agent_id": agent.id},
            )
            await self.broadcast.queue_changed(conversation.id)

    async def hand_back(self, agent: AgentAccount, conversation_id: str) -> None:
        await self._finish(agent, conversation_id, "bot", "back_to_bot", None)

    async def resolve(
        self, agent: AgentAccount, conversation_id: str, disposition: Disposition
    ) -> None:
        await self._finish(agent, conversation_id, "resolved", "resolved", disposition)

    async def _finish(
        self,
        agent: AgentAccount,
        conversation_id: str,
        mode: Literal["bot", "resolved"],
        notice: TextKey,
        disposition: Disposition | None,
    ) -> None:
        await self.owned(agent, conversation_id)
        async with self.work.change() as change:
            conn = change.conn
            language = (await self._still_owned(conn, agent.id, conversation_id)).language
            await self.queue.close(conn, conversation_id, disposition)
            change.record(
                await change_mode(
                    conn, conversation_id, mode, agent_name=agent.name, disposition=disposition
                ),
                await self.log.append(
                    conn,
                    conversation_id,
                    "message",
                    {"role": "system", "text": say(notice, language)},
                ),
            )
            if mode == "resolved":
                change.record(
                    await self.log.append(
                        conn,
                        conversation_id,
                        "csat_request",
                        {"text": say("csat_question", language)},
                    )
                )
        self.broadcast.announce()
        await self.broadcast.dispatch()
        log.info(mode, extra={"conversation_id": conversation_id, "agent_id": agent.id})

    async def watch(self, agent: AgentAccount, conversation_id: str, topic: str) -> None:
        if not agent.supervises:
            raise NotAllowed("forbidden", "Only supervisors can watch other agents' chats.")
        await self.customers.get(conversation_id)
        await self.broadcast.show(topic, conversation_id)

    async def label(
        self,
        agent: AgentAccount,
        conversation_id: str,
        kind: LabelKind,
        article_id: str | None,
        note: str,
    ) -> int:
        """A verdict on the bot for the learning loop; exported as an eval scenario.

        By an agent who has (or had) the conversation, or a supervisor."""
        conversation = await self.customers.get(conversation_id)
        if not agent.supervises and conversation.agent_id != agent.id:
            async with self.db.reading() as conn:
                if await self.queue.last_agent(conn, conversation_id) != agent.id:
                    raise NotAllowed("not_assigned", "Label conversations you have handled.")
        redaction = None
        if note.strip():
            redaction = await self.customers.redact(conversation_id, clean_text(note, 2000))
        async with self.db.transaction() as conn:
            if redaction is not None:
                redaction = await self.customers.keep_originals(conn, conversation_id, redaction)
            return await add_label(
                conn,
                conversation_id,
                agent.id,
                kind,
                article_id,
                redaction.text if redaction is not None else "",
                self.clock().isoformat(),
            )


def _note(agent: AgentAccount, redaction: Redaction, **extra: str) -> dict[str, object]:
    """A note's event data: its author, its redacted text and the placeholders in it, so
    the console can say when something was masked."""
    return {
        "author_id": agent.id,
        "author_name": agent.name,
        "text": redaction.text,
        "redacted": [f.placeholder for f in redaction.findings],
        **extra,
    }
