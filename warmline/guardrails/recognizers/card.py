"""Payment card numbers."""

from presidio_analyzer import EntityRecognizer, Pattern
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer


def card_recognizer() -> EntityRecognizer:
    """Any 13–19 digit number that passes Luhn, including ranges Presidio's patterns miss
    (Mastercard 2-series); not part of a longer digit run such as a tracking number."""
    return CreditCardRecognizer(
        patterns=[
            Pattern(
                name="any_luhn",
                regex=r"(?<![\d-])(?<!\d )(?:\d[ -]?){12,18}\d(?![ -]?\d)",
                score=0.6,
            )
        ],
        name="LuhnCardRecognizer",
    )
