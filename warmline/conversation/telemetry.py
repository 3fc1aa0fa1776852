"""Counters and histograms this process keeps for `/metrics`, in prometheus_client.

They count what happens in this worker (Prometheus scrapes every worker and sums);
the queue gauges, read from the shared database, are the deployment's. Labels take
values from fixed vocabularies only (error codes, escalation reason codes, refusal
reasons, endpoint names), never conversation or agent ids, so the number of series
stays bounded however many conversations there are. They live in a registry of their
own rather than the library's global one, so nothing a dependency registers leaks into
the scrape, and without `_created` series, which a scrape of totals does not need.
Declared with the conversation that counts turns and handoffs; the server adds its
socket counters to the same registry (`server/telemetry.py`) and serves it.
"""

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in the library
PROCESS_REGISTRY = CollectorRegistry()

TURN_SECONDS = Histogram(
    "warmline_turn_seconds",
    "Time from a customer message's turn starting to its answer or handoff being stored.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60),
    registry=PROCESS_REGISTRY,
)
ESCALATIONS = Counter(
    "warmline_escalations",
    "Handoffs to a person, once per reason that fired.",
    ["reason"],
    registry=PROCESS_REGISTRY,
)
ERRORS = Counter(
    "warmline_errors",
    "Error frames sent to clients by code, turns that failed (turn_failed), and turns "
    "given up after their tries (turn_given_up).",
    ["code"],
    registry=PROCESS_REGISTRY,
)
