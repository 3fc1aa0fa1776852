"""The customer messages this process is taking or has taken and not yet answered, and how fast it
answers them: what a new message would wait for its own answer.

By Little's law a message that arrives behind `count` others, with answers going out at
`rate` a second, waits about `count / rate` seconds for its own; the gateway refuses a new
message as busy when that is past its budget (`server/admission.py`), so what it takes is
answered within the turn's SLA instead of every message waiting for a backlog to clear.
The rate is the answers (a reply, a handoff, the "busy" answer, an apology: anything that
ends a turn) of the last `window_s` seconds, so it follows the load as it changes. A
message counts from its arrival, since its inspection and storing take their share of the
wait under load. Each is counted once in and once out (O(1), amortised: each answer's
time is kept once and dropped once).
"""

from collections import deque

from warmline.clock import Ticks

MIN_ANSWERS = 5
"""Answers to see before any estimate: a rate from one or two answers says little."""


class InFlight:
    def __init__(self, ticks: Ticks, window_s: float = 5.0) -> None:
        self._ticks = ticks
        self._window_s = window_s
        self.count = 0
        self._answers: deque[float] = deque()  # when each answer of the window went out
        self._first: float | None = None  # the first answer ever: a window not yet full

    def arrived(self) -> None:
        """A message is being taken: inspected, stored, then answered by its turn."""
        self.count += 1

    def left(self) -> None:
        """A message that arrived was not taken after all (refused, or a resend of one
        stored): it no longer waits, and no answer went out."""
        self.count = max(0, self.count - 1)

    def answered(self) -> None:
        """A taken message's turn ended."""
        self.left()
        now = self._ticks()
        self._answers.append(now)
        if self._first is None:
            self._first = now
        self._forget(now)

    def rate(self) -> float | None:
        """Answers a second over the last window (None until `MIN_ANSWERS` in it)."""
        now = self._ticks()
        self._forget(now)
        if len(self._answers) < MIN_ANSWERS or self._first is None:
            return None
        return len(self._answers) / max(min(self._window_s, now - self._first), 1e-3)

    def wait_s(self) -> float:
        """Seconds a message taken now would wait for its answer (0 with no estimate)."""
        rate = self.rate()
        return 0.0 if rate is None else (self.count + 1) / rate

    def _forget(self, now: float) -> None:
        while self._answers and self._answers[0] < now - self._window_s:
            self._answers.popleft()
