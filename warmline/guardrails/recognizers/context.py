"""The base of recognizers that need context before a value but hide only the value."""

import re

from presidio_analyzer import EntityRecognizer, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

# Words that name the number after them as a reference, not a card or a phone, in the
# same sentence: "my order. Number is 555-123-4567" names a phone.
_OTHER_NUMBER = re.compile(
    r"\b(?:(?:order|tracking|track|parcel|shipment|invoice|ref|reference|ticket|case|report|"
    r"claim|confirmation|booking|transaction|serial|imei)\b|ref\.)[^\w.!?\n]*"
    r"(?:(?:no\.?|number|#|id)(?:\s+(?:is|was))?)?[^\w.!?\n]*$",
    re.IGNORECASE,
)


def named_otherwise(text: str, start: int) -> bool:
    """The words just before `start` name the number there as an order, tracking,
    invoice or other reference number ("order 4222…", "police report no. 23-88812",
    "my order number is 123-456-7890")."""
    return bool(_OTHER_NUMBER.search(text, max(0, start - 40), start))


class NumberPatternRecognizer(PatternRecognizer):
    """A pattern recognizer for numbers that drops those the words before name as a
    reference ("tracking 9400 …", "order 4222 …"): a shape alone cannot tell them apart."""

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        return [
            result
            for result in super().analyze(text, entities, nlp_artifacts, regex_flags)
            if not named_otherwise(text, result.start)
        ]


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
