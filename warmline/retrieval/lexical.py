"""BM25-style sparse vectors, so exact product names, error codes and order numbers match.

Dense embeddings blur "E-3107" into "some error"; a lexical vector keeps it exact.
Documents carry BM25 term weights (saturated term frequency with length
normalisation against a fixed average length, so a document's vector never
depends on the rest of the corpus and incremental sync stays correct); Qdrant
applies the IDF at query time (`Modifier.IDF`), from the collection as it is.
"""

import hashlib
import re
from collections import Counter
from functools import lru_cache

from qdrant_client import models

K1 = 1.2
B = 0.75
AVERAGE_LENGTH = 120.0
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_DIGIT = re.compile(r"[0-9]")
_STOP = frozenset(
    "a an and are as at be but by can do does for from have how i if in is it its me my no "
    "not of on or our so that the their there this to was we what when where which who why "
    "will with you your".split()
)


def _stem(word: str) -> str:
    """Enough suffix folding for support text ("refunds", "refunded" → "refund")."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if (
            word.endswith(suffix)
            and len(word) - len(suffix) >= 3
            and not word.endswith(("ss", "us", "is"))
        ):
            return word[: -len(suffix)] + keep
    return word


def tokens(text: str) -> list[str]:
    """Words, stemmed; identifiers also as one token without the hyphen ("e-1042" → "e1042")."""
    found: list[str] = []
    for match in _WORD.finditer(text.lower()):
        found += _word_tokens(match.group(0))
    return found


# Words recur (the spelling check alone searches a misspelled word's 300-odd variants), so
# each word's tokens and each token's index are kept rather than worked out again.
_KEPT_WORDS = 1 << 14


@lru_cache(maxsize=_KEPT_WORDS)
def _word_tokens(word: str) -> tuple[str, ...]:
    """One word's tokens; `_WORD` admits ASCII letters, digits and hyphens only."""
    if "-" in word or _DIGIT.search(word):
        parts = [part for part in word.split("-") if part.isdigit() and len(part) >= 3]
        return (word.replace("-", ""), *parts)
    if word in _STOP:
        return ()
    return (_stem(word),)


@lru_cache(maxsize=_KEPT_WORDS)
def _index(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest()) & 0x7FFFFFFF


def document_vector(text: str) -> models.SparseVector:
    counts = Counter(tokens(text))
    length = sum(counts.values()) or 1
    norm = K1 * (1 - B + B * length / AVERAGE_LENGTH)
    weights: dict[int, float] = {}
    for token, tf in counts.items():
        weights[_index(token)] = weights.get(_index(token), 0.0) + tf * (K1 + 1) / (tf + norm)
    return models.SparseVector(indices=list(weights), values=list(weights.values()))


def query_vector(text: str) -> models.SparseVector:
    indices = sorted({_index(token) for token in tokens(text)})
    return models.SparseVector(indices=indices, values=[1.0] * len(indices))
