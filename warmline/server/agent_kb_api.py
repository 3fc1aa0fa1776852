"""Knowledge-base search for agents: the console panel that finds an article to send.

It sits behind the agent's own token (the one the console signs in with), never an
operator token, so the console holds no credential that could sync or export the
knowledge base. It runs the bot's own retrieval, and returns only what a customer may
be sent: public, current, unquarantined articles, one result per article with its
best-matching passage as the snippet.
"""

import asyncio
import re
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from warmline.config import Settings
from warmline.retrieval.store import Hit, KnowledgeStore, SearchFilters
from warmline.server.operators import agent_only

PASSAGES_PER_ARTICLE = 3  # an article often matches with several chunks: fetch enough to fill k
SNIPPET_CHARS = 200


class ArticleMatch(BaseModel):
    article_id: str
    title: str
    url: str
    section: str
    snippet: str


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The passage as plain text on one line (no list bullets or emphasis marks: the
    console shows it as text), cut at a word boundary."""
    plain = re.sub(r"(?m)^\s*(?:[-+*>]|#+|\d+[.)])\s+|\*\*|__|`", "", text)
    flat = re.sub(r"\s+", " ", plain).strip()
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "\u2026"


def best_per_article(hits: list[Hit], k: int) -> list[ArticleMatch]:
    """Hits arrive best first, so the first passage seen of an article is its best."""
    matches: dict[str, ArticleMatch] = {}
    for hit in hits:
        chunk = hit.chunk
        if chunk.article_id not in matches:
            matches[chunk.article_id] = ArticleMatch(
                article_id=chunk.article_id,
                title=chunk.title,
                url=chunk.url,
                section=chunk.section,
                snippet=snippet(chunk.text),
            )
    return list(matches.values())[:k]


def agent_kb_router(settings: Settings, store: Callable[[], KnowledgeStore]) -> APIRouter:
    router = APIRouter(
        prefix="/v1/agent/kb",
        dependencies=[Depends(agent_only(settings))],
        tags=["agent console"],
    )

    @router.get("/search")
    async def search(
        q: Annotated[str, Query(min_length=1, max_length=500)],
        k: Annotated[int, Query(ge=1, le=10)] = 5,
    ) -> list[ArticleMatch]:
        # The console shows passages, not the answerable confidence: no coverage pass.
        hits: list[Hit] = await asyncio.to_thread(
            store().search,
            q,
            k * PASSAGES_PER_ARTICLE,
            settings.retrieval.mode,
            SearchFilters(),
            confidence=False,
        )
        return best_per_article(hits, k)

    return router
