"""Payment card numbers, written with any separator."""

from presidio_analyzer import EntityRecognizer, Pattern
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer

from warmline.guardrails.recognizers.context import NumberPatternRecognizer

# Customers and attackers group digits with spaces, dashes, dots, slashes or
# underscores ("4012.8888.8888.1881"); Luhn decides, not the separator.
SEPARATORS = " .-/_"
_SEP = r"[ .\-/_]{0,2}"


# A standalone "00" or "011" before sixteen digits or more, which no phone has (E.164
# allows fifteen after the prefix): the card after it ("00 2221 0000 0000 0009").
_AFTER_DIALLING_OUT = rf"(?:(?<=(?<![\d\-.+])00 )|(?<=(?<![\d\-.+])011 ))(?=(?:\d{_SEP}){{15}}\d)"


def card_recognizer() -> EntityRecognizer:
    """Any 12–19 digit number that passes Luhn, including ranges Presidio's patterns miss
    (Mastercard 2-series, Diners' 14 digits); not part of a longer digit run such as a
    tracking number, and not a number dialled abroad: after a "+" or starting with the
    "00" or "011" that dials out ("0011 247 62889", "+1 684 733 1234"), where one number
    in ten passes Luhn by chance and showed as `<CARD_1>`; the phone readers take it.
    A run too long for a phone after a "00" or "011" alone is read from its next group."""
    return CreditCardRecognizer(
        patterns=[
            Pattern(
                name="any_luhn",
                regex=rf"(?<![\d\-.+])(?:(?<!\d )|{_AFTER_DIALLING_OUT})(?!00|011)"
                rf"(?:\d{_SEP}){{11,18}}\d(?!{_SEP}\d)",
                score=0.6,
            )
        ],
        replacement_pairs=[(ch, "") for ch in SEPARATORS],
        name="LuhnCardRecognizer",
    )


# The issuer prefixes of the big networks (Visa, Mastercard incl. 2-series, Amex,
# Discover), then the rest of a 15- or 16-digit number in any grouping.
_ISSUER = r"(?:4\d|5[1-5]|2[2-7]|3[47]|6[05])"
CARD_SHAPED_SCORE = 0.4  # above the threshold on its own
CARD_WORDS = ["card", "visa", "mastercard", "amex", "discover", "credit", "debit", "cc", "pan"]


class CardShapedRecognizer(NumberPatternRecognizer):
    """A number shaped like a card of a big network that fails Luhn, unless the words
    before it name it as something else ("order 4222…", "tracking number 4…").

    A customer who mistypes one digit of their card has still written fifteen of its
    sixteen digits; Luhn tells whether a number was typed right, not whether it is a
    card. The shape (an issuer prefix and the network's length) is the evidence, so
    "4222 2222 2222 2222" alone is hidden, and a card word near it ("my visa is …")
    raises its score further through Presidio's context enhancer. Order, tracking and
    invoice numbers introduced as such stay readable, and a company's own identifiers
    can be kept with `pii_allow_patterns`.
    """

    def __init__(self) -> None:
        super().__init__(
            supported_entity="CREDIT_CARD",
            name="CardShapedRecognizer",
            patterns=[
                Pattern(
                    name="card_shaped",
                    regex=rf"(?<![\d\-.])(?<!\d ){_ISSUER}(?:{_SEP}\d){{13,14}}(?!{_SEP}\d)",
                    score=CARD_SHAPED_SCORE,
                )
            ],
            context=CARD_WORDS,
        )
