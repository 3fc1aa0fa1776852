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
(int8 with one scale per token) in a bounded cache keyed by the chunk's content hash.
"""

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from warmline.retrieval.embedder import TokenVectors, token_ids, token_vectors

# Hits whose chunks are read token by token: the top few carry the answer when there
# is one (dev rows: the best of 3 separates the classes as well as the best of 5).
COVERED_HITS = 3
_CACHED_CHUNKS = 512


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
    """Token vectors of chunks, by content, computed on first use and kept (LRU).

    Searches run in worker threads, so the cache is read and written under a lock;
    the model runs outside it."""

    def __init__(self, capacity: int = _CACHED_CHUNKS) -> None:
        self._capacity = capacity
        self._kept: OrderedDict[str, _Quantised] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, keys: Sequence[str], texts: Sequence[str]) -> list[_Quantised]:
        with self._lock:
            found = {key: self._kept[key] for key in keys if key in self._kept}
        missing = [i for i, key in enumerate(keys) if key not in found]
        for i, tokens in zip(missing, token_vectors([texts[i] for i in missing]), strict=True):
            found[keys[i]] = _Quantised(tokens)
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
    chunk_keys: Sequence[str],
    chunk_texts: Sequence[str],
    candidate_texts: Sequence[str],
    cache: ChunkTokens,
) -> list[float]:
    """The coverage of each chunk; the IDF is over all candidates' token ids (tokenising
    only: no model call), the token vectors only for `chunk_texts`."""
    vectors = _unit(query.vectors)
    weights = candidate_idf(query.ids, token_ids(list(candidate_texts)))
    return [maxsim(vectors, weights, c.vectors()) for c in cache.get(chunk_keys, chunk_texts)]


def _unit(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
