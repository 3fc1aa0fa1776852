"""Chunks' passage vectors (`passages.py`) as int8 with one scale per passage, in an
index generation's folder.

A passage takes 388 bytes (384 int8 codes and a float32 scale) against its chunk's 1,536
(float32); int8 with one scale per row is what the stored token vectors use and costs
no measurable recall there. Only the candidates of a search are read, a few hundred
passages at most, so the arrays are memory-mapped and never scanned.

Files of a generation: `passage_offsets.npy` (chunks + 1: chunk i's passages are rows
offsets[i] to offsets[i + 1]), `passage_codes.npy` (passages × 384), `passage_scales.npy`.
A generation written before these existed has none of them and reads as no passages.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from warmline.retrieval.embedder import Embedder
from warmline.retrieval.stored_tokens import int8_rows

_DIMENSION = Embedder.dimension


class Passages(NamedTuple):
    """One chunk's passage vectors, int8 codes times a per-passage scale."""

    codes: npt.NDArray[np.int8]
    scale: npt.NDArray[np.float32]  # passages × 1

    @classmethod
    def of(cls, vectors: npt.NDArray[np.float32]) -> "Passages":
        return cls(*int8_rows(vectors.reshape(-1, _DIMENSION)))


class StoredPassages:
    """One generation's passage vectors, as loaded (memory-mapped)."""

    def __init__(
        self,
        offsets: npt.NDArray[np.int64],
        codes: npt.NDArray[np.int8],
        scales: npt.NDArray[np.float32],
        written: bool = True,
    ) -> None:
        """`written` is False for a generation written before passages were stored."""
        self._offsets, self._codes, self._scales = offsets, codes, scales
        self.written = written

    @classmethod
    def empty(cls, chunks: int = 0, written: bool = True) -> "StoredPassages":
        return cls(
            np.zeros(chunks + 1, dtype=np.int64),
            np.zeros((0, _DIMENSION), dtype=np.int8),
            np.zeros(0, dtype=np.float32),
            written,
        )

    @classmethod
    def load(cls, target: Path, chunks: int) -> "StoredPassages":
        """What `save_passages` wrote in `target`; no passages if the generation predates it."""
        if not (target / "passage_offsets.npy").exists():
            return cls.empty(chunks, written=False)
        offsets = np.load(target / "passage_offsets.npy")
        if offsets.shape != (chunks + 1,):
            raise ValueError(f"passage offsets for {len(offsets) - 1} chunks, index has {chunks}")
        return cls(
            offsets,
            np.load(target / "passage_codes.npy", mmap_mode="r"),
            np.load(target / "passage_scales.npy", mmap_mode="r"),
        )

    def row(self, index: int) -> Passages:
        start, end = int(self._offsets[index]), int(self._offsets[index + 1])
        return Passages(self._codes[start:end], self._scales[start:end, None])

    def best(self, rows: Sequence[int], vector: npt.NDArray[np.float32]) -> list[float | None]:
        """Each row's best passage cosine against the (unit) query vector; None for a chunk
        without passages. The passages are unit vectors before quantising, so the dot
        product of their codes times their scale is their cosine to within int8's rounding
        (about 10⁻³): no norm is taken."""
        chosen = np.asarray(rows, dtype=np.int64)
        starts, ends = self._offsets[chosen], self._offsets[chosen + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        if not total:
            return [None] * len(rows)
        # The rows' passages, gathered in one fancy index: each row's start, then +1 per passage.
        firsts = np.cumsum(lengths) - lengths
        index = np.repeat(starts - firsts, lengths) + np.arange(total)
        codes = np.asarray(self._codes[index], dtype=np.float32)
        cosines = (codes @ vector.astype(np.float32)) * self._scales[index]
        has = lengths > 0
        best = np.maximum.reduceat(cosines, firsts[has])
        found: list[float | None] = [None] * len(rows)
        for position, value in zip(np.flatnonzero(has), best, strict=True):
            found[int(position)] = float(value)
        return found

    @property
    def count(self) -> int:
        return len(self._scales)


def save_passages(target: Path, rows: Sequence[Passages]) -> None:
    """Writes every row's passages in order; a kept generation's rows are views of its
    memory-mapped files and are copied straight into the new ones."""
    sizes = [len(p.codes) for p in rows]
    offsets = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64)
    total = int(offsets[-1])
    codes = np.lib.format.open_memmap(
        target / "passage_codes.npy", mode="w+", dtype=np.int8, shape=(total, _DIMENSION)
    )
    scales = np.lib.format.open_memmap(
        target / "passage_scales.npy", mode="w+", dtype=np.float32, shape=(total,)
    )
    for passages, start, end in zip(rows, offsets[:-1], offsets[1:], strict=True):
        if end > start:
            codes[start:end] = passages.codes
            scales[start:end] = passages.scale[:, 0]
    codes.flush()
    scales.flush()
    del codes, scales
    np.save(target / "passage_offsets.npy", offsets)
