"""Dates that the text says are birth dates."""

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|enero|febrero|marzo|abril|"
    r"mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|januar|februar|märz|mai|"
    r"juni|juli|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|"
    r"octobre|novembre|décembre)\.?"
)
_DATE = (
    rf"(?:\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|"
    rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|"
    rf"\d{{1,2}}(?:st|nd|rd|th|\.)?\s+(?:of\s+|de\s+)?{_MONTH}\s+(?:de\s+)?\d{{4}})"
)
_BIRTH_CONTEXT = (
    r"(?:born|birth ?date|date of birth|d\.?o\.?b\b|birthday|"
    r"nacid[oa](?: el)?|nací el|fecha de nacimiento|geboren(?: am)?|geb\.|bin am|geburtsdatum|"
    r"né(?:e)? le|date de naissance)"
)


class DateOfBirthRecognizer(EntityRecognizer):
    """Dates that the text says are birth dates; order and delivery dates are not PII.

    Every date within a short window after a birth-date phrase counts ("my birth date
    should be 1992-06-25, not 07/16/1965" holds two).
    """

    WINDOW = 60

    def __init__(self) -> None:
        super().__init__(supported_entities=["DATE_OF_BIRTH"], name="DateOfBirthRecognizer")
        self.trigger = re.compile(rf"\b{_BIRTH_CONTEXT}", re.IGNORECASE)
        self.date = re.compile(_DATE, re.IGNORECASE)

    def load(self) -> None:
        """Nothing to load: the recognizer is compiled patterns."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for context in self.trigger.finditer(text):
            window = text[context.end() : context.end() + self.WINDOW]
            for date in self.date.finditer(window):
                start = context.end() + date.start()
                results.append(
                    RecognizerResult("DATE_OF_BIRTH", start, start + len(date.group(0)), 0.9)
                )
        return results
