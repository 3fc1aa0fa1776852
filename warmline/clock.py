"""The time timers read, passed in rather than looked up.

Aging, reservations, expected waits, claims, requeues, the dashboard, SLA breaches and
an agent's reconnect grace all compare stored times with "now"; a test that moves this
clock forward checks them without sleeping. It sits below every package that keeps
time (handoff, conversation, server), so each can be given the same clock.

Durations measured in the process itself (how late the event loop runs) read `Ticks`
instead: a monotonic clock in seconds, which no change of the wall clock moves, and which
a test moves on its own, so moving `Clock` by minutes does not make the loop look late.
"""

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
Ticks = Callable[[], float]
monotonic: Ticks = time.monotonic


def utc_now() -> datetime:
    """The real clock: aware UTC, as every stored time is."""
    return datetime.now(UTC)


async def wait_until(clock: Clock, moment: datetime, check_every: float) -> None:
    """Return once `clock` reads `moment` or later.

    With the real clock this sleeps until `moment` (in steps of at most `check_every`
    seconds); a clock a test moves forward is seen at the next step, so a timer of
    minutes is tested in a fraction of a second."""
    while (left := (moment - clock()).total_seconds()) > 0:  # noqa: ASYNC110 (polls the clock)
        await asyncio.sleep(min(left, check_every))
