"""Incremental sync of a folder of articles into the store.

Only articles whose content hash changed are re-embedded; articles that were
removed, or have expired, lose their chunks; a second run with nothing changed
embeds nothing. An article that reads as a prompt injection or asks customers for
card details, passwords or gift cards is quarantined whole: its chunks are kept for
review but never retrieved for a customer, because a planted paragraph taints the
page it sits on. Files that give no article are listed with the reason, so an
export that does not parse is never mistaken for an empty help center.
"""

import logging
from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field

from warmline.guardrails.injection import screen_article
from warmline.retrieval.articles import Article, SkippedFile, scan_folder
from warmline.retrieval.chunking import Chunk, chunk_article
from warmline.retrieval.store import KnowledgeStore

PROGRESS_AFTER = 200
log = logging.getLogger("warmline.sync")


class StoredTokenVectors(BaseModel):
    """How many chunks' token vectors the embedded index stores for the confidence's
    coverage; the rest are computed at their first search, in every process."""

    stored: int
    past_budget: int
    filled: int = Field(description="chunks indexed earlier whose token vectors were added now")
    budget_mib: int

    def summary(self) -> str:
        return (
            f"token vectors: {self.stored} chunks stored, {self.past_budget} past the "
            f"{self.budget_mib} MiB budget (computed at their first search; "
            "retrieval.token_vectors_mib raises it)"
        )


class SyncReport(BaseModel):
    added: list[str]
    updated: list[str]
    removed: list[str]
    expired: list[str]
    unchanged: int
    embedded_chunks: int
    quarantined_chunks: int
    quarantined: dict[str, list[str]] = Field(
        default_factory=dict, description="article id → why it is kept from customers"
    )
    skipped: list[SkippedFile] = Field(default_factory=list)
    token_vectors: StoredTokenVectors | None = Field(
        None, description="what the embedded index stores for coverage; None on a Qdrant server"
    )

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.expired)

    def summary(self) -> str:
        """One line of counts, then one line per quarantined article and skipped file."""
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.removed)} removed",
            f"{len(self.expired)} expired",
            f"{self.unchanged} unchanged",
            f"{self.embedded_chunks} chunks embedded",
        ]
        if self.quarantined:
            parts.append(f"{len(self.quarantined)} articles quarantined")
        if self.skipped:
            parts.append(f"{len(self.skipped)} files skipped")
        lines = [", ".join(parts) + "."]
        lines += [
            f"  quarantined: {article_id}: {'; '.join(reasons)}"
            for article_id, reasons in self.quarantined.items()
        ]
        lines += [f"  skipped: {s.path}: {s.reason}" for s in self.skipped]
        if self.token_vectors and self.token_vectors.past_budget:
            lines.append("  " + self.token_vectors.summary())
        return "\n".join(lines)


def indexed_hash(article: Article, reasons: list[str]) -> str:
    """The hash stored with the article's chunks, marked when they are quarantined.

    The verdict is part of it so that an article indexed before the screen learned to
    catch it counts as changed and is quarantined on the next sync.
    """
    return f"{article.content_hash}+quarantined" if reasons else article.content_hash


def screened_chunks(article: Article, reasons: list[str]) -> list[Chunk]:
    """The article's chunks, every one quarantined with the reasons if the article failed."""
    chunks = chunk_article(article)
    if not reasons:
        return chunks
    update = {
        "quarantined": True,
        "quarantine_evidence": reasons,
        "content_hash": indexed_hash(article, reasons),
    }
    return [c.model_copy(update=update) for c in chunks]


def sync_folder(
    folder: Path, store: KnowledgeStore, today: date | None = None, show_progress: bool = False
) -> SyncReport:
    today = today or date.today()
    articles, skipped = scan_folder(folder)
    current = {a.id: a for a in articles if a.expires is None or a.expires > today}
    expired = sorted(a.id for a in articles if a.id not in current)
    # Every current article is screened (cheap, and linear in its length), so a second
    # sync still lists what stays quarantined rather than only what changed.
    reasons = {i: screen_article(f"{a.title}\n{a.body}") for i, a in current.items()}
    expected = {i: indexed_hash(a, reasons[i]) for i, a in current.items()}
    indexed = store.indexed_articles()
    added = sorted(i for i in current if i not in indexed)
    updated = sorted(i for i in current if i in indexed and indexed[i] != expected[i])
    removed = sorted(i for i in indexed if i not in current and i not in expired)
    store.delete_articles([*updated, *removed, *(i for i in expired if i in indexed)])
    chunks = [c for i in [*added, *updated] for c in screened_chunks(current[i], reasons[i])]
    before = store.embedded
    if show_progress and len(chunks) > PROGRESS_AFTER:
        from tqdm import tqdm

        with tqdm(total=len(chunks), unit="chunk", desc="embedding") as bar:
            store.upsert(chunks, progress=bar.update)
    else:
        store.upsert(chunks)
    store.fill_passages()
    embedded = store.embedded - before
    return SyncReport(
        added=added,
        updated=updated,
        removed=removed,
        expired=[i for i in expired if i in indexed],
        unchanged=len(current) - len(added) - len(updated),
        embedded_chunks=embedded,
        quarantined_chunks=sum(c.quarantined for c in chunks),
        quarantined={i: reasons[i] for i in sorted(current) if reasons[i]},
        skipped=skipped,
        token_vectors=_stored_token_vectors(store),
    )


def _stored_token_vectors(store: KnowledgeStore) -> StoredTokenVectors | None:
    """Fills what the budget allows, and warns when chunks stay past it."""
    filled = store.fill_token_vectors()
    counts = store.stored_token_vectors()
    if counts is None:
        return None
    stored, chunks = counts
    report = StoredTokenVectors(
        stored=stored,
        past_budget=chunks - stored,
        filled=filled,
        budget_mib=store.token_vectors_mib,
    )
    if report.past_budget:
        log.warning(report.summary())
    return report
