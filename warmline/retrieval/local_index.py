"""The embedded knowledge-base index: numpy and scipy arrays in the data folder.

Qdrant's local mode scores every point in Python (about 55 µs a point per hybrid
query, 8 s at 100,000 chunks); this index answers the same query from arrays:

- dense: the normalised float32 matrix, plus one sign bit per dimension for the scan.
  The scan ranks every allowed chunk by Hamming distance (`np.bitwise_count`, 48 bytes
  a chunk) and the best `RERANK` are scored exactly against the float32 rows, so the
  cosines returned are exact. The sign bits are stored word-major (six rows of 64-bit
  words, one column per chunk), so the scan is six passes over contiguous arrays into one
  preallocated distance row; the chunk-major layout, reduced along its short axis, took
  six times as long (2.4 ms against 0.4 ms at 100,000 chunks). When no more than `RERANK`
  chunks are allowed the scan is skipped and every one is scored exactly. (An int8 copy
  scans four times the bytes and numpy has no int8 dot product: the cast alone took 50 ms
  at 100,000 chunks.)
- lexical: a chunk × term CSC matrix of the BM25 document weights from `lexical.py`,
  with the IDF of each term precomputed (Qdrant's formula, over every chunk, as its
  `Modifier.IDF` does), so a query adds up a few columns: each of the query's columns is
  read straight from the CSC arrays and added into one score row. (scipy's column slice
  plus a sparse product and `np.unique` of the matched rows took 7 ms at the median and
  49 ms at p95 for questions with common words; this takes 0.2 ms and 0.9 ms.)
- filters: visibility, language, tags, quarantine and expiry as boolean masks, cached
  per filter and day.
- token vectors: each chunk's, int8, from the sync's own model pass, for the answerable
  confidence's coverage, within a disk budget (`stored_tokens.py`).
- passage vectors: each chunk's sentences', int8, read only for a search's candidates
  (`passages.py`, `stored_passages.py`).

Each write (`commit`, at the end of a sync) saves a new generation folder and then
swaps the `current` file that names it; a reader notices the swap on its next search
and maps the new arrays (`mmap_mode="r"`), so worker processes share the pages read-only
and never see a half-written index.
"""

import json
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]

from warmline.retrieval.chunking import Chunk
from warmline.retrieval.embedder import TokenVectors
from warmline.retrieval.lexical import document_vector, query_vector
from warmline.retrieval.search_types import Scored, SearchFilters
from warmline.retrieval.stored_passages import Passages, StoredPassages, save_passages
from warmline.retrieval.stored_tokens import (
    DEFAULT_BUDGET_MIB,
    Quantised,
    StoredTokens,
    quantise,
    save_tokens,
)

# Candidates scored exactly after the sign-bit scan; above CANDIDATES so the exact top 30
# survives the scan's coarse ranking.
RERANK = 1000
NEVER = np.iinfo(np.int32).max
_CACHED_MASKS = 32
_KEPT_CORRECTIONS = 4096
"""Spelling verdicts kept per filter, today's only: words of at most `spelling.LONGEST_KEPT`
letters, so about half a MB for the one filter customers' searches use."""


class DamagedIndex(ValueError):
    """The index folder cannot be read; it is derived from the articles, so a sync rebuilds it."""


class _Arrays:
    """One generation of the index, as loaded (memory-mapped where numpy allows)."""

    def __init__(
        self,
        payloads: list[dict[str, Any]],
        vectors: npt.NDArray[np.float32],
        lexical: sp.csc_array,
        terms: npt.NDArray[np.int64],
        tokens: StoredTokens,
        passages: StoredPassages,
    ) -> None:
        self.payloads = payloads
        self.tokens = tokens
        self.passages = passages
        self.rows = {str(p["id"]): i for i, p in enumerate(payloads)}
        self.vectors = vectors
        self.signs = np.ascontiguousarray(_signs(vectors).T)
        self.lexical = lexical
        self.terms = terms
        documents = np.diff(lexical.indptr)
        self.idf = np.log((len(payloads) - documents + 0.5) / (documents + 0.5) + 1.0)
        self.public = np.array([p["visibility"] == "public" for p in payloads], dtype=bool)
        self.quarantined = np.array([bool(p.get("quarantined")) for p in payloads], dtype=bool)
        self.expires = np.array(
            [NEVER if p.get("expires_day") is None else p["expires_day"] for p in payloads],
            dtype=np.int64,
        )
        self.masks: dict[tuple[object, ...], npt.NDArray[np.bool_]] = {}
        self._corrections: dict[tuple[object, ...], dict[str, str | None]] = {}
        self._chunks: dict[int, Chunk] = {}

    def chunk(self, row: int) -> Chunk:
        """The chunk stored at `row`, validated once per generation: a search returns some
        sixty candidates (more with a spelling check), and validating each payload anew
        cost more than scoring them. Hits share these objects and never change them."""
        found = self._chunks.get(row)
        if found is None:
            found = self._chunks[row] = Chunk.model_validate(self.payloads[row])
        return found

    def corrections(self, filters: SearchFilters, today: date) -> dict[str, str | None]:
        """The spelling check's verdicts on words under these filters (`spelling.correct`),
        kept with this generation: a verdict depends only on the word and on what the
        filtered chunks hold, so it stands until a sync writes a new generation."""
        key = _filter_key(filters, today)
        kept = self._corrections.get(key)
        if kept is None or len(kept) >= _KEPT_CORRECTIONS:
            # Earlier days' verdicts are asked for no more: they go with today's first.
            others = {k: v for k, v in self._corrections.items() if k[-1] == today and k != key}
            self._corrections = {} if len(others) >= _CACHED_MASKS else others
            kept = self._corrections[key] = {}
        return kept

    def mask(self, filters: SearchFilters, today: date) -> npt.NDArray[np.bool_]:
        key = _filter_key(filters, today)
        if key not in self.masks:
            if len(self.masks) >= _CACHED_MASKS:
                self.masks.clear()
            allowed = ~self.quarantined & (self.expires > today.toordinal())
            if not filters.include_internal:
                allowed &= self.public
            if filters.language:
                allowed &= np.array([p["language"] == filters.language for p in self.payloads])
            if filters.tags:
                wanted = set(filters.tags)
                allowed &= np.array([bool(wanted & set(p["tags"])) for p in self.payloads])
            self.masks[key] = allowed
        return self.masks[key]


def _filter_key(filters: SearchFilters, today: date) -> tuple[object, ...]:
    return (filters.include_internal, filters.language, tuple(filters.tags), today)


def _signs(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.uint64]:
    """One bit per dimension, padded to whole 64-bit words for `np.bitwise_count`."""
    bits = np.packbits(vectors > 0, axis=-1)
    pad = (-bits.shape[-1]) % 8
    if pad:
        bits = np.pad(bits, [(0, 0)] * (bits.ndim - 1) + [(0, pad)])
    return np.ascontiguousarray(bits).view(np.uint64)


def _empty(dimension: int) -> _Arrays:
    return _Arrays(
        [],
        np.zeros((0, dimension), dtype=np.float32),
        sp.csc_array((0, 0), dtype=np.float32),
        np.zeros(0, dtype=np.int64),
        StoredTokens.empty(),
        StoredPassages.empty(),
    )


class LocalIndex:
    def __init__(
        self, folder: Path, dimension: int, token_budget_bytes: int = DEFAULT_BUDGET_MIB * 2**20
    ) -> None:
        """`token_budget_bytes` bounds the chunks' stored token vectors on disk (and the
        ones a sync holds in memory until it commits)."""
        self._folder = folder
        self._dimension = dimension
        self._token_budget = token_budget_bytes
        self._generation = ""
        self._arrays = _empty(dimension)
        self._pending: list[tuple[Chunk, npt.NDArray[np.float32], Quantised | None]] = []
        self._pending_passages: list[Passages] = []
        self._pending_token_bytes = 0
        self._deleted: set[str] = set()
        self._pinned = threading.local()
        self._refresh()

    def close(self) -> None:
        self._arrays = _empty(self._dimension)

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """The calling thread's reads in the block all see the generation current at its
        start, and read the `current` file once: a search reads the index five times or
        more (15 µs a read of the file), and a sync that lands mid-search no longer gives
        one search two generations' candidates."""
        self._pinned.arrays = self._refresh()
        try:
            yield
        finally:
            self._pinned.arrays = None

    def _refresh(self) -> _Arrays:
        """The newest committed generation, loaded only when it changed since the last
        call; the pinned one inside `pinned`."""
        pinned: _Arrays | None = getattr(self._pinned, "arrays", None)
        if pinned is not None:
            return pinned
        try:
            generation = (self._folder / "current").read_text().strip()
        except FileNotFoundError:
            return self._arrays
        if generation != self._generation:
            self._arrays = _load(self._folder / generation)
            self._generation = generation
        return self._arrays

    def count(self) -> int:
        return len(self._refresh().payloads)

    def corrections(self, filters: SearchFilters, today: date) -> dict[str, str | None]:
        """The current generation's spelling verdicts under these filters (`_Arrays`)."""
        return self._refresh().corrections(filters, today)

    def indexed_articles(self) -> dict[str, str]:
        return {str(p["article_id"]): str(p["content_hash"]) for p in self._refresh().payloads}

    def chunks(self) -> Iterable[Chunk]:
        return [Chunk.model_validate(p) for p in self._refresh().payloads]

    def delete_articles(self, ids: list[str]) -> None:
        self._deleted.update(ids)
        self.commit()

    def stored_tokens(self, chunks: list[Chunk]) -> list[Quantised | None]:
        """The chunks' stored token vectors, None for a chunk stored without (past the
        budget, or indexed before they were stored) or no longer indexed as it was."""
        arrays = self._refresh()
        found: list[Quantised | None] = []
        for chunk in chunks:
            row = arrays.rows.get(chunk.id)
            same = row is not None and arrays.payloads[row]["content_hash"] == chunk.content_hash
            found.append(arrays.tokens.row(row) if same and row is not None else None)
        return found

    def without_tokens(self) -> tuple[list[Chunk], int]:
        """The indexed chunks stored without token vectors, in index order, and the bytes
        of the budget still free for them."""
        arrays = self._refresh()
        missing = [
            Chunk.model_validate(p)
            for i, p in enumerate(arrays.payloads)
            if arrays.tokens.row(i) is None
        ]
        return missing, max(0, self._token_budget - arrays.tokens.nbytes)

    def predates_passages(self) -> bool:
        """Whether the index holds chunks written before passages were stored."""
        arrays = self._refresh()
        return bool(arrays.payloads) and not arrays.passages.written

    def stored_token_counts(self) -> tuple[int, int]:
        """(chunks whose token vectors are stored, chunks)."""
        arrays = self._refresh()
        return arrays.tokens.stored, len(arrays.payloads)

    def add(
        self,
        chunks: list[Chunk],
        vectors: npt.NDArray[np.float32],
        tokens: Sequence[TokenVectors] | None = None,
        passages: Sequence[npt.NDArray[np.float32]] | None = None,
    ) -> None:
        """Held until `commit`, so a sync of many batches writes the index once; token
        vectors past the budget are dropped here, so memory stays within it too.
        `passages` holds each chunk's passage vectors (passages × dimension, maybe none)."""
        kept: list[Quantised | None] = []
        stored = self._refresh().tokens.nbytes
        for found in tokens if tokens is not None else [None] * len(chunks):
            quantised = quantise(found) if found is not None else None
            room = self._token_budget - stored - self._pending_token_bytes
            if quantised is not None and quantised.nbytes <= room:
                self._pending_token_bytes += quantised.nbytes
                kept.append(quantised)
            else:
                kept.append(None)
        self._pending += zip(chunks, vectors, kept, strict=True)
        none = np.zeros((0, self._dimension), dtype=np.float32)
        given = passages if passages is not None else [none] * len(chunks)
        if len(given) != len(chunks):
            raise ValueError(f"passages for {len(given)} chunks, {len(chunks)} given")
        self._pending_passages += [Passages.of(np.asarray(p, dtype=np.float32)) for p in given]

    def commit(self) -> None:
        if not self._pending and not self._deleted:
            return
        arrays = self._refresh()
        replaced = {c.id for c, _, _ in self._pending}
        keep = [
            i
            for i, p in enumerate(arrays.payloads)
            if p["article_id"] not in self._deleted and p["id"] not in replaced
        ]
        payloads = [arrays.payloads[i] for i in keep]
        payloads += [c.model_dump(mode="json") for c, _, _ in self._pending]
        new_vectors = np.array([v for _, v, _ in self._pending], dtype=np.float32)
        new_vectors = new_vectors.reshape(-1, self._dimension)
        norms = np.linalg.norm(new_vectors, axis=1, keepdims=True)
        new_vectors /= np.where(norms > 0, norms, 1.0)
        vectors = np.concatenate([np.asarray(arrays.vectors[keep]), new_vectors])
        lexical, terms = _lexical_matrix(
            arrays.lexical[keep] if keep else None,
            arrays.terms,
            [c.lexical_text for c, _, _ in self._pending],
        )
        tokens = [arrays.tokens.row(i) for i in keep] + [t for _, _, t in self._pending]
        passages = [arrays.passages.row(i) for i in keep] + self._pending_passages
        self._pending, self._deleted, self._pending_token_bytes = [], set(), 0
        self._pending_passages = []
        _save(self._folder, payloads, vectors, lexical, terms, tokens, passages, self._token_budget)

    def best_passages(
        self, vector: npt.NDArray[np.float32], chunks: Sequence[Chunk]
    ) -> list[float | None]:
        """Each chunk's best passage cosine against the query vector; None for a chunk
        without passages or no longer indexed as it was."""
        arrays = self._refresh()
        rows = [arrays.rows.get(c.id) for c in chunks]
        same = [
            r is not None and arrays.payloads[r]["content_hash"] == c.content_hash
            for r, c in zip(rows, chunks, strict=True)
        ]
        known = [r for r, ok in zip(rows, same, strict=True) if ok and r is not None]
        found = iter(arrays.passages.best(known, vector))
        return [next(found) if ok else None for ok in same]

    def dense(
        self, vector: npt.NDArray[np.float32], filters: SearchFilters, today: date, limit: int
    ) -> list[Scored]:
        arrays = self._refresh()
        rows = np.flatnonzero(arrays.mask(filters, today))
        if len(rows) > RERANK:
            distance = _hamming(arrays.signs, _signs(vector))
            rows = rows[np.argpartition(distance[rows], RERANK)[:RERANK]]
        scores = np.asarray(arrays.vectors[rows]) @ vector.astype(np.float32)
        return _top(arrays, rows, scores, limit)

    def lexical(self, text: str, filters: SearchFilters, today: date, limit: int) -> list[Scored]:
        arrays = self._refresh()
        wanted = np.asarray(query_vector(text).indices, dtype=np.int64)
        columns = np.minimum(np.searchsorted(arrays.terms, wanted), len(arrays.terms) - 1)
        columns = columns[arrays.terms[columns] == wanted] if len(arrays.terms) else columns[:0]
        if not len(columns):
            return []
        scores = _column_sum(arrays.lexical, columns, arrays.idf)
        # Every stored weight and every IDF is positive, so a chunk scores above zero
        # exactly when it holds one of the query's terms.
        rows = np.flatnonzero((scores > 0) & arrays.mask(filters, today))
        return _top(arrays, rows, scores[rows], limit)


def _hamming(
    words: npt.NDArray[np.uint64], query: npt.NDArray[np.uint64]
) -> npt.NDArray[np.uint16]:
    """Bits differing between the query and every chunk; `words` is word-major (words × chunks)."""
    chunks = words.shape[1]
    distance = np.zeros(chunks, dtype=np.uint16)
    differing = np.empty(chunks, dtype=np.uint64)
    counted = np.empty(chunks, dtype=np.uint8)
    for row, word in zip(words, query, strict=True):
        np.bitwise_xor(row, word, out=differing)
        np.bitwise_count(differing, out=counted)
        distance += counted
    return distance


def _column_sum(
    matrix: sp.csc_array, columns: npt.NDArray[np.intp], weights: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """`matrix[:, columns] @ weights[columns]`, in the same order of additions as scipy's
    product, without building the slice."""
    scores = np.zeros(matrix.shape[0], dtype=np.float64)
    starts, data, rows = matrix.indptr, matrix.data, matrix.indices
    for column in columns:
        start, end = starts[column], starts[column + 1]
        # A column names each chunk once, so the fancy in-place add sees no repeats.
        scores[rows[start:end]] += data[start:end] * weights[column]
    return scores


def _top(
    arrays: _Arrays, rows: npt.NDArray[np.intp], scores: npt.NDArray[Any], limit: int
) -> list[Scored]:
    if len(rows) > limit:
        best = np.argpartition(-scores, limit)[:limit]
        rows, scores = rows[best], scores[best]
    order = np.argsort(-scores, kind="stable")
    return [Scored(chunk=arrays.chunk(int(rows[i])), score=float(scores[i])) for i in order]


def _lexical_matrix(
    kept: sp.csc_array | None, terms: npt.NDArray[np.int64], texts: list[str]
) -> tuple[sp.csc_array, npt.NDArray[np.int64]]:
    """The kept rows plus one row per new text, over the union of their terms."""
    vectors = [document_vector(t) for t in texts]
    new_terms = np.unique(np.array([i for v in vectors for i in v.indices], dtype=np.int64))
    all_terms = np.union1d(terms, new_terms)
    blocks: list[sp.csr_array] = []
    if kept is not None:
        coo = kept.tocoo()
        moved = np.searchsorted(all_terms, terms[coo.col])
        shape = (kept.shape[0], len(all_terms))
        blocks.append(sp.csr_array((coo.data, (coo.row, moved)), shape=shape))
    if vectors:
        indptr = np.cumsum([0] + [len(v.indices) for v in vectors])
        columns = np.searchsorted(all_terms, [i for v in vectors for i in v.indices])
        values = np.array([x for v in vectors for x in v.values], dtype=np.float32)
        shape = (len(vectors), len(all_terms))
        blocks.append(sp.csr_array((values, columns, indptr), shape=shape))
    if not blocks:
        return sp.csc_array((0, len(all_terms)), dtype=np.float32), all_terms
    return sp.csc_array(sp.vstack(blocks, format="csc"), dtype=np.float32), all_terms


def _save(
    folder: Path,
    payloads: list[dict[str, Any]],
    vectors: npt.NDArray[np.float32],
    lexical: sp.csc_array,
    terms: npt.NDArray[np.int64],
    tokens: list[Quantised | None],
    passages: list[Passages],
    token_budget_bytes: int,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.time_ns()}"
    target = folder / name
    target.mkdir()
    np.save(target / "dense.npy", vectors)
    np.save(target / "terms.npy", terms)
    for part in ("data", "indices", "indptr"):
        np.save(target / f"lexical_{part}.npy", getattr(lexical, part))
    save_tokens(target, tokens, token_budget_bytes)
    save_passages(target, passages)
    (target / "chunks.json").write_text(json.dumps(payloads))
    pointer = folder / "current.tmp"
    pointer.write_text(name)
    os.replace(pointer, folder / "current")
    # Readers that still map an older generation keep its pages until they refresh.
    for old in folder.glob("gen-*"):
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)


def _load(target: Path) -> _Arrays:
    try:
        payloads = json.loads((target / "chunks.json").read_text())
        vectors = np.load(target / "dense.npy", mmap_mode="r")
        terms = np.load(target / "terms.npy")
        data, indices, indptr = (
            np.load(target / f"lexical_{part}.npy", mmap_mode="r")
            for part in ("data", "indices", "indptr")
        )
        lexical = sp.csc_array((data, indices, indptr), shape=(len(payloads), len(terms)))
        tokens = StoredTokens.load(target, len(payloads))
        passages = StoredPassages.load(target, len(payloads))
    except (OSError, ValueError, KeyError) as exc:
        raise DamagedIndex(f"{target}: {type(exc).__name__}: {exc}") from exc
    return _Arrays(payloads, vectors, lexical, terms, tokens, passages)
