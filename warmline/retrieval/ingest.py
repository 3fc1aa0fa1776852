"""Load a folder of articles into the store, skipping what is expired."""

from datetime import date
from pathlib import Path

from pydantic import BaseModel

from warmline.guardrails.injection import screen_injection
from warmline.retrieval.articles import load_articles
from warmline.retrieval.chunking import Chunk, chunk_article
from warmline.retrieval.store import KnowledgeStore


class IngestReport(BaseModel):
    articles: int
    public_articles: int
    expired_skipped: int
    chunks: int
    quarantined_chunks: int


def screen(chunk: Chunk) -> Chunk:
    """Knowledge-base text is data, never instructions: a chunk that reads like a prompt
    injection is kept for review but never shown to a customer or given to a model."""
    verdict = screen_injection(chunk.text)
    if not verdict.fired():
        return chunk
    return chunk.model_copy(update={"quarantined": True, "quarantine_evidence": verdict.evidence})


def ingest_folder(folder: Path, store: KnowledgeStore, today: date | None = None) -> IngestReport:
    today = today or date.today()
    articles = load_articles(folder)
    current = [a for a in articles if a.expires is None or a.expires > today]
    chunks = [screen(chunk) for article in current for chunk in chunk_article(article)]
    store.replace_all(chunks)
    return IngestReport(
        articles=len(current),
        public_articles=sum(a.visibility == "public" for a in current),
        expired_skipped=len(articles) - len(current),
        chunks=len(chunks),
        quarantined_chunks=sum(c.quarantined for c in chunks),
    )
