"""The knowledge base: dense and lexical vectors per chunk, searched and fused.

The embedded default is an in-process index in the data folder (`local_index.py`:
numpy and scipy arrays, memory-mapped and shared read-only by worker processes); a
Qdrant server or cluster (`qdrant_url`) is the path past one machine. Customer
searches always carry filters: public articles only, not expired, not quarantined as
prompt injections, so such a chunk cannot be returned however relevant it is.

Dense and lexical results are fused here, dense first: a chunk scores its cosine plus
its lexical score as a share of the best lexical score for this query, weighted more
when lexical search is decisive (its best hit well ahead of its second), which is when
a rare term, a product name or an error code carries the question. Reciprocal rank
fusion, the earlier choice, let a weak lexical ranking outvote a clear dense one on
paraphrased questions (worse than dense alone on a public FAQ set); a share of the
best score needs no per-KB scale. Each hit keeps both raw scores for the
answerable-confidence model, and the top few hits also how much of the question they
cover token by token (`coverage.py`). Hybrid search then ranks articles, not only
chunks: an article's title match and its other matching chunks add to its hits
(`ranking.py`). Before fusion, a candidate's dense evidence is raised towards its best
sentence's cosine when one sentence is closer to the question than the whole chunk
(`passages.py`; embedded index only). Misspelled words are put right first (`spelling.py`).
"""

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
from qdrant_client import QdrantClient

from warmline.retrieval.chunking import Chunk
from warmline.retrieval.coverage import COVERED_HITS, Candidate, ChunkTokens, coverages
from warmline.retrieval.embedder import Embedder, query_tokens, token_ids
from warmline.retrieval.local_index import LocalIndex
from warmline.retrieval.passages import passage_texts, raised
from warmline.retrieval.qdrant_index import ClusterLayout, QdrantIndex
from warmline.retrieval.ranking import rank_articles
from warmline.retrieval.search_types import Hit, Mode, Scored, SearchFilters
from warmline.retrieval.spelling import correct, words
from warmline.retrieval.stored_tokens import DEFAULT_BUDGET_MIB, Quantised, stored_bytes

__all__ = ["ClusterLayout", "Hit", "KnowledgeStore", "Mode", "SearchFilters"]

# Chosen on the dev splits of the sample and public sets (evals/README.md): the weight
# of lexical evidence, and how much more it gets when lexical search is decisive.
LEXICAL_WEIGHT = 0.2
DECISIVE_LEXICAL_WEIGHT = 0.3
CANDIDATES = 30
# Chunks read to learn which spellings of an unknown word the knowledge base contains.
SPELLING_CHUNKS = 10
BATCH = 256


class KnowledgeStore:
    def __init__(
        self,
        path: Path,
        collection: str,
        embedder: Embedder,
        url: str | None = None,
        layout: ClusterLayout | None = None,
        token_vectors_mib: int = DEFAULT_BUDGET_MIB,
    ) -> None:
        """`url` is a Qdrant server, or ":memory:" for Qdrant's own in-process mode
        (the reference the embedded index is checked against); unset, the index lives
        in `path`, one folder per collection, with the chunks' token vectors stored
        within `token_vectors_mib` (`stored_tokens.py`)."""
        self._index: LocalIndex | QdrantIndex
        if url == ":memory:":
            self._index = QdrantIndex(QdrantClient(location=url), collection, None)
        elif url:
            self._index = QdrantIndex(QdrantClient(url=url), collection, layout or ClusterLayout())
        else:
            self._index = LocalIndex(
                path / collection, embedder.dimension, token_vectors_mib * 2**20
            )
        self.token_vectors_mib = token_vectors_mib
        self.collection = collection
        self._embedder = embedder
        self.embedded = 0
        self._tokens = ChunkTokens()

    def close(self) -> None:
        self._index.close()

    def count(self) -> int:
        return self._index.count()

    def indexed_articles(self) -> dict[str, str]:
        """article id → content hash of what is indexed now."""
        return self._index.indexed_articles()

    def chunks(self) -> Iterable[Chunk]:
        return self._index.chunks()

    def stored_token_vectors(self) -> tuple[int, int] | None:
        """(chunks whose token vectors are stored, chunks), or None on a Qdrant server,
        where coverage computes them on first use."""
        if isinstance(self._index, LocalIndex):
            return self._index.stored_token_counts()
        return None

    def fill_token_vectors(self) -> int:
        """Stores the token vectors of indexed chunks that have none, as far as the budget
        allows (an index written before they were stored, or a budget raised since): one
        model pass over those chunks, once, instead of one per chunk in every process.
        Chunks that would not fit are not embedded (their length is read by the
        tokeniser first). Returns how many were stored."""
        if not isinstance(self._index, LocalIndex):
            return 0
        missing, room = self._index.without_tokens()
        chosen: list[Chunk] = []
        for start in range(0, len(missing), BATCH):
            batch = missing[start : start + BATCH]
            for chunk, ids in zip(batch, token_ids([c.embedding_text for c in batch]), strict=True):
                if stored_bytes(len(ids)) > room:
                    self.upsert(chosen)
                    return len(chosen)
                chosen.append(chunk)
                room -= stored_bytes(len(ids))
        self.upsert(chosen)
        return len(chosen)

    def fill_passages(self) -> int:
        """Embeds every chunk again, once, when the index was written before passages
        were stored (`passages.py`), so an upgraded knowledge base gets them without
        waiting for its articles to change. Returns how many chunks were embedded."""
        if not isinstance(self._index, LocalIndex) or not self._index.predates_passages():
            return 0
        chunks = list(self._index.chunks())
        self.upsert(chunks)
        return len(chunks)

    def delete_articles(self, article_ids: Iterable[str]) -> None:
        self._index.delete_articles(list(article_ids))

    def upsert(self, chunks: list[Chunk], progress: Callable[[int], None] | None = None) -> None:
        for start in range(0, len(chunks), BATCH):
            batch = chunks[start : start + BATCH]
            texts = [c.embedding_text for c in batch]
            if isinstance(self._index, LocalIndex):
                vectors, tokens = self._embedder.embed_with_tokens(texts)
                self._index.add(batch, vectors, tokens, self._passage_vectors(batch))
            else:
                self._index.add(batch, self._embedder.embed(texts))
            self.embedded += len(batch)
            if progress is not None:
                progress(len(batch))
        self._index.commit()

    def _passage_vectors(self, chunks: list[Chunk]) -> list[npt.NDArray[np.float32]]:
        """Each chunk's passage vectors (`passages.py`), embedded in one call."""
        texts = [passage_texts(c) for c in chunks]
        flat = [t for found in texts for t in found]
        if not flat:
            return [np.zeros((0, self._embedder.dimension), dtype=np.float32) for _ in chunks]
        vectors = self._embedder.embed(flat)
        ends = np.cumsum([len(found) for found in texts])
        return [vectors[end - len(found) : end] for found, end in zip(texts, ends, strict=True)]

    def search(
        self,
        query: str,
        limit: int,
        mode: Mode = "hybrid",
        filters: SearchFilters | None = None,
        today: date | None = None,
        confidence: bool = True,
    ) -> list[Hit]:
        """`confidence=False` when nobody reads the answerable confidence of the hits (the
        agent console's search), which leaves their `coverage` unset and saves its cost."""
        if isinstance(self._index, LocalIndex):
            with self._index.pinned():
                return self._search(query, limit, mode, filters, today, confidence)
        return self._search(query, limit, mode, filters, today, confidence)

    def _search(
        self,
        query: str,
        limit: int,
        mode: Mode,
        filters: SearchFilters | None,
        today: date | None,
        confidence: bool,
    ) -> list[Hit]:
        if not self._index.count():
            return []
        chosen, day = filters or SearchFilters(), today or date.today()
        # The embedded index keeps the spelling verdicts of its generation; a Qdrant
        # collection may change under the client at any time, so it is asked each time.
        decided = (
            self._index.corrections(chosen, day) if isinstance(self._index, LocalIndex) else None
        )
        query = correct(
            query, lambda terms: self._words_found(" ".join(terms), chosen, day), decided
        )
        dense: list[Scored] = []
        lexical: list[Scored] = []
        if mode != "lexical":
            vector = self._embedder.embed_query(query)
            dense = self._index.dense(vector, chosen, day, CANDIDATES)
        if mode != "dense":
            lexical = self._index.lexical(query, chosen, day, CANDIDATES)
        passages: dict[str, float] = {}
        if mode == "hybrid" and isinstance(self._index, LocalIndex):
            passages = best_passages(self._index, vector, dense, lexical)
        fused = _fuse(dense, lexical, passages)
        if mode == "hybrid":
            fused = rank_articles(query, fused)
        if mode == "hybrid" and confidence:
            self._cover(query, fused, min(limit, COVERED_HITS))
        return fused[:limit]

    def _cover(self, query: str, candidates: list[Hit], top: int) -> None:
        """Sets the first `top` hits' `coverage` of the question (`coverage.py`)."""
        chunks = [h.chunk for h in candidates]
        stored: list[Quantised | None] = (
            self._index.stored_tokens(chunks)
            if isinstance(self._index, LocalIndex)
            else [None] * len(chunks)
        )
        keyed = [
            Candidate(f"{c.id}:{c.content_hash}", c.embedding_text, found)
            for c, found in zip(chunks, stored, strict=True)
        ]
        scores = coverages(query_tokens(query), keyed, top, self._tokens)
        for hit, score in zip(candidates[:top], scores, strict=True):
            hit.coverage = score

    def _words_found(self, text: str, filters: SearchFilters, day: date) -> set[str]:
        found = self._index.lexical(text, filters, day, SPELLING_CHUNKS)
        return set().union(*(words(s.chunk.lexical_text) for s in found))


def best_passages(
    index: LocalIndex, vector: npt.NDArray[np.float32], dense: list[Scored], lexical: list[Scored]
) -> dict[str, float]:
    """chunk id → its best passage's cosine, for the candidates that have passages."""
    candidates = list({s.chunk.id: s.chunk for s in [*dense, *lexical]}.values())
    best = index.best_passages(vector, candidates)
    return {c.id: b for c, b in zip(candidates, best, strict=True) if b is not None}


def _fuse(
    dense: list[Scored], lexical: list[Scored], passages: dict[str, float] | None = None
) -> list[Hit]:
    """Cosine + lexical share of the best lexical score; each hit keeps both raw scores.

    A chunk that only lexical search found gets the lowest dense candidate's cosine,
    which is an upper bound on its own (it was not among the dense candidates). The
    cosine is raised towards the chunk's best passage's (`passages`, by chunk id) when
    that is higher; the hit's `dense` stays the chunk's own.
    """
    passages = passages or {}
    # Each hit is built once with its scores: setting a pydantic model's fields one by one
    # after it is built costs more than building it (about 140 assignments a search).
    chunks: dict[str, Chunk] = {}
    for scored in [*dense, *lexical]:
        chunks.setdefault(scored.chunk.id, scored.chunk)
    cosines = {s.chunk.id: float(s.score) for s in dense}
    matches = {s.chunk.id: float(s.score) for s in lexical}
    by_article = list({s.chunk.article_id: s.score for s in lexical[::-1]}.values())
    best, second = ([*sorted(by_article, reverse=True), 0.0, 0.0])[:2]
    decisive = (best - second) / best if best > 0 else 0.0
    weight = LEXICAL_WEIGHT + DECISIVE_LEXICAL_WEIGHT * decisive if dense else 1.0
    floor = dense[-1].score if dense else 0.0
    hits = []
    for key, chunk in chunks.items():
        own, matched = cosines.get(key, 0.0), matches.get(key, 0.0)
        share = matched / best if best > 0 else 0.0
        cosine = raised(own or floor, passages.get(key))
        hits.append(Hit(chunk=chunk, score=cosine + weight * share, dense=own, lexical=matched))
    return sorted(hits, key=lambda h: h.score, reverse=True)
