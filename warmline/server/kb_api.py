"""Operator endpoints for the knowledge base: stats, search, sync, export.

They sit behind a bearer token from `operator_tokens` (see operators.py).
"""

import asyncio
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse

from warmline.config import Settings
from warmline.retrieval.stats import knowledge_stats
from warmline.retrieval.store import Hit, KnowledgeStore, Mode, SearchFilters
from warmline.retrieval.sync import SyncReport, sync_folder
from warmline.server.operators import operator_only


def kb_router(settings: Settings, store: Callable[[], KnowledgeStore]) -> APIRouter:
    router = APIRouter(
        prefix="/v1/kb", dependencies=[Depends(operator_only(settings))], tags=["knowledge base"]
    )
    lock = asyncio.Lock()  # one sync at a time; searches go on meanwhile

    @router.get("/stats")
    async def stats() -> dict[str, object]:
        return await asyncio.to_thread(knowledge_stats, store())

    @router.get("/search")
    async def search(
        q: Annotated[str, Query(min_length=1, max_length=1000)],
        k: Annotated[int, Query(ge=1, le=50)] = 5,
        mode: Mode = "hybrid",
        internal: bool = False,
        language: str | None = None,
    ) -> dict[str, object]:
        filters = SearchFilters(include_internal=internal, language=language)
        hits: list[Hit] = await asyncio.to_thread(store().search, q, k, mode, filters)
        return {
            "answerable_confidence": settings.retrieval.answerable.probability(q, hits),
            "hits": [h.model_dump() for h in hits],
        }

    @router.post("/sync")
    async def sync() -> SyncReport:
        async with lock:
            return await asyncio.to_thread(sync_folder, settings.kb_path, store())

    @router.get("/export", response_class=PlainTextResponse)
    async def export() -> str:
        chunks = await asyncio.to_thread(lambda: list(store().chunks()))
        return "".join(c.model_dump_json() + "\n" for c in chunks)

    return router
