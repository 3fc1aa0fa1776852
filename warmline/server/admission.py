"""Admission at the gateway: a customer's new message is refused at once with the
documented `busy` error when this process could not answer it within the turn's SLA.

Under overload the time is spent here before any line to the compute workers is reached,
and the workers' own admission (which counts from when the message handler started, and
allows up to `turn_answer_s` from there) never sees those seconds. Two readings, each
O(1) a message:
- how late the event loop runs: a timer that should fire every `every_s` records how much
  later it ran. A tick later than `limit_s` was spent behind; when such lateness (the
  tick overdue now included) adds up to more than half of the last `window_s`, every
  frame read, commit and acknowledgement waits for a loop with more ready work than it
  can run. One stall alone (a collection, a burst of frames, a core lent to another
  process for a moment) does not add up to that, and refusing for it would turn away
  messages the loop was about to take in time; a saturated loop is behind tick after tick;
- the backlog: the messages taken and not yet answered, over the rate answers went out
  in the last seconds (`conversation/in_flight.py`), is how long a message taken now
  would wait for its answer; past `backlog_s` it would be answered late.
Either way the endpoint answers a new `message` with `busy` before reading or writing
anything, and the client sends the same frame again after its backoff. A refusal costs a
parse and one small frame, so refusing is what lets the process catch up. "Talk to a
person" and every other frame are never refused here: they need no worker and are few.

The time is read from `ticks`, a monotonic clock in seconds (`warmline.clock.Ticks`),
which a test moves forward to make the loop look late without slowing it down.
"""

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

from warmline.clock import Ticks
from warmline.conversation.errors import Overloaded
from warmline.conversation.in_flight import InFlight
from warmline.server.telemetry import GATEWAY_REFUSALS, LOOP_LAG

LATE_SHARE = 0.5  # the share of the window spent behind past which messages are refused


class Admission:
    """The gateway's two readings and the verdict on a new customer message; `watch`
    runs for as long as the server does."""

    def __init__(
        self,
        limit_s: float,
        window_s: float,
        backlog_s: float,
        ticks: Ticks,
        every_s: float = 0.1,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limit_s, self.window_s, self.every_s = limit_s, window_s, every_s
        self.backlog_s = backlog_s
        self._ticks = ticks
        self._sleep = sleep
        self._due: float | None = None  # when the next tick should run
        # The ticks later than `limit_s` within the window: (when recorded, how late).
        self._late: deque[tuple[float, float]] = deque()

    def lag(self) -> float:
        """How late the loop runs now: the overdue tick's delay so far (0 before the
        watch starts, or when the tick is not yet due)."""
        return 0.0 if self._due is None else max(0.0, self._ticks() - self._due)

    def behind_s(self) -> float:
        """Seconds of the last `window_s` the loop spent behind: the lateness of the ticks
        later than `limit_s` in it, and of the tick overdue now if that is."""
        now = self._ticks()
        while self._late and now - self._late[0][0] >= self.window_s:
            self._late.popleft()
        overdue = self.lag()
        return sum(late for _, late in self._late) + (overdue if overdue > self.limit_s else 0.0)

    def lags(self) -> bool:
        """Whether the loop spent more than half of the last window behind."""
        return self.behind_s() > LATE_SHARE * self.window_s

    def refusal(self, in_flight: InFlight) -> str | None:
        """Why a new customer message is refused as busy now, if it is."""
        if self.lags():
            return "loop_lag"
        return "backlog" if in_flight.wait_s() > self.backlog_s else None

    def check(self, in_flight: InFlight) -> None:
        """Raise `Overloaded` (the `busy` error) for a new customer message refused now."""
        reason = self.refusal(in_flight)
        if reason is not None:
            GATEWAY_REFUSALS.labels(reason=reason).inc()
            raise Overloaded()

    def record(self, late_s: float) -> None:
        """A tick ran `late_s` seconds after it was due."""
        LOOP_LAG.set(late_s)
        if late_s > self.limit_s:
            self._late.append((self._ticks(), late_s))

    async def watch(self) -> None:
        """Tick every `every_s` for as long as the server runs, recording each delay."""
        while True:
            self._due = self._ticks() + self.every_s
            await self._sleep(self.every_s)
            self.record(max(0.0, self._ticks() - self._due))
