"""Metrics for operators: Prometheus text at /metrics, LLM usage detail at /v1/metrics/llm.

/metrics carries totals only, so it can be scraped without exposing conversation ids:
LLM requests, tokens, cost and failures, the queue (waiting, with an agent, past SLA,
the oldest wait), this worker's open sockets, and the process counters of
`telemetry.py` (turn latency, escalations by reason, errors by code, refused
sockets). The per-conversation, per-day LLM breakdown sits behind the operator token.
"""

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from warmline.config import Settings
from warmline.conversation.telemetry import PROCESS_REGISTRY
from warmline.handoff.queue import QueueEntry
from warmline.server.operators import operator_only
from warmline.server.runtime import Runtime
from warmline.storage.usage import UsageRow


def _oldest_wait(entries: list[QueueEntry]) -> float:
    """Seconds the longest-waiting conversation has waited for a person (0 when none)."""
    since = [e.waiting_since for e in entries if e.status == "queued"]
    return (datetime.now(UTC) - min(since)).total_seconds() if since else 0.0


class _Reading(Collector):
    """Figures read from the stores for one scrape: the library's collectors are called
    synchronously, and these need awaited database reads first."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


async def _deployment(current: Runtime) -> list[Metric]:
    rows = await current.usage.rows()
    today = datetime.now(UTC).date().isoformat()
    entries = await current.service.queue.open_entries()
    failures = current.llm.usage.failures if current.llm else 0
    counters = [
        ("warmline_llm_requests", "LLM requests.", sum(r.requests for r in rows)),
        ("warmline_llm_prompt_tokens", "LLM prompt tokens.", sum(r.prompt_tokens for r in rows)),
        (
            "warmline_llm_completion_tokens",
            "LLM completion tokens.",
            sum(r.completion_tokens for r in rows),
        ),
        ("warmline_llm_cost_usd", "LLM cost in US dollars.", sum(r.cost_usd for r in rows)),
        ("warmline_llm_failures_process", "LLM calls this worker gave up on.", failures),
    ]
    gauges = [
        (
            "warmline_llm_cost_usd_today",
            "LLM cost today (UTC) in US dollars.",
            sum(r.cost_usd for r in rows if r.day == today),
        ),
        (
            "warmline_queue_waiting",
            "Conversations waiting for a person.",
            sum(e.status == "queued" for e in entries),
        ),
        (
            "warmline_queue_with_agent",
            "Conversations with an agent.",
            sum(e.status == "claimed" for e in entries),
        ),
        (
            "warmline_queue_sla_breached",
            "Waiting conversations past their SLA.",
            sum(e.breached_at is not None and e.status == "queued" for e in entries),
        ),
        (
            "warmline_queue_oldest_wait_seconds",
            "How long the longest-waiting conversation has waited.",
            _oldest_wait(entries),
        ),
    ]
    sockets = GaugeMetricFamily(
        "warmline_sockets_open", "WebSockets open on this worker.", labels=["endpoint"]
    )
    for endpoint, count in current.gate.counts().items():
        sockets.add_metric([endpoint], count)
    return [
        *(CounterMetricFamily(name, text, value=value) for name, text, value in counters),
        *(GaugeMetricFamily(name, text, value=value) for name, text, value in gauges),
        sockets,
    ]


def metrics_router(settings: Settings, runtime: Callable[[], Runtime]) -> APIRouter:
    router = APIRouter(tags=["metrics"])

    @router.get("/metrics")
    async def prometheus() -> Response:
        scrape = CollectorRegistry()
        scrape.register(_Reading(await _deployment(runtime())))
        body = generate_latest(scrape) + generate_latest(PROCESS_REGISTRY)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @router.get("/v1/metrics/llm", dependencies=[Depends(operator_only(settings))])
    async def llm_usage(
        day: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    ) -> list[UsageRow]:
        """Tokens and cost per conversation and model, for one day or all days."""
        return await runtime().usage.rows(day)

    return router
