"""Loop detection: the customer is asking the same thing again.

A customer who rephrases the same question is telling us the last answer did not
help. Word overlap is enough to see it, and unlike an embedding it needs no model
in the guard's hot path.
"""

import re

from warmline.guardrails.evidence import Signal

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP = frozenset(
    "a an the i me my to of and or is are was it this that for on in at do does can you "
    "your with be have has not no so but just please hi hello hey again still what how".split()
)


def _terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def detect_repetition(text: str, earlier: list[str]) -> Signal:
    """Highest overlap (Jaccard over content words) with an earlier customer message."""
    terms = _terms(text)
    if len(terms) < 2:
        return Signal()
    best, best_text = 0.0, ""
    for previous in earlier:
        other = _terms(previous)
        if not other:
            continue
        overlap = len(terms & other) / len(terms | other)
        if overlap > best:
            best, best_text = overlap, previous
    return Signal(score=round(best, 3), evidence=[best_text[:80]] if best else [])
