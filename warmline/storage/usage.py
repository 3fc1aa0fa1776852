"""LLM token and cost accounting, per conversation and per day.

Every model call adds to one row keyed by (day, conversation, model), so an operator
can answer "what did yesterday cost" and "which conversation used the most" without
log mining; the rows hold counts only, never text.
"""

from datetime import UTC, datetime

from pydantic import BaseModel

from warmline.storage.database import Database
from warmline.storage.statements import sql

RECORD = sql(
    "INSERT INTO llm_usage (day, conversation_id, model, requests, prompt_tokens, "
    "completion_tokens, cost_usd) "
    "VALUES (:day, :conversation_id, :model, 1, :prompt_tokens, :completion_tokens, :cost_usd) "
    "ON CONFLICT (day, conversation_id, model) DO UPDATE SET "
    "requests = llm_usage.requests + 1, "
    "prompt_tokens = llm_usage.prompt_tokens + excluded.prompt_tokens, "
    "completion_tokens = llm_usage.completion_tokens + excluded.completion_tokens, "
    "cost_usd = llm_usage.cost_usd + excluded.cost_usd"
)
ALL_ROWS = sql("SELECT * FROM llm_usage ORDER BY day, cost_usd DESC")
ROWS_OF_DAY = sql("SELECT * FROM llm_usage WHERE day = :day ORDER BY day, cost_usd DESC")


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
                RECORD,
                day=day,
                conversation_id=conversation_id or "",
                model=model,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                cost_usd=cost_usd,
            )

    async def rows(self, day: str | None = None) -> list[UsageRow]:
        if day:
            rows = await self.db.fetch_all(ROWS_OF_DAY, day=day)
        else:
            rows = await self.db.fetch_all(ALL_ROWS)
        return [UsageRow.model_validate(dict(r)) for r in rows]
