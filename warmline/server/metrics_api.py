"""Metrics for operators: Prometheus text at /metrics, LLM usage detail at /v1/metrics/llm.

/metrics carries totals only, so it can be scraped without exposing conversation ids:
LLM requests, tokens, cost and failures, the queue (waiting, with an agent, past SLA,
the oldest wait), this worker's open sockets, and the process counters of
`telemetry.py` (turn latency, escalations by reason, errors by code, refused
sockets). The per-conversation, per-day LLM breakdown sits behind the operator token.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse

from warmline.config import Settings
from warmline.handoff.queue import QueueEntry
from warmline.server.operators import operator_only
from warmline.server.runtime import Runtime
from warmline.server.telemetry import PROCESS_METRICS
from warmline.storage.usage import UsageRow


def _oldest_wait(entries: list[QueueEntry]) -> float:
    """Seconds the longest-waiting conversation has waited for a person (0 when none)."""
    since = [e.waiting_since for e in entries if e.status == "queued"]
    return (datetime.now(UTC) - min(since)).total_seconds() if since else 0.0


def metrics_router(settings: Settings, runtime: Callable[[], Runtime]) -> APIRouter:
    router = APIRouter(tags=["metrics"])

    @router.get("/metrics", response_class=PlainTextResponse)
    async def prometheus() -> str:
        current = runtime()
        rows = await current.usage.rows()
        today = datetime.now(UTC).date().isoformat()
        entries = await current.service.queue.open_entries()
        failures = current.llm.usage.failures if current.llm else 0
        lines = [
            ("warmline_llm_requests_total", "counter", sum(r.requests for r in rows)),
            ("warmline_llm_prompt_tokens_total", "counter", sum(r.prompt_tokens for r in rows)),
            (
                "warmline_llm_completion_tokens_total",
                "counter",
                sum(r.completion_tokens for r in rows),
            ),
            ("warmline_llm_cost_usd_total", "counter", sum(r.cost_usd for r in rows)),
            (
                "warmline_llm_cost_usd_today",
                "gauge",
                sum(r.cost_usd for r in rows if r.day == today),
            ),
            ("warmline_llm_failures_process_total", "counter", failures),
            ("warmline_queue_waiting", "gauge", sum(e.status == "queued" for e in entries)),
            ("warmline_queue_with_agent", "gauge", sum(e.status == "claimed" for e in entries)),
            (
                "warmline_queue_sla_breached",
                "gauge",
                sum(e.breached_at is not None and e.status == "queued" for e in entries),
            ),
            ("warmline_queue_oldest_wait_seconds", "gauge", _oldest_wait(entries)),
        ]
        sockets = current.gate.counts()
        return (
            "".join(
                f"# TYPE {name} {kind}\n{name} {round(value, 6)}\n" for name, kind, value in lines
            )
            + "# TYPE warmline_sockets_open gauge\n"
            + "".join(f'warmline_sockets_open{{endpoint="{e}"}} {n}\n' for e, n in sockets.items())
            + "".join(metric.render() for metric in PROCESS_METRICS)
        )

    @router.get("/v1/metrics/llm", dependencies=[Depends(operator_only(settings))])
    async def llm_usage(
        day: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    ) -> list[UsageRow]:
        """Tokens and cost per conversation and model, for one day or all days."""
        return await runtime().usage.rows(day)

    return router
