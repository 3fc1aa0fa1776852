"""The queue as everyone sees it: customers' places in line, the agents' queue and
roster, the supervisors' dashboard, SLA breaches, and auto-assignment.

Agent and customer commands change the queue; this module tells everyone what changed
(coalesced, so a burst of changes is announced once) and hands waiting conversations
to agents with room. Commands reach it through the `Broadcast` interface they declare,
never by importing each other.

A waiting customer is told their place by the server process that holds their socket,
and only when what they see changed: their place, the expected wait to the minute, or
its basis. A join at the back of a long line is then one frame, not one per customer.
The process where the queue changed tells its own customers and publishes a `line`
signal on the bus; every other process (with PostgreSQL + Redis) reads the line then
and tells its own. Each process remembers what it last told its sockets, so what it
compares with is what they were shown, whichever process changed the queue.
"""

import asyncio
import logging
import math
import secrets
from collections.abc import Coroutine
from datetime import datetime
from typing import Any, NamedTuple

from warmline.agent.decision import Priority
from warmline.clock import Clock
from warmline.conversation.assignment import Assignment
from warmline.conversation.dashboard import AgentOnFloor, build_dashboard
from warmline.conversation.errors import NotAllowed, existing
from warmline.conversation.protocol import QueuePositionData, ServerFrame, control
from warmline.conversation.settings import ConversationSettings
from warmline.coordination.bus import AGENTS, LINE, SUPERVISORS, agent_topic
from warmline.coordination.shared import Coordination
from warmline.handoff.policy_file import QueuePolicy
from warmline.handoff.queue import HandoffQueue, QueueEntry
from warmline.handoff.routing import (
    best_agent,
    effective_priority,
    in_line,
    reads_the_same_until,
    reservation_ended,
)
from warmline.handoff.wait import HISTORY as WAIT_HISTORY
from warmline.handoff.wait import Wait, expected_wait, typical_waits
from warmline.storage.conversations import ConversationLog

log = logging.getLogger("warmline.desk")

ANNOUNCE_EVERY_S = 0.1
"""Passes start at least this far apart. A pass reads the whole open queue and compares
every entry with what agents were last sent, so its cost grows with the line, and a
handoff changes the queue two or three times (put in line, its packet completed): with
passes run back to back, twenty handoffs a second made about forty passes a second over
a line that grew by twenty a second, and the serving process's CPU for the queue grew
with the square of the line. Changes made meanwhile join the next pass, which agents and
waiting customers see at most this much later; the handoff itself reaches agents at once,
outside the pass (`queue_changed`)."""


def _as_shown(place: QueuePositionData) -> tuple[int, int | None, str | None]:
    """What a customer sees of their place: the widget shows the wait in whole minutes,
    so a wait that only ticked down a few seconds is not worth a frame."""
    seconds = place.expected_wait_seconds
    return (place.position, None if seconds is None else math.ceil(seconds / 60), place.wait_basis)


class _Sent(NamedTuple):
    """An entry as last sent to agents: the entry object the queue read (it reads the
    same object back while its row is unchanged), what the time changes of it as of
    `since`, valid until `until` (`reads_the_same_until`), and the item sent."""

    entry: QueueEntry
    reserved: str | None
    priority: int
    since: datetime
    until: datetime
    item: dict[str, Any]


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
        self._for_agents = False  # the pass scheduled also tells agents (the change was here)
        self._passing = asyncio.Lock()  # passes in order: a later one never sends older news
        self._next_pass = 0.0  # the event loop's time before which no pass starts
        self._dispatching = asyncio.Lock()
        # The queue as last sent to agents, by conversation.
        self._announced: dict[str, _Sent] = {}
        # Each waiting customer with a socket here, as last told (see the module's notes).
        self._told: dict[str, tuple[int, int | None, str | None]] = {}
        self._origin = secrets.token_hex(6)  # this process, in its `line` signals

    def _later(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Background work that shutdown cancels rather than waits for."""
        task = asyncio.create_task(coroutine)
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    def start(self) -> None:
        self._later(self.watch_slas())
        self._later(self._follow_line())

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
        self._for_agents = True
        self._schedule()

    def _schedule(self) -> None:
        if not self._announcing:
            self._announcing = True
            self._later(self._announce_now())

    async def _follow_line(self) -> None:
        """Runs for the server's lifetime: the queue changed in another process, so this
        one tells the waiting customers whose sockets it holds."""
        moves: asyncio.Queue[ServerFrame] = asyncio.Queue()
        with self.bus.subscribe(LINE, moves):
            while True:
                if (await moves.get()).data.get("origin") != self._origin:
                    self._schedule()

    async def _announce_now(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await asyncio.sleep(max(0.0, self._next_pass - loop.time()))
        except asyncio.CancelledError:  # stopped while it waited: a later change schedules one
            self._announcing = False
            raise
        async with self._passing:
            self._next_pass = loop.time() + ANNOUNCE_EVERY_S
            self._announcing = False
            for_agents, self._for_agents = self._for_agents, False
            entries = await self.queue.open_entries()
            await self._tell_places(entries)
            if not for_agents:
                return
            self.bus.publish(LINE, control("line", origin=self._origin))
            changes = self._queue_changes(entries)
            if changes is not None:
                self.bus.publish(AGENTS, changes)
            self.bus.publish(AGENTS, await self.roster())
            if self.bus.has_subscribers(SUPERVISORS):
                self.bus.publish(SUPERVISORS, await self.dashboard(entries))

    async def _tell_places(self, entries: list[QueueEntry]) -> None:
        """Send `queue_position` to this process's waiting customers whose place, expected
        wait (to the minute) or its basis differs from what they were last told here."""
        if not any(
            entry.status == "queued" and self.bus.has_subscribers(entry.conversation_id)
            for entry in entries
        ):  # nobody waiting here to tell: the line need not be put in order
            self._told = {}
            return
        now = self.clock()
        line = in_line(entries, now, self._queue_policy.aging_minutes)
        here = [
            (position, entry)
            for position, entry in enumerate(line, start=1)
            if self.bus.has_subscribers(entry.conversation_id)
        ]
        told: dict[str, tuple[int, int | None, str | None]] = {}
        typical = await self._typical_waits(now) if here else None
        for position, entry in here:
            place = self._place(position, entry, typical, now)
            told[entry.conversation_id] = shown = _as_shown(place)
            if self._told.get(entry.conversation_id) != shown:
                frame = control("queue_position", entry.conversation_id, **place.model_dump())
                self.bus.deliver(entry.conversation_id, frame)
        self._told = told

    async def _typical_waits(self, now: datetime) -> dict[Priority, Wait] | None:
        """The typical wait per priority, or None while nobody could take a conversation."""
        if not self.presence.anyone_available():
            return None
        return typical_waits(
            await self.queue.waits_since(now - WAIT_HISTORY), self._queue_policy.sla_minutes
        )

    @staticmethod
    def _place(
        position: int, entry: QueueEntry, typical: dict[Priority, Wait] | None, now: datetime
    ) -> QueuePositionData:
        data = QueuePositionData(position=position)
        if typical is not None:
            wait = expected_wait(entry, typical, now)
            data.expected_wait_seconds = round(wait.seconds)
            data.wait_basis = wait.basis
        return data

    async def place(self, conversation_id: str) -> QueuePositionData | None:
        """One conversation's place in line and expected wait, if it is waiting."""
        now = self.clock()
        line = in_line(await self.queue.open_entries(), now, self._queue_policy.aging_minutes)
        for position, entry in enumerate(line, start=1):
            if entry.conversation_id == conversation_id:
                return self._place(position, entry, await self._typical_waits(now), now)
        return None

    async def position_frame(self, conversation_id: str) -> ServerFrame | None:
        """The `queue_position` frame for a socket just welcomed, if the conversation is
        waiting. It is sent on that socket directly, so the next announcement tells this
        conversation's sockets again rather than trust what was last told them."""
        place = await self.place(conversation_id)
        self._told.pop(conversation_id, None)
        if place is None:
            return None
        return control("queue_position", conversation_id, **place.model_dump())

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

    def describe(self, entry: QueueEntry, transcript: bool = True) -> dict[str, Any]:
        """A queue entry as agents see it, with names and the priority after aging.

        Without its `transcript` for the queue and its updates: that comes with the
        handoff and the snapshot, and re-sending every transcript on every change would
        grow with the line's square."""
        now = self.clock()
        names = {a.id: a.name for a in self.settings.agents}
        leave_out = None if transcript else {"packet": {"transcript"}}
        return entry.model_dump(mode="json", exclude=leave_out) | {
            "claimed_by_name": names.get(entry.claimed_by or ""),
            "reserved_for": names.get(entry.reserved_for(now) or ""),
            "effective_priority": effective_priority(entry, now, self._queue_policy.aging_minutes),
        }

    def _queue_changes(self, entries: list[QueueEntry]) -> ServerFrame | None:
        """What changed in the queue since this worker last announced it, or None.

        Each change used to send the whole queue to every agent (63 KB at 44 waiting);
        an entry added, changed (claimed, aged, re-reserved) or removed is sent alone.
        Entries are whole, so applying them is idempotent: an agent that got a newer
        snapshot, or the same change from another worker, ends up with the same queue.
        An entry is described again only when it or what the time changes of it (its
        reservation, its priority after aging) changed: the queue reads the same entry
        object back while its row is unchanged, and until the moment its aging or its
        reservation may change (`reads_the_same_until`) nothing else is computed for it,
        so a pass costs a lookup an unchanged entry, however long the line.
        """
        now = self.clock()
        aging = self._queue_policy.aging_minutes
        sent: dict[str, _Sent] = {}
        added: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for entry in entries:
            last = self._announced.get(entry.conversation_id)
            if last is not None and last.entry is entry and last.since <= now < last.until:
                sent[entry.conversation_id] = last
                continue
            reserved = entry.reserved_for(now)
            priority = effective_priority(entry, now, aging)
            until = reads_the_same_until(entry, now, aging)
            # Another object is a changed row: described and compared as sent, never
            # compared whole (its packet's transcript included).
            kept = last is not None and last.entry is entry
            if kept and last is not None and (last.reserved, last.priority) == (reserved, priority):
                sent[entry.conversation_id] = last._replace(since=now, until=until)
                continue
            item = self.describe(entry, transcript=False)
            sent[entry.conversation_id] = _Sent(entry, reserved, priority, now, until, item)
            if last is None:
                added.append(item)
            elif last.item != item:
                changed.append(item)
        removed = [key for key in self._announced if key not in sent]
        self._announced = sent
        if not (added or changed or removed):
            return None
        return control("queue_update", added=added, changed=changed, removed=removed)

    def _sent_has_aged(self, now: datetime) -> bool:
        """Whether an entry as last sent to agents may read otherwise at `now` (its next
        aging step or its reservation's end has come) though its row did not change."""
        return any(not sent.since <= now < sent.until for sent in self._announced.values())

    async def queue_frame(self) -> ServerFrame:
        """The whole queue, for an agent who just signed in (changes follow as updates)."""
        entries = await self.queue.open_entries()
        return control("queue", items=[self.describe(e, transcript=False) for e in entries])

    async def watch_slas(self) -> None:
        """Runs for the server's lifetime: each SLA breach is announced to agents once,
        supervisors get the dashboard again (ratings, resolutions by the bot and handle times
        change without any queue change to push them), and this process's waiting customers
        whose expected wait has ticked down to another minute are told so (a quiet line
        has no change to tell it, and the widget would go on showing the first promise).
        Agents get a pass too once an entry they were sent has aged a step or lost its
        reservation (`reads_the_same_until`), and auto-assignment runs once a waiting
        conversation's reservation has ended since the last look: a quiet line would go
        on showing agents its old order and "reserved for" an agent it no longer waits
        for, and a free fit agent would not be given the conversation."""
        looked = self.clock()
        while True:
            await asyncio.sleep(self._queue_policy.sla_check_seconds)
            async with self._passing:  # read inside: a pass never tells older news
                entries = await self.queue.open_entries()
                await self._tell_places(entries)
                previous, looked = looked, self.clock()
                if self._sent_has_aged(looked):
                    self.announce()
            if reservation_ended(entries, previous, looked):
                await self.dispatch()
            if self.bus.has_subscribers(SUPERVISORS):
                self.bus.publish(SUPERVISORS, await self.dashboard(entries))
            now = self.clock()
            for entry in entries:
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
