"""The base of recognizers that need context before a value but hide only the value."""

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts


class RegexGroupRecognizer(EntityRecognizer):
    """A recognizer whose patterns mark the entity with a named group `value`.

    Context ("born", "my name is") decides whether a span is PII, but the span to
    hide is only the value after it; a plain PatternRecognizer would hide both.
    """

    def __init__(self, entity: str, patterns: list[str], score: float, flags: int = 0) -> None:
        super().__init__(supported_entities=[entity], name=f"{entity.title()}ContextRecognizer")
        self.entity = entity
        self.score = score
        self.patterns = [re.compile(p, flags) for p in patterns]

    def load(self) -> None:
        """Nothing to load: the recognizer is compiled patterns."""

    def accept(self, value: str) -> bool:
        return bool(value.strip())

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for pattern in self.patterns:
            for match in pattern.finditer(text):
                value = match.group("value")
                if self.accept(value):
                    start, end = match.span("value")
                    results.append(RecognizerResult(self.entity, start, end, self.score))
        return results
