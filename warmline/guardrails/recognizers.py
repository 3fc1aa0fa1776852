"""Recognizers added to Presidio's registry for what support chats contain.

The statistical NER misses names that customers introduce in lower-case or in
short messages ("my name is ana lopez"); an introduction phrase is strong evidence
on its own, so it is recognised by pattern and scored high.
"""

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

_INTRODUCTION = re.compile(
    r"\b(?:my name is|my name's|name is|this is|call me|i am called|signed)\s+"
    r"(?P<name>[A-Za-zÀ-ÖØ-öø-ÿ'’-]{2,}(?:\s+(?!and\b|from\b|with\b|here\b)"
    r"[A-Za-zÀ-ÖØ-öø-ÿ'’-]{2,}){0,2})",
    re.IGNORECASE,
)
_NOT_A_NAME = {"not", "the", "a", "an", "about", "regarding", "urgent", "still", "so", "very"}


class IntroducedNameRecognizer(EntityRecognizer):
    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="IntroducedNameRecognizer")

    def load(self) -> None:
        """Nothing to load: the recognizer is a compiled pattern."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for match in _INTRODUCTION.finditer(text):
            name = match.group("name")
            if name.split()[0].lower() in _NOT_A_NAME:
                continue
            results.append(RecognizerResult("PERSON", match.start("name"), match.end("name"), 0.9))
        return results


def extra_recognizers() -> list[EntityRecognizer]:
    return [IntroducedNameRecognizer()]
