"""Incremental sync of a folder of articles into the store.

Only articles whose content hash changed are re-embedded; articles that were
removed, or have expired, lose their chunks; a second run with nothing changed
embeds nothing. Chunks that read as prompt injections are quarantined: kept for
review, never retrieved for a customer.
"""

from datetime import date
from pathlib import Path

from pydantic import BaseModel

from warmline.guardrails.injection import screen_injection
from warmline.retrieval.articles import load_articles
from warmline.retrieval.chunking import Chunk, chunk_article
from warmline.retrieval.store import KnowledgeStore

PROGRESS_AFTER = 200


class SyncReport(BaseModel):
    added: list[str]
    updated: list[str]
    removed: list[str]
    expired: list[str]
    unchanged: int
    embedded_chunks: int
    quarantined_chunks: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.expired)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.removed)} removed",
            f"{len(self.expired)} expired",
            f"{self.unchanged} unchanged",
            f"{self.embedded_chunks} chunks embedded",
        ]
        if self.quarantined_chunks:
            parts.append(f"{self.quarantined_chunks} chunks quarantined as prompt injections")
        return ", ".join(parts) + "."


def screen(chunk: Chunk) -> Chunk:
    verdict = screen_injection(chunk.text)
    if not verdict.fired():
        return chunk
    return chunk.model_copy(update={"quarantined": True, "quarantine_evidence": verdict.evidence})


def sync_folder(
    folder: Path, store: KnowledgeStore, today: date | None = None, show_progress: bool = False
) -> SyncReport:
    today = today or date.today()
    articles = load_articles(folder)
    current = {a.id: a for a in articles if a.expires is None or a.expires > today}
    expired = sorted(a.id for a in articles if a.id not in current)
    indexed = store.indexed_articles()
    added = sorted(i for i in current if i not in indexed)
    updated = sorted(i for i in current if i in indexed and indexed[i] != current[i].content_hash)
    removed = sorted(i for i in indexed if i not in current and i not in expired)
    store.delete_articles([*updated, *removed, *(i for i in expired if i in indexed)])
    chunks = [screen(c) for i in [*added, *updated] for c in chunk_article(current[i])]
    before = store.embedded
    if show_progress and len(chunks) > PROGRESS_AFTER:
        from tqdm import tqdm

        with tqdm(total=len(chunks), unit="chunk", desc="embedding") as bar:
            store.upsert(chunks, progress=bar.update)
    else:
        store.upsert(chunks)
    return SyncReport(
        added=added,
        updated=updated,
        removed=removed,
        expired=[i for i in expired if i in indexed],
        unchanged=len(current) - len(added) - len(updated),
        embedded_chunks=store.embedded - before,
        quarantined_chunks=sum(c.quarantined for c in chunks),
    )
