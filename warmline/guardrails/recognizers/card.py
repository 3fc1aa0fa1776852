"""Payment card numbers, written with any separator."""

from presidio_analyzer import EntityRecognizer, Pattern
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer

# Customers and attackers group digits with spaces, dashes, dots, slashes or
# underscores ("4012.8888.8888.1881"); Luhn decides, not the separator.
SEPARATORS = " .-/_"
_SEP = r"[ .\-/_]{0,2}"


def card_recognizer() -> EntityRecognizer:
    """Any 12–19 digit number that passes Luhn, including ranges Presidio's patterns miss
    (Mastercard 2-series, Diners' 14 digits); not part of a longer digit run such as a
    tracking number."""
    return CreditCardRecognizer(
        patterns=[
            Pattern(
                name="any_luhn",
                regex=rf"(?<![\d\-.])(?<!\d )(?:\d{_SEP}){{11,18}}\d(?!{_SEP}\d)",
                score=0.6,
            )
        ],
        replacement_pairs=[(ch, "") for ch in SEPARATORS],
        name="LuhnCardRecognizer",
    )
