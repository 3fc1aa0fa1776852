"""A logistic model over the message's MiniLM embedding: P(the customer asks for a person).

Rules name the words that asked, but customers find wordings no rule lists. The
embedding retrieval already computes for its search places a message near others
that mean the same, so a linear model over it generalises to those wordings at the
cost of one dot product. The weights are plain numbers in `request_model.json`,
written by `scripts/train_request_model.py` from public development data and
generated paraphrases (see `evals/README.md`), never from a test split.
"""

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

_WEIGHTS = Path(__file__).with_name("request_model.json")


@lru_cache(maxsize=1)
def _model() -> tuple[npt.NDArray[np.float32], float, float]:
    data = json.loads(_WEIGHTS.read_text(encoding="utf-8"))
    return np.asarray(data["weights"], dtype=np.float32), float(data["bias"]), data["threshold"]


def request_probability(vector: npt.NDArray[np.float32]) -> float:
    weights, bias, _ = _model()
    return float(1.0 / (1.0 + np.exp(-(float(vector @ weights) + bias))))


def request_threshold() -> float:
    """The probability at or above which the model's reading counts as a request."""
    return _model()[2]
