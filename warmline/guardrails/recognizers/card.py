"""Payment card numbers, written with any separator."""

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer
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


# The issuer prefixes of the big networks (Visa, Mastercard incl. 2-series, Amex,
# Discover), then the rest of a 15- or 16-digit number in any grouping.
_ISSUER = r"(?:4\d|5[1-5]|2[2-7]|3[47]|6[05])"
CARD_WORDS = ["card", "visa", "mastercard", "amex", "discover", "credit", "debit", "cc", "pan"]


def card_shaped_recognizer() -> EntityRecognizer:
    """A card-shaped number that fails Luhn, when the words around it speak of a card.

    A customer who mistypes one digit of their card has still written fifteen of its
    sixteen digits, so "my visa is 4222 2222 2222 2222" is hidden like a valid card. On its
    own the score (0.1) stays below the threshold; Presidio's context enhancer lifts it
    when a card word is near, so order and tracking numbers elsewhere stay in clear.
    """
    return PatternRecognizer(
        supported_entity="CREDIT_CARD",
        name="CardShapedRecognizer",
        patterns=[
            Pattern(
                name="card_shaped",
                regex=rf"(?<![\d\-.])(?<!\d ){_ISSUER}(?:{_SEP}\d){{13,14}}(?!{_SEP}\d)",
                score=0.1,
            )
        ],
        context=CARD_WORDS,
    )
