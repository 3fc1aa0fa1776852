"""Loop detection: the customer is asking the same thing again.

A customer who rephrases the same question is telling us the last answer did not
help. Word overlap is enough to see it, and unlike an embedding it needs no model
in the guard's hot path.

Only wording counts: placeholders, identifiers (anything with a digit) and short
answers ("No, not at the moment" after each of two questions) are what a customer
sends again when asked, not a question asked again.
"""

import re

from warmline.guardrails.evidence import Signal
from warmline.guardrails.masked import MASKED, unmasked

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_ANSWER = re.compile(
    r"^\W*(?:yes|yeah|yep|no|nope|ok|okay|sure|right|correct|exactly|not yet)\b", re.IGNORECASE
)
_ANSWER_WORDS = 8
_DIGIT = re.compile(r"\d")
_DETAIL_WORDS = 3
_STOP = frozenset(
    "a an the i me my to of and or is are was it this that for on in at do does can you "
    "your with be have has not no so but just please hi hello hey again still what how".split()
)


def _terms(text: str) -> set[str]:
    words = _WORD.findall(unmasked(text).lower())
    return {w for w in words if w not in _STOP and not any(c.isdigit() for c in w)}


def _is_answer(text: str, terms: set[str]) -> bool:
    """A short reply that opens with yes, no or ok answers the bot, and a few words around
    an identifier ("Serial number: A1234") give a detail it asked for: neither asks."""
    if _ANSWER.match(text) and len(text.split()) <= _ANSWER_WORDS:
        return True
    details = MASKED.search(text) or _DIGIT.search(text)
    return bool(details) and len(terms) <= _DETAIL_WORDS


def detect_repetition(text: str, earlier: list[str]) -> Signal:
    """Highest overlap (Jaccard over content words) with an earlier customer message."""
    terms = _terms(text)
    if len(terms) < 2 or _is_answer(text, terms):
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
