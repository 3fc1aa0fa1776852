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

`kb sync` stores each chunk's token vectors (int8, one scale per token) from the pass
that embeds it, beside the embedded index (`stored_tokens.py`), so a search reads them
from memory-mapped arrays shared by every process. A chunk without them (past the
storage budget, indexed by an older version, or on a Qdrant server, which keeps no
such arrays) has them computed when it is first among the top hits and kept in a
bounded per-process cache keyed by the chunk's content hash.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from warmline.retrieval.embedder import TokenVectors, token_ids, token_vectors
from warmline.retrieval.stored_tokens import Quantised, quantise, unit

# Hits whose chunks are read token by token: the top few carry the answer when there
# is one (dev rows: the best of 3 separates the classes as well as the best of 5).
COVERED_HITS = 3
_CACHED_CHUNKS = 512
# Wordpiece ids are about a hundredth of a chunk's int8 vectors, so many more are kept.
_IDS_PER_VECTORS = 16
_Kept = TypeVar("_Kept")


class Candidate(NamedTuple):
    """A fused hit as coverage reads it: its cache key (chunk id and content hash), the
    text the model reads, and its stored token vectors if the index has them."""

    key: str
    text: str
    stored: Quantised | None


class ChunkTokens:
    """Token vectors of chunks the index does not store, by content, computed on first use
    and kept (LRU), and their wordpiece ids (for the candidate IDF), kept longer:
    tokenising the 60 candidates of every search anew cost as much as the search itself.

    Searches run in worker threads, so the caches are read and written under a lock;
    the model and the tokeniser run outside it."""

    def __init__(self, capacity: int = _CACHED_CHUNKS) -> None:
        self._vectors: _Lru[Quantised] = _Lru(capacity)
        self._ids: _Lru[npt.NDArray[np.int64]] = _Lru(capacity * _IDS_PER_VECTORS)

    def get(self, candidates: Sequence[Candidate]) -> list[Quantised]:
        """Each candidate's token vectors: the stored ones, else cached or computed."""
        return _stored_else(
            candidates,
            self._vectors,
            lambda batch: [quantise(t) for t in token_vectors(batch)],
            lambda stored: stored,
        )

    def ids(self, candidates: Sequence[Candidate]) -> list[npt.NDArray[np.int64]]:
        """Each candidate's wordpiece ids: stored with its vectors, else tokenised."""
        return _stored_else(
            candidates,
            self._ids,
            token_ids,
            lambda stored: stored.ids,
        )


def _stored_else(
    candidates: Sequence[Candidate],
    cache: "_Lru[_Kept]",
    compute: Callable[[list[str]], list[_Kept]],
    read: Callable[[Quantised], _Kept],
) -> list[_Kept]:
    """What `read` takes from each candidate's stored tokens, else from `cache`, computing
    the missing ones in one call."""
    missing = [c for c in candidates if c.stored is None]
    found = iter(cache.get([c.key for c in missing], [c.text for c in missing], compute))
    return [read(c.stored) if c.stored is not None else next(found) for c in candidates]


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
    """BM25's IDF of each question token among the candidate chunks' tokens.

    One membership test over all the candidates' ids at once (a test per candidate cost
    more than the rest of the coverage): the (candidate, token) pairs found, each counted
    once, are the number of candidates that hold each question token."""
    n = len(candidates)
    documents = np.zeros(len(query_ids))
    if n and len(query_ids):
        ids = np.concatenate(candidates)
        owner = np.repeat(np.arange(n), [len(c) for c in candidates])
        held = np.isin(ids, query_ids)
        # Each (token, candidate) pair as one integer, so the pairs are told apart by a
        # one-dimensional unique (a unique over the columns of a 2 × k array sorts them
        # as structured rows, which cost a tenth of the search).
        pairs = np.unique(ids[held] * n + owner[held])
        tokens, holders = np.unique(pairs // n, return_counts=True)
        place = np.minimum(np.searchsorted(tokens, query_ids), max(len(tokens) - 1, 0))
        if len(tokens):
            documents = np.where(tokens[place] == query_ids, holders[place], 0).astype(float)
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
    query: TokenVectors, candidates: Sequence[Candidate], top: int, cache: ChunkTokens
) -> list[float]:
    """The coverage of each of the first `top` candidates; the IDF is over all candidates'
    wordpiece ids (stored, or tokenised: no model call)."""
    weights = candidate_idf(query.ids, cache.ids(candidates))
    vectors = unit(query.vectors)
    return [maxsim(vectors, weights, c.vectors()) for c in cache.get(candidates[:top])]
