"""The supervisors' dashboard: how the floor is doing, pushed on every queue change.

Everything here is read from the same tables the desk writes (the open queue, the
handoff rows, the conversations), so the dashboard can never disagree with the queue
the agents see. "Today" starts at midnight in the business-hours time zone (UTC when
the policy has none), because that is the day a support lead plans by. Waiting times
go out as the moments customers started waiting, so the page's clock keeps them
current between pushes instead of showing figures frozen at the last change.
"""

from collections import Counter
from datetime import datetime, time, timedelta
from statistics import fmean, median, quantiles
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from warmline.agent.decision import REASON_WORDS, ReasonCode
from warmline.coordination.presence import Status
from warmline.handoff.policy_file import Policy
from warmline.handoff.queue import HandoffQueue, QueueEntry
from warmline.storage.conversations import ConversationLog, Mode

FloorStatus = Status | Literal["offline"]


class ReasonCount(BaseModel):
    code: ReasonCode
    words: str
    count: int


class HourOfReasons(BaseModel):
    """The handoffs made in one hour of the day, by reason (a handoff with two reasons
    counts under both)."""

    hour: datetime  # its start, in the day's time zone
    handoffs: int
    reasons: dict[ReasonCode, int]


class AgentLoad(BaseModel):
    id: str
    name: str
    status: FloorStatus
    active: int
    capacity: int
    handled_today: int
    mean_handle_seconds: float | None  # claim to close, over today's closed conversations


class DashboardData(BaseModel):
    waiting: int
    with_agent: int
    waiting_since: list[datetime]  # one per waiting customer, oldest first
    claimed_today: int
    median_wait_today_seconds: float | None  # queued → claimed, over today's latest 500 claims
    p90_wait_today_seconds: float | None
    modes: dict[Mode, int]  # today's conversations and every open one, by current mode
    conversations_today: int  # started today with a customer message or a request for a person
    ai_resolution_rate: float | None  # share of those that never went to a person
    csat_average: float | None  # ratings of conversations a person closed today
    csat_count: int
    escalations_today: list[ReasonCount]  # most frequent first
    reasons_by_hour: list[HourOfReasons]  # the day's hours up to now, oldest first
    agents: list[AgentLoad]
    day_start: datetime


class AgentOnFloor(BaseModel):
    """What the desk knows of an agent right now (presence and seats live with it)."""

    id: str
    name: str
    status: FloorStatus
    active: int
    capacity: int


def day_start(policy: Policy, now: datetime) -> datetime:
    hours = policy.business_hours
    local = now.astimezone(ZoneInfo(hours.timezone if hours else "UTC"))
    return datetime.combine(local.date(), time(), tzinfo=local.tzinfo)


def p90(values: list[float]) -> float | None:
    """The 90th percentile (inclusive method: a single value is its own percentile)."""
    if len(values) < 2:
        return values[0] if values else None
    return quantiles(values, n=10, method="inclusive")[-1]


def _by_hour(
    handoffs: list[tuple[datetime, set[str]]], since: datetime, now: datetime
) -> list[HourOfReasons]:
    hours = int((now - since).total_seconds() // 3600) + 1
    counts: list[Counter[ReasonCode]] = [Counter() for _ in range(hours)]
    totals = [0] * hours
    for made, codes in handoffs:
        slot = int((made - since).total_seconds() // 3600)
        if 0 <= slot < hours:
            totals[slot] += 1
            counts[slot].update(c for c in REASON_WORDS if c in codes)
    return [
        HourOfReasons(hour=since + timedelta(hours=i), handoffs=totals[i], reasons=dict(counts[i]))
        for i in range(hours)
    ]


def _agents(floor: list[AgentOnFloor], handled: list[tuple[str, float]]) -> list[AgentLoad]:
    seconds: dict[str, list[float]] = {}
    for agent_id, spent in handled:
        seconds.setdefault(agent_id, []).append(spent)
    return [
        AgentLoad(
            **agent.model_dump(),
            handled_today=len(seconds.get(agent.id, [])),
            mean_handle_seconds=fmean(seconds[agent.id]) if agent.id in seconds else None,
        )
        for agent in floor
    ]


async def build_dashboard(
    queue: HandoffQueue,
    log: ConversationLog,
    policy: Policy,
    entries: list[QueueEntry],
    floor: list[AgentOnFloor],
    now: datetime,
) -> DashboardData:
    since = day_start(policy, now)
    waits = [seconds for _, seconds in await queue.waits_since(since)]
    handoffs = await queue.reasons_since(since)
    reasons = Counter(code for _, codes in handoffs for code in codes)
    started, handed = await queue.handed_over_share(since)
    ratings = await queue.csat_since(since)
    return DashboardData(
        waiting=sum(e.status == "queued" for e in entries),
        with_agent=sum(e.status == "claimed" for e in entries),
        waiting_since=sorted(e.waiting_since for e in entries if e.status == "queued"),
        claimed_today=await queue.claims_since(since),
        median_wait_today_seconds=median(waits) if waits else None,
        p90_wait_today_seconds=p90(waits),
        modes=await log.count_by_mode(since),
        conversations_today=started,
        ai_resolution_rate=(started - handed) / started if started else None,
        csat_average=fmean(ratings) if ratings else None,
        csat_count=len(ratings),
        escalations_today=sorted(
            (
                ReasonCount(code=code, words=words, count=reasons[code])
                for code, words in REASON_WORDS.items()
                if code in reasons
            ),
            key=lambda r: -r.count,
        ),
        reasons_by_hour=_by_hour(handoffs, since, now),
        agents=_agents(floor, await queue.handled_since(since)),
        day_start=since,
    )
