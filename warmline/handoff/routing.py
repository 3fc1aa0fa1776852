"""Who should take which waiting conversation: pure functions over the queue and agents.

Order: priority raised by waiting time (aging), so a normal conversation that has
waited long enough is served before a fresh high one and nothing starves. Fit:
an agent takes a conversation only with every skill it needs, its language, and a
free seat; a conversation reserved for an agent (the one who had it, or a named
colleague after a transfer) waits for that agent while they are online and the
reservation lasts. Supervisors and admins may take anything they have room for.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from warmline.handoff.queue import PRIORITY_RANK, QueueEntry

Unfit = Literal["at_capacity", "missing_skill", "wrong_language", "reserved"]
UNFIT_WORDS: dict[Unfit, str] = {
    "at_capacity": "You are at your limit of concurrent conversations.",
    "missing_skill": "This conversation needs a skill you do not have.",
    "wrong_language": "This conversation is in a language you do not cover.",
    "reserved": "This conversation is waiting for the agent it was handed to.",
}


class AgentSeat(BaseModel):
    """An online agent as the router sees them."""

    id: str
    skills: list[str]
    languages: list[str]
    capacity: int
    active: int
    available: bool
    overrides: bool = False
    last_assigned: float = 0.0


def _aging_steps(entry: QueueEntry, now: datetime, aging_minutes: float) -> int:
    """Whole aging periods the entry has waited by `now`: one count for the priority and
    for the moment it next changes (`reads_the_same_until`)."""
    waited = (now - entry.waiting_since).total_seconds() / 60
    return int(waited // aging_minutes)


def effective_priority(entry: QueueEntry, now: datetime, aging_minutes: float) -> int:
    return PRIORITY_RANK[entry.priority] + _aging_steps(entry, now, aging_minutes)


# How much earlier than the exact step `reads_the_same_until` says: the priority is
# computed in floating-point minutes, so the moment of a step is kept a millisecond clear.
_STEP_SLACK = timedelta(milliseconds=1)


def reads_the_same_until(entry: QueueEntry, now: datetime, aging_minutes: float) -> datetime:
    """A moment before which the entry's priority after aging and its reservation read as
    they do at `now` (for any moment from `now` on): its next aging step, or its
    reservation's end if that comes first. A pass over a long line then describes again
    only the entries that changed, not every entry at every pass."""
    steps = _aging_steps(entry, now, aging_minutes)
    until = entry.waiting_since + timedelta(minutes=(steps + 1) * aging_minutes) - _STEP_SLACK
    if entry.reserved_for(now) is not None and entry.preferred_until is not None:
        until = min(until, entry.preferred_until)
    return until


def reservation_ended(entries: Iterable[QueueEntry], after: datetime, until: datetime) -> bool:
    """Whether a waiting conversation's reservation ended in (`after`, `until`]: nothing
    in the line changes then, yet other agents may now take it."""
    return any(
        e.status == "queued"
        and e.preferred_agent is not None
        and e.preferred_until is not None
        and after < e.preferred_until <= until
        for e in entries
    )


def in_line(entries: Iterable[QueueEntry], now: datetime, aging_minutes: float) -> list[QueueEntry]:
    """Waiting conversations in the order they should be served."""
    waiting = [e for e in entries if e.status == "queued"]
    return sorted(
        waiting, key=lambda e: (-effective_priority(e, now, aging_minutes), e.waiting_since)
    )


def unfit(agent: AgentSeat, entry: QueueEntry, now: datetime, online: set[str]) -> Unfit | None:
    """Why this agent may not take this conversation now, or None if they may."""
    if agent.active >= agent.capacity:
        return "at_capacity"
    reserved = entry.reserved_for(now)
    if reserved and reserved != agent.id and reserved in online:
        return "reserved"
    if agent.overrides:
        return None
    if not set(entry.skills) <= set(agent.skills):
        return "missing_skill"
    if entry.language not in agent.languages:
        return "wrong_language"
    return None


def next_for(
    agent: AgentSeat,
    entries: Iterable[QueueEntry],
    now: datetime,
    aging_minutes: float,
    online: set[str],
) -> QueueEntry | None:
    """The first conversation in line this agent may take; their own reservations first."""
    line = in_line(entries, now, aging_minutes)
    mine = [e for e in line if e.reserved_for(now) == agent.id]
    return next((e for e in mine + line if unfit(agent, e, now, online) is None), None)


def best_agent(entry: QueueEntry, agents: Iterable[AgentSeat], now: datetime) -> AgentSeat | None:
    """For auto-assignment: the reserved agent if free, else the least loaded fit one."""
    seats = [a for a in agents if a.available]
    online = {a.id for a in seats}
    fit = [a for a in seats if unfit(a, entry, now, online) is None]
    reserved = entry.reserved_for(now)
    for agent in fit:
        if agent.id == reserved:
            return agent
    specialists = [a for a in fit if not a.overrides] or fit
    return min(
        specialists,
        key=lambda a: (a.active / a.capacity, a.last_assigned),
        default=None,
    )
