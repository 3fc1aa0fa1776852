"""Phone numbers written with a country code or introduced as one."""

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from warmline.guardrails.recognizers.context import RegexGroupRecognizer, named_otherwise

_PHONE_CONTEXT = (
    r"(?:phone|call|calling|ring|tel\.?|telephone|number|mobile|cell|whatsapp|sms|texts?|"
    r"reach me|contact me|número|numero|telefon|téléphone|handy|nummer|móvil)"
)
PHONE_PATTERNS = [
    # +52 1 55 8561 0785, +44 (0)20 7946 0958: a leading + and a country code is strong evidence.
    r"(?<![\w+])(?P<value>\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,6})(?![\d-])",
    # Local numbers only near a word that says they are one.
    rf"(?i:\b{_PHONE_CONTEXT}\b)\D{{0,20}}?(?P<value>\(?\d[\d ().-]{{6,16}}\d)(?![\d-])",
]


_LOCAL_NUMBER = re.compile(r"\d{3}[-. ]\d{4}")
_SSN_CONTEXT = re.compile(r"\b(?:ssn|social security)\b", re.IGNORECASE)


class PhonePatternRecognizer(RegexGroupRecognizer):
    def __init__(self) -> None:
        super().__init__("PHONE_NUMBER", PHONE_PATTERNS, score=0.6)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Numbers introduced as an SSN are left to the SSN recognizer, and numbers the
        words before name as a reference ("tracking number 9400 1000 …") stay."""
        return [
            r
            for r in super().analyze(text, entities, nlp_artifacts)
            if not _SSN_CONTEXT.search(text[max(0, r.start - 24) : r.start])
            and not named_otherwise(text, r.start)
        ]

    def accept(self, value: str) -> bool:
        """Seven digits is a local number ("phone 555-0142") only written as one, three digits
        then four; only the context pattern, which needs a word like "phone" or "call"
        before it, can match one that short, and "invoice 2024-0117" is not one."""
        digits = sum(ch.isdigit() for ch in value)
        if digits == 7:
            return bool(_LOCAL_NUMBER.fullmatch(value.strip()))
        return 8 <= digits <= 15


# At leniency VALID (what `extra_recognizers` asks for) a match must be a valid number,
# and no region's valid numbers have fewer national digits (Austria's and Germany's
# shortest have four; libphonenumber's `possible_length`; the shorter local-only
# lengths, such as Korea's, are never valid numbers).
SHORTEST_NUMBER = 4


class RegionPhoneRecognizer(PhoneRecognizer):
    """libphonenumber's numbers of the given regions, except those the words before name
    as a reference: "order 612345678" is a valid Spanish mobile number in shape only.

    Its matcher tries every region on every message, about as much CPU as the NER models;
    a message with fewer digits than any region's shortest number is not searched."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if sum(ch.isdigit() for ch in text) < SHORTEST_NUMBER:
            return []
        return [
            r
            # Presidio annotates the artifacts as required, though its own default is None.
            for r in super().analyze(text, entities, nlp_artifacts)  # type: ignore[arg-type]
            if not named_otherwise(text, r.start)
        ]
