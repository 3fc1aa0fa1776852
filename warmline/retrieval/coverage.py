"""How much of the question a retrieved chunk covers, token by token (late interaction).

A sentence embedding compares the question with a chunk as two averages, so a chunk
about the same product as an unanswerable question ("how do I set up my new hub"
against an article on the hub's lights) scores as close as the answering one. Matching
each of the question's tokens against the chunk's tokens (the all-MiniLM-L6-v2 token
vectors the sentence embedding is pooled from, no other model) keeps the words the
question hinges on visible: a question word nothing in the chunk resembles lowers the
score however close the averages are.

The score is ColBERT's MaxSim without fine-tuning: for each question token the best
cosine against the chunk's tokens, averaged with each token weighted by its rarity
among the candidate chunks of this search (an IDF over the candidates, so a common
word or a word every candidate shares counts little and no per-knowledge-base table
is needed). Measured on the evaluation sets' dev rows (evals/README.md), the best
score over the top few hits separates answerable from unanswerable questions better
than the top cosine does; as a reranking signal it moved recall by less than it cost
elsewhere, so ranking does not use it.

Chunk token vectors are computed when a chunk is first among the top hits and kept
(int8 with one scale per token) in a bounded cache keyed by the chunk's content hash,
not stored by sync: 57–86 kB a chunk would be 6–9 GB at 100,000 chunks.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from warmline.retrieval.embedder import TokenVectors, token_ids, token_vectors

# Hits whose chunks are read token by token: the top few carry the answer when there
# is one (dev rows: the best of 3 separates the classes as well as the best of 5).
COVERED_HITS = 3
_CACHED_CHUNKS = 512
# Wordpiece ids are about a hundredth of a chunk's int8 vectors, so many more are kept.
_IDS_PER_VECTORS = 16
_Kept = TypeVar("_Kept")


class _Quantised:
    """A chunk's token ids and int8 token vectors; a quarter of float32's memory, and
    the feature's dev-row AUC is unchanged to three places."""

    def __init__(self, tokens: TokenVectors) -> None:
        self.ids = tokens.ids
        scale = np.abs(tokens.vectors).max(axis=1, keepdims=True) / 127
        scale[scale == 0] = 1.0
        self.codes = np.round(tokens.vectors / scale).astype(np.int8)
        self.scale = scale.astype(np.float32)

    def vectors(self) -> npt.NDArray[np.float32]:
        return _unit(self.codes.astype(np.float32) * self.scale)


class ChunkTokens:
    """Token vectors of chunks, by content, computed on first use and kept (LRU), and
    their wordpiece ids (for the candidate IDF), kept longer: tokenising the 60
    candidates of every search anew cost as much as the search itself.

    Searches run in worker threads, so the caches are read and written under a lock;
    the model and the tokeniser run outside it."""

    def __init__(self, capacity: int = _CACHED_CHUNKS) -> None:
        self._vectors: _Lru[_Quantised] = _Lru(capacity)
        self._ids: _Lru[npt.NDArray[np.int64]] = _Lru(capacity * _IDS_PER_VECTORS)

    def get(self, keys: Sequence[str], texts: Sequence[str]) -> list[_Quantised]:
        return self._vectors.get(
            keys, texts, lambda batch: [_Quantised(t) for t in token_vectors(batch)]
        )

    def ids(self, keys: Sequence[str], texts: Sequence[str]) -> list[npt.NDArray[np.int64]]:
        return self._ids.get(keys, texts, lambda batch: token_ids(list(batch)))


class _Lru(Generic[_Kept]):
    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self,
        keys: Sequence[str],
        texts: Sequence[str],
        compute: Callable[[list[str]], list[_Kept]],
    ) -> list[_Kept]:
        with self._lock:
            found = {key: self._kept[key] for key in keys if key in self._kept}
        missing = [i for i, key in enumerate(keys) if key not in found]
        if missing:
            for i, value in zip(missing, compute([texts[i] for i in missing]), strict=True):
                found[keys[i]] = value
        with self._lock:
            for key in keys:
                self._kept[key] = found[key]
                self._kept.move_to_end(key)
            while len(self._kept) > self._capacity:
                self._kept.popitem(last=False)
        return [found[key] for key in keys]


def candidate_idf(
    query_ids: npt.NDArray[np.int64], candidates: Sequence[npt.NDArray[np.int64]]
) -> npt.NDArray[np.float64]:
    """BM25's IDF of each question token among the candidate chunks' tokens."""
    n = len(candidates)
    documents = np.zeros(len(query_ids))
    for ids in candidates:
        documents += np.isin(query_ids, ids)
    return np.log((n - documents + 0.5) / (documents + 0.5) + 1.0)


def maxsim(
    query: npt.NDArray[np.float32], weights: npt.NDArray[np.float64], chunk: npt.NDArray[np.float32]
) -> float:
    """Weighted mean over question tokens of the best cosine against the chunk's tokens."""
    if not len(query) or not len(chunk) or weights.sum() <= 0:
        return 0.0
    best = (query @ chunk.T).max(axis=1)
    return float((best * weights).sum() / weights.sum())


def coverages(
    query: TokenVectors,
    candidates: Sequence[tuple[str, str]],
    top: int,
    cache: ChunkTokens,
) -> list[float]:
    """The coverage of each of the first `top` candidates (key, text); the IDF is over all
    candidates' wordpiece ids (tokenising only: no model call)."""
    keys, texts = [k for k, _ in candidates], [t for _, t in candidates]
    weights = candidate_idf(query.ids, cache.ids(keys, texts))
    vectors = _unit(query.vectors)
    chunks = cache.get(keys[:top], texts[:top])
    return [maxsim(vectors, weights, c.vectors()) for c in chunks]


def _unit(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
