"""How long a waiting customer should expect to wait: pure functions over past waits.

The estimate is the median time from queued to claimed over recent claims of the same
priority: the median because one conversation left waiting overnight should not move
everyone's estimate, and per priority because an urgent chat is picked up in a
different time than a low one. With too few recent claims to trust (a new deployment,
a quiet night) the policy's SLA for the priority stands in: it is the time the team
has committed to. What the customer has already waited is taken off, never below a
minute, so a long wait is not announced as "any second now".
"""

from datetime import datetime, timedelta
from statistics import median
from typing import Literal

from pydantic import BaseModel

from warmline.agent.decision import Priority
from warmline.handoff.queue import QueueEntry

HISTORY = timedelta(hours=24)  # claims older than this no longer describe the team's pace
MIN_SAMPLES = 3  # fewer recent claims than this and the SLA is the better guess
FLOOR_SECONDS = 60

WaitBasis = Literal["recent_median", "sla"]


class Wait(BaseModel):
    """A priority's typical wait and where the figure comes from."""

    seconds: float
    basis: WaitBasis


def typical_waits(
    samples: list[tuple[Priority, float]], sla_minutes: dict[Priority, float]
) -> dict[Priority, Wait]:
    """The median recent wait per priority, or its SLA when there is too little history."""
    waits: dict[Priority, Wait] = {}
    for priority, minutes in sla_minutes.items():
        seen = [seconds for of, seconds in samples if of == priority]
        waits[priority] = (
            Wait(seconds=median(seen), basis="recent_median")
            if len(seen) >= MIN_SAMPLES
            else Wait(seconds=minutes * 60, basis="sla")
        )
    return waits


def expected_wait(entry: QueueEntry, typical: dict[Priority, Wait], now: datetime) -> Wait:
    """What is left of the typical wait for this entry's priority, at least a minute."""
    wait = typical[entry.priority]
    waited = (now - entry.waiting_since).total_seconds()
    return Wait(seconds=max(FLOOR_SECONDS, wait.seconds - waited), basis=wait.basis)
