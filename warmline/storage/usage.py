"""LLM token and cost accounting, per conversation and per day.

Every model call adds to one row keyed by (day, conversation, model), so an operator
can answer "what did yesterday cost" and "which conversation used the most" without
log mining; the rows hold counts only, never text.
"""

from datetime import UTC, datetime

from pydantic import BaseModel

from warmline.storage.database import Database


class UsageRow(BaseModel):
    day: str
    conversation_id: str
    model: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


class UsageLedger:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        conversation_id: str | None,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: float,
    ) -> None:
        day = datetime.now(UTC).date().isoformat()
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO llm_usage (day, conversation_id, model, requests, prompt_tokens, "
                "completion_tokens, cost_usd) VALUES (?, ?, ?, 1, ?, ?, ?) "
                "ON CONFLICT (day, conversation_id, model) DO UPDATE SET "
                "requests = llm_usage.requests + 1, "
                "prompt_tokens = llm_usage.prompt_tokens + excluded.prompt_tokens, "
                "completion_tokens = llm_usage.completion_tokens + excluded.completion_tokens, "
                "cost_usd = llm_usage.cost_usd + excluded.cost_usd",
                (day, conversation_id or "", model, prompt_tokens, completion_tokens, cost_usd),
            )

    async def rows(self, day: str | None = None) -> list[UsageRow]:
        where = " WHERE day = ?" if day else ""
        rows = await self.db.fetch_all(
            f"SELECT * FROM llm_usage{where} ORDER BY day, cost_usd DESC", *([day] if day else [])
        )
        return [UsageRow.model_validate(dict(r)) for r in rows]
