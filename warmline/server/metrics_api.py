"""Metrics for operators: Prometheus text at /metrics, LLM usage detail at /v1/metrics/llm.

/metrics carries totals only (LLM requests, tokens, cost, failures, today's cost,
queue length and SLA breaches), so it can be scraped without exposing conversation
ids; the per-conversation, per-day breakdown sits behind the operator token.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse

from warmline.config import Settings
from warmline.server.operators import operator_only
from warmline.server.runtime import Runtime
from warmline.storage.usage import UsageRow


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
        ]
        return "".join(
            f"# TYPE {name} {kind}\n{name} {round(value, 6)}\n" for name, kind, value in lines
        )

    @router.get("/v1/metrics/llm", dependencies=[Depends(operator_only(settings))])
    async def llm_usage(
        day: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    ) -> list[UsageRow]:
        """Tokens and cost per conversation and model, for one day or all days."""
        return await runtime().usage.rows(day)

    return router
