"""The queue as everyone sees it: customers' places in line, the agents' queue and
roster, the supervisors' dashboard, SLA breaches, and auto-assignment.

Agent and customer commands change the queue; this module tells everyone what changed
(coalesced, so a burst of changes is announced once) and hands waiting conversations
to agents with room. Commands reach it through the `Broadcast` interface they declare,
never by importing each other.
"""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from warmline.clock import Clock
from warmline.conversation.assignment import Assignment
from warmline.conversation.dashboard import AgentOnFloor, build_dashboard
from warmline.conversation.errors import NotAllowed, existing
from warmline.conversation.protocol import QueuePositionData, ServerFrame, control
from warmline.conversation.settings import ConversationSettings
from warmline.coordination.bus import AGENTS, SUPERVISORS, agent_topic
from warmline.coordination.shared import Coordination
from warmline.handoff.policy_file import QueuePolicy
from warmline.handoff.queue import HandoffQueue, QueueEntry
from warmline.handoff.routing import best_agent, effective_priority, in_line
from warmline.handoff.wait import HISTORY as WAIT_HISTORY
from warmline.handoff.wait import expected_wait, typical_waits
from warmline.storage.conversations import ConversationLog

log = logging.getLogger("warmline.desk")


class Broadcaster:
    def __init__(
        self,
        settings: ConversationSettings,
        log: ConversationLog,
        queue: HandoffQueue,
        assignment: Assignment,
        shared: Coordination[ServerFrame],
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.log = log
        self.queue = queue
        self.assignment = assignment
        self.clock = clock
        self.bus = shared.bus
        self.presence = shared.presence
        self._timers: set[asyncio.Task[None]] = set()
        self._announcing = False
        self._dispatching = asyncio.Lock()
        self._announced: dict[str, dict[str, Any]] = {}  # the queue as last sent, by conversation

    def _later(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Background work that shutdown cancels rather than waits for."""
        task = asyncio.create_task(coroutine)
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    def start(self) -> None:
        self._later(self.watch_slas())

    def stop(self) -> None:
        for task in self._timers:
            task.cancel()

    @property
    def _queue_policy(self) -> QueuePolicy:
        return self.settings.policy.queue

    # -- handing out work ----------------------------------------------------------

    async def dispatch(self) -> None:
        """Auto-assignment: every waiting conversation an available fit agent can take.

        One pass at a time, over one reading of the agents' load, so concurrent triggers
        cannot together push an agent past capacity.
        """
        if not self._queue_policy.auto_assign:
            return
        async with self._dispatching:
            now = self.clock()
            seats = await self.assignment.seats()
            line = in_line(await self.queue.open_entries(), now, self._queue_policy.aging_minutes)
            for entry in line:
                if not any(s.available and s.active < s.capacity for s in seats):
                    break
                seat = best_agent(entry, seats, now)
                if seat is None:
                    continue
                agent = self.assignment.accounts[seat.id]
                try:
                    taken = await self.assignment.take(agent, entry.conversation_id)
                except NotAllowed:  # filled up meanwhile by a claim of their own
                    seat.active = seat.capacity
                    continue
                if taken:
                    await self.claimed(agent.id, entry.conversation_id)
                    seat.active += 1
                    seat.last_assigned = self.presence.last_assigned(seat.id)

    async def claimed(self, agent_id: str, conversation_id: str) -> None:
        """A conversation just taken: the agent's sockets follow it, everyone sees the queue."""
        await self.show(agent_topic(agent_id), conversation_id)
        self.announce()

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
        conversation = await existing(self.log, conversation_id)
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

    # -- the queue as everyone sees it --------------------------------------------

    async def queue_changed(
        self, new_conversation_id: str | None = None, entry: QueueEntry | None = None
    ) -> None:
        """Tell agents of a conversation just put in line (its `entry`, if the caller has
        it, else read), then auto-assign and announce the queue."""
        if new_conversation_id is not None:
            if entry is None:
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
        seats = {s.id: s for s in await self.assignment.seats()}
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
