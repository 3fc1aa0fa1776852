"""Counters and histograms this process keeps for `/metrics` (Prometheus text format).

They count what happens in this worker (Prometheus scrapes every worker and sums);
the queue gauges, read from the shared database, are the deployment's. Labels take
values from fixed vocabularies only (error codes, escalation reason codes, refusal
reasons, endpoint names), never conversation or agent ids, so the number of series
stays bounded however many conversations there are.
"""

from bisect import bisect_left
from collections import Counter as Tally


class Counter:
    def __init__(self, name: str, help_text: str, label: str | None = None) -> None:
        self.name = name
        self.help_text = help_text
        self.label = label
        self._values: Tally[str] = Tally()

    def inc(self, label_value: str = "", by: int = 1) -> None:
        self._values[label_value] += by

    def value(self, label_value: str = "") -> int:
        return self._values[label_value]

    def render(self) -> str:
        lines = [f"# HELP {self.name} {self.help_text}", f"# TYPE {self.name} counter"]
        if self.label is None:
            lines.append(f"{self.name} {self._values['']}")
        else:
            lines += [
                f'{self.name}{{{self.label}="{key}"}} {count}'
                for key, count in sorted(self._values.items())
            ]
        return "\n".join(lines) + "\n"


class Histogram:
    def __init__(self, name: str, help_text: str, buckets: tuple[float, ...]) -> None:
        self.name = name
        self.help_text = help_text
        self.buckets = buckets
        self._counts = [0] * (len(buckets) + 1)  # the last slot is +Inf
        self._sum = 0.0

    def observe(self, value: float) -> None:
        self._counts[bisect_left(self.buckets, value)] += 1
        self._sum += value

    def render(self) -> str:
        lines = [f"# HELP {self.name} {self.help_text}", f"# TYPE {self.name} histogram"]
        running = 0
        for bound, count in zip([*map(str, self.buckets), "+Inf"], self._counts, strict=True):
            running += count
            lines.append(f'{self.name}_bucket{{le="{bound}"}} {running}')
        lines += [f"{self.name}_sum {round(self._sum, 6)}", f"{self.name}_count {running}"]
        return "\n".join(lines) + "\n"


TURN_SECONDS = Histogram(
    "warmline_turn_seconds",
    "Time from a customer message's turn starting to its answer or handoff being stored.",
    (0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60),
)
ESCALATIONS = Counter(
    "warmline_escalations_total", "Handoffs to a person, once per reason that fired.", "reason"
)
ERRORS = Counter(
    "warmline_errors_total",
    "Error frames sent to clients by code, and turns that failed (turn_failed).",
    "code",
)
SOCKETS_REFUSED = Counter(
    "warmline_sockets_refused_total",
    "WebSockets refused before their hello, by reason.",
    "reason",
)

PROCESS_METRICS = (TURN_SECONDS, ESCALATIONS, ERRORS, SOCKETS_REFUSED)
