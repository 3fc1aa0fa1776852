"""Recognizers added to Presidio's registry for what support chats contain.

The statistical NER misses names that customers introduce in lower-case or in
short messages ("my name is ana lopez"); an introduction phrase is strong evidence
on its own, so it is recognised by pattern and scored high.
"""

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

_NAME_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿ'’-]{2,}"
_STRONG = re.compile(
    r"\b(?:my name is|my name's|name is|call me|i am called|signed)\s+"
    rf"(?P<name>{_NAME_WORD}(?:\s+(?!and\b|from\b|with\b|here\b){_NAME_WORD}){{0,2}})",
    re.IGNORECASE,
)
# "this is ..." introduces a name only when what follows is capitalised ("this is Ana Ruiz"),
# never an adjective ("this is terrible").
_WEAK = re.compile(
    r"\b[Tt]his is\s+"
    r"(?P<name>[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+(?:\s+[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+){0,2})"
)
_NOT_A_NAME = {
    "not",
    "the",
    "a",
    "an",
    "about",
    "regarding",
    "urgent",
    "still",
    "so",
    "very",
    "lumen",
    "really",
    "just",
    "absolutely",
    "ridiculous",
    "unacceptable",
}


class IntroducedNameRecognizer(EntityRecognizer):
    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="IntroducedNameRecognizer")

    def load(self) -> None:
        """Nothing to load: the recognizer is a compiled pattern."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        matches = [*_STRONG.finditer(text), *_WEAK.finditer(text)]
        for match in matches:
            name = match.group("name")
            if name.split()[0].lower() in _NOT_A_NAME:
                continue
            results.append(RecognizerResult("PERSON", match.start("name"), match.end("name"), 0.9))
        return results


def extra_recognizers() -> list[EntityRecognizer]:
    return [IntroducedNameRecognizer()]
