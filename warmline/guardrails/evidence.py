"""The common shape of every signal: a score and the words that produced it."""

import re
from collections.abc import Iterable

from pydantic import BaseModel, Field


class Signal(BaseModel):
    score: float = 0.0
    evidence: list[str] = Field(default_factory=list)

    def fired(self, threshold: float = 0.5) -> bool:
        return self.score >= threshold


def matches(patterns: Iterable[re.Pattern[str]], text: str) -> list[str]:
    """Every distinct matched phrase, in order of appearance."""
    found = sorted((m.start(), m.group(0)) for p in patterns for m in p.finditer(text))
    return list(dict.fromkeys(phrase for _, phrase in found))


def compile_all(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in patterns]
