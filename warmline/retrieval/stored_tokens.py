"""Chunks' token vectors as int8 with one scale per token, in an index generation's folder.

The answerable confidence's coverage (`coverage.py`) reads the token vectors of the top
hits. Computing a chunk's on first use costs a model pass (about 33 ms) the first time
each chunk reaches the top three, in every worker process; but `kb sync` runs that very
pass to pool each chunk's sentence vector, so it keeps the token vectors too, beside the
dense and lexical arrays, memory-mapped read-only and shared by every process like them.

A token takes 392 bytes (384 int8 codes, a float32 scale, an int32 wordpiece id), a
chunk 43–69 kB on average (the sample and SQuAD help centers), so 100,000 chunks would
take 4–7 GB: a disk budget
(`retrieval.token_vectors_mib`) bounds it, and chunks past it are computed on first use
and cached per process as before. int8 gives the same dev-row AUC as float32 to three
places (evals/README.md, fourth round).

Files of a generation: `token_spans.npy` (chunks × 2: first token, end; -1 when the
chunk is not stored), `token_ids.npy`, `token_codes.npy` (tokens × 384), `token_scales.npy`.
A generation written before these existed has none of them and reads as nothing stored.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from warmline.retrieval.embedder import Embedder, TokenVectors

DEFAULT_BUDGET_MIB = 512
"""About 7,500–12,000 chunks: the sample help center (227 chunks, 10 MB) and a help center
of a few thousand articles are stored whole."""

_NOT_STORED = -1
_DIMENSION = Embedder.dimension


class Quantised(NamedTuple):
    """A chunk's wordpiece ids and its token vectors as int8 codes times a per-token scale."""

    ids: npt.NDArray[np.int64]
    codes: npt.NDArray[np.int8]
    scale: npt.NDArray[np.float32]  # tokens × 1

    def vectors(self) -> npt.NDArray[np.float32]:
        return unit(self.codes.astype(np.float32) * self.scale)

    @property
    def nbytes(self) -> int:
        return stored_bytes(len(self.ids))


def stored_bytes(tokens: int) -> int:
    """Disk taken by `tokens` stored token vectors (codes, scale and id of each)."""
    return tokens * (_DIMENSION + 4 + 4)


def int8_rows(
    vectors: npt.NDArray[np.float32],
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]:
    """Each row as int8 codes times one float32 scale (rows × 1)."""
    scale = np.abs(vectors).max(axis=1, keepdims=True) / 127
    scale[scale == 0] = 1.0
    return np.round(vectors / scale).astype(np.int8), scale.astype(np.float32)


def quantise(tokens: TokenVectors) -> Quantised:
    return Quantised(tokens.ids, *int8_rows(tokens.vectors))


def unit(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


class StoredTokens:
    """One generation's stored token vectors, as loaded (memory-mapped)."""

    def __init__(
        self,
        spans: npt.NDArray[np.int64],
        ids: npt.NDArray[np.int32],
        codes: npt.NDArray[np.int8],
        scales: npt.NDArray[np.float32],
    ) -> None:
        self._spans, self._ids, self._codes, self._scales = spans, ids, codes, scales

    @classmethod
    def empty(cls, chunks: int = 0) -> "StoredTokens":
        return cls(
            np.full((chunks, 2), _NOT_STORED, dtype=np.int64),
            np.zeros(0, dtype=np.int32),
            np.zeros((0, _DIMENSION), dtype=np.int8),
            np.zeros(0, dtype=np.float32),
        )

    @classmethod
    def load(cls, target: Path, chunks: int) -> "StoredTokens":
        """What `save` wrote in `target`; nothing stored if the generation predates it."""
        if not (target / "token_spans.npy").exists():
            return cls.empty(chunks)
        spans = np.load(target / "token_spans.npy")
        if spans.shape != (chunks, 2):
            raise ValueError(f"token spans for {spans.shape[0]} chunks, index has {chunks}")
        # Plain arrays over the mapped pages (no copy): slicing a `np.memmap` goes through
        # its Python-level `__getitem__`, and every search slices about 60 rows three ways.
        return cls(
            spans,
            *(np.asarray(np.load(target / f"token_{part}.npy", mmap_mode="r")) for part in _PARTS),
        )

    def row(self, index: int) -> Quantised | None:
        start, end = (int(x) for x in self._spans[index])
        if start == _NOT_STORED:
            return None
        ids = self._ids[start:end].astype(np.int64)
        return Quantised(ids, self._codes[start:end], self._scales[start:end, None])

    @property
    def stored(self) -> int:
        return int((self._spans[:, 0] != _NOT_STORED).sum())

    @property
    def nbytes(self) -> int:
        return stored_bytes(len(self._ids))


_PARTS = ("ids", "codes", "scales")


def save_tokens(target: Path, rows: Sequence[Quantised | None], budget_bytes: int) -> int:
    """Writes the rows' token vectors in order until the next would pass the budget; the
    rest (and rows with none) are marked not stored. A kept generation's rows are views
    of its memory-mapped files and are written straight into the new ones, so they are
    copied without being held in memory. Returns the number stored."""
    spans = np.full((len(rows), 2), _NOT_STORED, dtype=np.int64)
    used = total = 0
    for index, found in enumerate(rows):
        if found is None:
            continue
        if stored_bytes(total + len(found.ids)) > budget_bytes:
            break
        spans[index] = total, total + len(found.ids)
        total += len(found.ids)
        used += 1
    files = {
        "ids": np.lib.format.open_memmap(
            target / "token_ids.npy", mode="w+", dtype=np.int32, shape=(total,)
        ),
        "codes": np.lib.format.open_memmap(
            target / "token_codes.npy",
            mode="w+",
            dtype=np.int8,
            shape=(total, _DIMENSION),
        ),
        "scales": np.lib.format.open_memmap(
            target / "token_scales.npy", mode="w+", dtype=np.float32, shape=(total,)
        ),
    }
    for found, (start, end) in zip(rows, spans, strict=True):
        if found is None or start == _NOT_STORED:
            continue
        files["ids"][start:end] = found.ids
        files["codes"][start:end] = found.codes
        files["scales"][start:end] = found.scale[:, 0]
    for written in files.values():
        written.flush()
    del files
    np.save(target / "token_spans.npy", spans)
    return used
