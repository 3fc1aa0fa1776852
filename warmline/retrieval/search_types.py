"""What a search takes and gives back, shared by the in-process index and Qdrant."""

from typing import Literal

from pydantic import BaseModel

from warmline.retrieval.chunking import Chunk

Mode = Literal["hybrid", "dense", "lexical"]


class SearchFilters(BaseModel):
    include_internal: bool = False
    language: str | None = None
    tags: list[str] = []


class Scored(BaseModel):
    """One chunk as one of the two searches ranked it, before fusion."""

    chunk: Chunk
    score: float


class Hit(BaseModel):
    chunk: Chunk
    score: float
    dense: float = 0.0
    lexical: float = 0.0
    # Set on the top few hybrid hits only (`coverage.py`); 0 elsewhere.
    coverage: float = 0.0
