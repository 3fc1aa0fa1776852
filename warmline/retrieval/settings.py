"""Search settings, owned by the retrieval package and nested as `retrieval` in the
product's settings (WARMLINE_RETRIEVAL__TOP_K=8)."""

from typing import Literal

from pydantic import Field

from warmline.retrieval.confidence import AnswerableModel
from warmline.retrieval.store import ClusterLayout
from warmline.retrieval.stored_tokens import DEFAULT_BUDGET_MIB


class RetrievalSettings(ClusterLayout):
    """Search settings, and how a new collection is laid out on a Qdrant cluster."""

    collection: str = "kb_default"
    top_k: int = 12
    mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    max_answer_chars: int = 1200
    sync_on_start: bool = True
    answerable: AnswerableModel = AnswerableModel()
    token_vectors_mib: int = Field(
        DEFAULT_BUDGET_MIB,
        ge=0,
        description="disk the embedded index may use for chunks' token vectors (the "
        "confidence's coverage); chunks past it have theirs computed at first search",
    )
