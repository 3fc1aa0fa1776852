"""The agents' side of a conversation: routing, claims, transfers, notes, endings.

Each action is one transaction over the conversation log, its mode and its queue
row, published only after it commits, like the customer side. The queue never
forgets a conversation: a transfer, an agent who goes away or a hand-back moves
it, and every move is an event both sides can read.
"""

import asyncio
import logging
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, Literal, Protocol

from warmline.clock import Clock, wait_until
from warmline.config import Settings
from warmline.conversation.accounts import AgentAccount
from warmline.conversation.dashboard import AgentOnFloor, build_dashboard
from warmline.conversation.errors import NotAllowed
from warmline.conversation.lifecycle import change_mode
from warmline.conversation.protocol import LabelKind, QueuePositionData, ServerFrame, control
from warmline.conversation.unit_of_work import UnitOfWork
from warmline.coordination.bus import AGENTS, SUPERVISORS
from warmline.coordination.presence import Status
from warmline.coordination.shared import Coordination
from warmline.guardrails.limits import clean_text
from warmline.guardrails.redaction import Redaction
from warmline.guardrails.vault import PiiVault
from warmline.handoff.policy_file import QueuePolicy
from warmline.handoff.queue import Disposition, HandoffQueue, QueueEntry
from warmline.handoff.routing import (
    UNFIT_WORDS,
    AgentSeat,
    best_agent,
    effective_priority,
    in_line,
    next_for,
    unfit,
)
from warmline.handoff.wait import HISTORY as WAIT_HISTORY
from warmline.handoff.wait import expected_wait, typical_waits
from warmline.server.operators import agent_for_token
from warmline.storage.conversations import Conversation, ConversationLog, Event
from warmline.storage.database import Connection, Database
from warmline.storage.labels import add_label
from warmline.texts import TextKey, say


class CustomerSide(Protocol):
    """What the agents' side asks of the customers' side: the conversation, and the
    redaction every text an agent writes goes through (originals kept in the vault).

    An interface rather than the service itself, so the desk does not import the
    service that creates it."""

    async def get(self, conversation_id: str) -> Conversation: ...

    async def redact(self, conversation_id: str, text: str) -> Redaction: ...

    async def keep_originals(
        self, conn: Connection, conversation_id: str, redaction: Redaction
    ) -> None: ...


log = logging.getLogger("warmline.desk")


def agent_topic(agent_id: str) -> str:
    return f"agent:{agent_id}"


class AgentDesk:
    def __init__(
        self,
        customers: CustomerSide,
        settings: Settings,
        db: Database,
        log: ConversationLog,
        queue: HandoffQueue,
        work: UnitOfWork,
        vault: PiiVault,
        shared: Coordination[ServerFrame],
        clock: Clock,
    ) -> None:
        self.customers = customers
        self.settings = settings
        self.queue = queue
        self.log = log
        self.db = db
        self.work = work
        self.vault = vault
        self.clock = clock
        self.bus = shared.bus
        self.presence = shared.presence
        self._accounts = {a.id: a for a in settings.agents}
        self._timers: set[asyncio.Task[None]] = set()
        self._announcing = False
        self._dispatching = asyncio.Lock()
        self._grace: dict[str, asyncio.Task[None]] = {}
        self._announced: dict[str, dict[str, Any]] = {}  # the queue as last sent, by conversation

    def _later(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Background work that shutdown cancels rather than waits for."""
        task = asyncio.create_task(coroutine)
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)
        return task

    async def start(self) -> None:
        """After a restart no agent is connected: their chats wait out the grace period."""
        self._later(self.watch_slas())
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
        return agent_for_token(self.settings, token)

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
        self.announce()
        await self.dispatch()

    async def disconnected(self, agent: AgentAccount) -> None:
        """The last socket closed: after a grace period, the agent's chats go back in line."""
        if not self.presence.disconnect(agent.id):
            return
        self.announce()
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
        self.announce()
        await self.dispatch()

    async def seats(self) -> list[AgentSeat]:
        active = await self.log.chats_per_agent()
        return [self._seat(self._accounts[i], active.get(i, 0)) for i in self.presence.online()]

    def _seat(self, agent: AgentAccount, active: int) -> AgentSeat:
        return AgentSeat(
            id=agent.id,
            skills=agent.skills,
            languages=agent.languages,
            capacity=agent.capacity,
            active=active,
            available=self.presence.status(agent.id) == "available",
            overrides=agent.supervises,
            last_assigned=self.presence.last_assigned(agent.id),
        )

    async def _seat_of(self, agent: AgentAccount) -> AgentSeat:
        seat = next((s for s in await self.seats() if s.id == agent.id), None)
        return seat or self._seat(agent, len(await self.log.conversations_with_agent(agent.id)))

    # -- taking conversations -----------------------------------------------------

    async def claim(self, agent: AgentAccount, conversation_id: str) -> bool:
        """Take a waiting conversation; False if another agent won it first."""
        await self.customers.get(conversation_id)
        entry = await self.queue.entry(conversation_id)
        if entry is None or entry.status != "queued":
            return False
        why = unfit(await self._seat_of(agent), entry, self.clock(), self.presence.online())
        if why is not None:
            raise NotAllowed(why, UNFIT_WORDS[why])
        return await self._take(agent, conversation_id)

    async def claim_next(self, agent: AgentAccount) -> str | None:
        """The best waiting conversation this agent may take, taken; None if there is none."""
        for _ in range(5):  # another agent may win the one we picked; pick again
            entry = next_for(
                await self._seat_of(agent),
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

    async def dispatch(self) -> None:
        """Auto-assignment: every waiting conversation an available fit agent can take.

        One pass at a time, over one reading of the agents' load, so concurrent triggers
        cannot together push an agent past capacity.
        """
        if not self._queue_policy.auto_assign:
            return
        async with self._dispatching:
            now = self.clock()
            seats = await self.seats()
            line = in_line(await self.queue.open_entries(), now, self._queue_policy.aging_minutes)
            for entry in line:
                if not any(s.available and s.active < s.capacity for s in seats):
                    break
                seat = best_agent(entry, seats, now)
                if seat is None:
                    continue
                try:
                    taken = await self._take(self._accounts[seat.id], entry.conversation_id)
                except NotAllowed:  # filled up meanwhile by a claim of their own
                    seat.active = seat.capacity
                    continue
                if taken:
                    seat.active += 1
                    seat.last_assigned = self.presence.last_assigned(seat.id)

    async def _take(self, agent: AgentAccount, conversation_id: str) -> bool:
        """Claim for an agent; capacity is counted in the same transaction as the claim,
        under the agent's lock, so claims on several workers cannot overfill a seat."""
        async with self.work.change() as change:
            conn = change.conn
            await conn.lock(agent_topic(agent.id))
            if await self.log.chats_of_agent(conn, agent.id) >= agent.capacity:
                raise NotAllowed("at_capacity", UNFIT_WORDS["at_capacity"])
            if not await self.queue.claim(conn, conversation_id, agent.id):
                return False
            change.record(
                await change_mode(conn, conversation_id, "human", agent.id, agent_name=agent.name)
            )
        self.presence.assigned(agent.id)
        await self.show(agent_topic(agent.id), conversation_id)
        self.announce()
        log.info("claimed", extra={"conversation_id": conversation_id, "agent_id": agent.id})
        return True

    async def show(self, topic: str, conversation_id: str) -> None:
        """Send a conversation's full history to a topic's sockets, which then follow it.

        The `watch` frame goes first so that the sockets follow live events from before
        the snapshot is read: an event may then arrive twice (clients keep one per seq)
        but never not at all.
        """
        self.bus.publish(topic, control("watch", conversation_id))
        await self.bus.flush()
        self.bus.publish(topic, await self.snapshot(conversation_id))

    async def snapshot(self, conversation_id: str) -> ServerFrame:
        conversation = await self.customers.get(conversation_id)
        events = await self.log.events_after(conversation_id, 0)
        entry = await self.queue.entry(conversation_id)
        return control(
            "conversation",
            conversation_id,
            mode=conversation.mode,
            agent_id=conversation.agent_id,
            events=[e.model_dump(mode="json") for e in events],
            entry=self.describe(entry) if entry else None,
        )

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
            await self.customers.keep_originals(conn, conversation_id, redaction)
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
            await self.customers.keep_originals(conn, conversation_id, redaction)
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
            await self.customers.keep_originals(conn, conversation_id, redaction)
            event = await self.log.append(
                conn,
                conversation_id,
                "note",
                {
                    "author_id": agent.id,
                    "author_name": agent.name,
                    "text": redaction.text,
                    "redacted": [f.placeholder for f in redaction.findings],
                },
            )
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
            await self.customers.keep_originals(conn, conversation_id, redaction)
            await self.queue.requeue(
                conn,
                conversation_id,
                preferred_agent=to_agent,
                preferred_for=timedelta(minutes=self._queue_policy.preferred_agent_minutes),
                skills=[to_skill] if to_skill else [],
            )
            change.record(
                await self.log.append(
                    conn,
                    conversation_id,
                    "note",
                    {
                        "author_id": agent.id,
                        "author_name": agent.name,
                        "text": redaction.text,
                        "transfer_to": target,
                    },
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
        await self.queue_changed(conversation_id)

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
            await self.queue_changed(conversation.id)

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
        self.announce()
        await self.dispatch()
        log.info(mode, extra={"conversation_id": conversation_id, "agent_id": agent.id})

    async def watch(self, agent: AgentAccount, conversation_id: str, topic: str) -> None:
        if not agent.supervises:
            raise NotAllowed("forbidden", "Only supervisors can watch other agents' chats.")
        await self.customers.get(conversation_id)
        await self.show(topic, conversation_id)

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
                await self.customers.keep_originals(conn, conversation_id, redaction)
            return await add_label(
                conn,
                conversation_id,
                agent.id,
                kind,
                article_id,
                redaction.text if redaction is not None else "",
                self.clock().isoformat(),
            )

    # -- the queue as everyone sees it --------------------------------------------

    async def queue_changed(self, new_conversation_id: str | None = None) -> None:
        if new_conversation_id is not None:
            entry = await self.queue.entry(new_conversation_id)
            if entry is not None:
                self.bus.publish(
                    AGENTS, control("handoff", new_conversation_id, entry=self.describe(entry))
                )
        await self.dispatch()
        self.announce()

    def announce(self) -> None:
        """Tell every waiting customer their place in line, and agents the queue and roster.

        Coalesced: a burst of changes (a dispatch taking ten conversations, fifty customers
        escalating at once) is announced once, after it, instead of once per change.
        """
        if not self._announcing:
            self._announcing = True
            self._later(self._announce_now())

    async def _announce_now(self) -> None:
        await asyncio.sleep(0)
        self._announcing = False
        entries = await self.queue.open_entries()
        for conversation_id, frame in (await self._position_frames(entries)).items():
            self.bus.publish(conversation_id, frame)
        changes = self._queue_changes(entries)
        if changes is not None:
            self.bus.publish(AGENTS, changes)
        self.bus.publish(AGENTS, await self.roster())
        if self.bus.has_subscribers(SUPERVISORS):
            self.bus.publish(SUPERVISORS, await self.dashboard(entries))

    async def _position_frames(self, entries: list[QueueEntry]) -> dict[str, ServerFrame]:
        """Each waiting customer's place in line and expected wait, by conversation."""
        now = self.clock()
        line = in_line(entries, now, self._queue_policy.aging_minutes)
        if not line:
            return {}
        typical = None
        if self.presence.anyone_available():
            typical = typical_waits(
                await self.queue.waits_since(now - WAIT_HISTORY), self._queue_policy.sla_minutes
            )
        frames = {}
        for position, entry in enumerate(line, start=1):
            data = QueuePositionData(position=position)
            if typical is not None:
                wait = expected_wait(entry, typical, now)
                data.expected_wait_seconds = round(wait.seconds)
                data.wait_basis = wait.basis
            frames[entry.conversation_id] = control(
                "queue_position", entry.conversation_id, **data.model_dump()
            )
        return frames

    async def position_frame(self, conversation_id: str) -> ServerFrame | None:
        """The `queue_position` frame for one conversation, if it is waiting in line."""
        frames = await self._position_frames(await self.queue.open_entries())
        return frames.get(conversation_id)

    async def dashboard(self, entries: list[QueueEntry] | None = None) -> ServerFrame:
        """The supervisors' dashboard as of now (see dashboard.py)."""
        data = await build_dashboard(
            self.queue,
            self.log,
            self.settings.policy,
            await self.queue.open_entries() if entries is None else entries,
            await self._floor(),
            self.clock(),
        )
        return control("dashboard", **data.model_dump(mode="json"))

    async def _floor(self) -> list[AgentOnFloor]:
        """Every agent account with its presence and the conversations it has now."""
        seats = {s.id: s for s in await self.seats()}
        return [
            AgentOnFloor(
                id=a.id,
                name=a.name,
                status=self.presence.status(a.id),
                active=seats[a.id].active if a.id in seats else 0,
                capacity=a.capacity,
            )
            for a in self.settings.agents
        ]

    async def roster(self) -> ServerFrame:
        skills = {
            a.id: {"skills": a.skills, "languages": a.languages} for a in self.settings.agents
        }
        return control(
            "roster",
            agents=[agent.model_dump() | skills[agent.id] for agent in await self._floor()],
        )

    def describe(self, entry: QueueEntry) -> dict[str, Any]:
        """A queue entry as agents see it, with names and the priority after aging."""
        now = self.clock()
        names = {a.id: a.name for a in self.settings.agents}
        return entry.model_dump(mode="json") | {
            "claimed_by_name": names.get(entry.claimed_by or ""),
            "reserved_for": names.get(entry.reserved_for(now) or ""),
            "effective_priority": effective_priority(entry, now, self._queue_policy.aging_minutes),
        }

    def _queue_items(self, entries: list[QueueEntry]) -> list[dict[str, Any]]:
        """Queue entries without transcripts: those come with the handoff and the snapshot,
        and re-sending every transcript on every change would grow with the line's square."""
        items = [self.describe(e) for e in entries]
        for item in items:
            item["packet"].pop("transcript", None)
        return items

    def _queue_changes(self, entries: list[QueueEntry]) -> ServerFrame | None:
        """What changed in the queue since this worker last announced it, or None.

        Each change used to send the whole queue to every agent (63 KB at 44 waiting);
        an entry added, changed (claimed, aged, re-reserved) or removed is sent alone.
        Entries are whole, so applying them is idempotent: an agent that got a newer
        snapshot, or the same change from another worker, ends up with the same queue.
        """
        now = {item["conversation_id"]: item for item in self._queue_items(entries)}
        before, self._announced = self._announced, now
        added = [item for key, item in now.items() if key not in before]
        changed = [item for key, item in now.items() if key in before and before[key] != item]
        removed = [key for key in before if key not in now]
        if not (added or changed or removed):
            return None
        return control("queue_update", added=added, changed=changed, removed=removed)

    async def queue_frame(self) -> ServerFrame:
        """The whole queue, for an agent who just signed in (changes follow as updates)."""
        return control("queue", items=self._queue_items(await self.queue.open_entries()))

    async def watch_slas(self) -> None:
        """Runs for the server's lifetime: each SLA breach is announced to agents once, and
        supervisors get the dashboard again (ratings, resolutions by the bot and handle times
        change without any queue change to push them)."""
        while True:
            await asyncio.sleep(self._queue_policy.sla_check_seconds)
            if self.bus.has_subscribers(SUPERVISORS):
                self.bus.publish(SUPERVISORS, await self.dashboard())
            now = self.clock()
            for entry in await self.queue.open_entries():
                late = entry.status == "queued" and entry.sla_deadline < now
                if late and await self.queue.mark_breached(entry.conversation_id):
                    overdue = round((now - entry.sla_deadline).total_seconds(), 1)
                    log.warning("sla breached", extra={"conversation_id": entry.conversation_id})
                    self.bus.publish(
                        AGENTS,
                        control(
                            "sla_breach",
                            entry.conversation_id,
                            priority=entry.priority,
                            deadline=entry.sla_deadline.isoformat(),
                            overdue_seconds=overdue,
                        ),
                    )
