"""The supervisor's dashboard: how the floor is doing, pushed on every queue change.

Everything here is read from the same tables the desk writes (the open queue, the
handoff rows, the conversations), so the dashboard can never disagree with the queue
the agents see. "Today" starts at midnight in the business-hours time zone (UTC when
the policy has none), because that is the day a support lead plans by. Waiting times
go out as the moments customers started waiting, so the console's clock keeps them
current between pushes instead of showing figures frozen at the last change.
"""

from datetime import datetime, time
from statistics import median
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from warmline.agent.decision import REASON_WORDS, ReasonCode
from warmline.handoff.policy_file import Policy
from warmline.handoff.queue import HandoffQueue, QueueEntry
from warmline.storage.conversations import ConversationLog, Mode


class ReasonCount(BaseModel):
    code: ReasonCode
    words: str
    count: int


class DashboardData(BaseModel):
    waiting: int
    with_agent: int
    waiting_since: list[datetime]  # one per waiting customer, oldest first
    claimed_today: int
    median_wait_today_seconds: float | None  # queued → claimed, over today's latest 500 claims
    modes: dict[Mode, int]  # today's conversations and every open one, by current mode
    escalations_today: list[ReasonCount]  # most frequent first
    day_start: datetime


def day_start(policy: Policy, now: datetime) -> datetime:
    hours = policy.business_hours
    local = now.astimezone(ZoneInfo(hours.timezone if hours else "UTC"))
    return datetime.combine(local.date(), time(), tzinfo=local.tzinfo)


async def build_dashboard(
    queue: HandoffQueue,
    log: ConversationLog,
    policy: Policy,
    entries: list[QueueEntry],
    now: datetime,
) -> DashboardData:
    since = day_start(policy, now)
    waits = [seconds for _, seconds in await queue.waits_since(since)]
    reasons = await queue.reason_counts(since)
    return DashboardData(
        waiting=sum(e.status == "queued" for e in entries),
        with_agent=sum(e.status == "claimed" for e in entries),
        waiting_since=sorted(e.waiting_since for e in entries if e.status == "queued"),
        claimed_today=await queue.claims_since(since),
        median_wait_today_seconds=median(waits) if waits else None,
        modes=await log.count_by_mode(since),
        escalations_today=sorted(
            (
                ReasonCount(code=code, words=words, count=reasons[code])
                for code, words in REASON_WORDS.items()
                if code in reasons
            ),
            key=lambda r: -r.count,
        ),
        day_start=since,
    )
