"""A logistic model over the message's MiniLM embedding, its character n-grams and its
words and word pairs: P(the customer asks for a person).

Rules name the words that asked, but customers find wordings no rule lists. The
embedding retrieval already computes for its search places a message near others
that mean the same; character n-grams (TF-IDF over 2- to 4-letter pieces of each
word, as scikit-learn's `char_wb` analyser cuts them) carry the words themselves
through typos ("agnet", "represenative") and across datasets whose phrasing the
embedding alone ranks poorly (trained on the other sets, it found 0.72 of NLU++'s
requests at a 1% false-positive rate; with the n-grams, 0.92). Words and word pairs
("speak to", "to someone", "customer care") add what neither sees: which words stand
together (trained on the other sets, NLU++ 0.90 -> 0.92-0.95 at 1%, 0.82 -> 0.90 at 0.5%).
All three are one linear model, so a message costs one dot product and a few hundred
dictionary look-ups.

The weights are plain numbers in `request_model.json`, written by
`scripts/train_request_model.py` from public development data and generated
paraphrases (see `evals/README.md`), never from a test split.
"""

import json
import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

_WEIGHTS = Path(__file__).with_name("request_model.json")


class RequestModel(BaseModel):
    """What `scripts/train_request_model.py` writes."""

    weights: list[float]
    ngrams: dict[str, tuple[float, float]]
    """n-gram -> (its inverse document frequency, its weight)."""
    ngram_range: tuple[int, int]
    words: dict[str, tuple[float, float]]
    """Word or word pair ("to someone") -> (its inverse document frequency, its weight)."""
    word_ngram_range: tuple[int, int]
    bias: float
    threshold: float
    trained_on: int


def char_ngrams(text: str, sizes: tuple[int, int]) -> Counter[str]:
    """The n-grams scikit-learn's `char_wb` analyser counts in `text`: each word padded
    with a space either side, cut into every piece of each size that fits (a word
    shorter than a size counts once, whole, and ends its sizes)."""
    grams: list[str] = []
    for word in text.lower().split():
        padded = f" {word} "
        length = len(padded)
        for n in range(sizes[0], sizes[1] + 1):
            if length <= n:
                grams.append(padded)
                break
            grams.extend([padded[i : i + n] for i in range(length - n + 1)])
    return Counter(grams)


# scikit-learn's default word: two or more word characters ("i" and "a" are left out).
_WORD = re.compile(r"(?u)\b\w\w+\b")


def word_ngrams(text: str, sizes: tuple[int, int]) -> Counter[str]:
    """The words and runs of words scikit-learn's default `word` analyser counts in
    `text`: lower-cased words of two or more letters, joined by a space."""
    words = _WORD.findall(text.lower())
    return Counter(
        " ".join(words[i : i + n])
        for n in range(sizes[0], sizes[1] + 1)
        for i in range(len(words) - n + 1)
    )


def _tfidf_score(grams: Counter[str], known: dict[str, tuple[float, float]]) -> float:
    """The weighted sum of `grams`' TF-IDF as the trainer's vectoriser computes it:
    sublinear counts times idf, normalised over the grams it knows."""
    values: list[float] = []
    score = 0.0
    for gram, count in grams.items():
        if entry := known.get(gram):
            value = (1.0 + math.log(count)) * entry[0]
            values.append(value)
            score += value * entry[1]
    return score / (math.sqrt(sum(v * v for v in values)) or 1.0)


@lru_cache(maxsize=1)
def _model() -> tuple[RequestModel, npt.NDArray[np.float32]]:
    model = RequestModel.model_validate(json.loads(_WEIGHTS.read_text(encoding="utf-8")))
    return model, np.asarray(model.weights, dtype=np.float32)


def request_probability(text: str, vector: npt.NDArray[np.float32]) -> float:
    """P(request) for `text` (spelling-folded, as the model was trained) whose
    normalised MiniLM embedding is `vector`."""
    model, weights = _model()
    logit = (
        float(vector @ weights)
        + _tfidf_score(char_ngrams(text, model.ngram_range), model.ngrams)
        + _tfidf_score(word_ngrams(text, model.word_ngram_range), model.words)
        + model.bias
    )
    return 1.0 / (1.0 + math.exp(-logit))


def request_threshold() -> float:
    """The probability at or above which the model's reading counts as a request."""
    return _model()[0].threshold
