"""Numbers written the way phone numbers are written, in any country's grouping.

libphonenumber only knows the regions it is asked about, and a bare national number
("8 029 491-19-11", "221 12 34") carries no country. Seven to thirteen digits in
three or more groups (or "321 2345") split by spaces, dashes or brackets are a phone number unless
they read as a date, a time, an amount or a version.
"""

import re

from presidio_analyzer import Pattern, PatternRecognizer

_GROUPS = (
    r"(?<![\w.,/$€£+-])(?:\+?\(?\d{1,4}\)?)(?:[ -]\(?\d{1,4}\)?){2,5}(?![\w,/%€$£-]|\.\d)"
    r"(?!\s*(?:dollars?|euros?|pounds?|usd|eur|gbp|cents?|pence|times|items|units|pcs)\b)"
)
# A local number as North America and many islands write it: "321 2345".
_LOCAL = r"(?<![\w.,/$€£+-])\d{3}[ -]\d{4}(?![\w,/%€$£-]|\.\d|[ -]\d)"
# Day, month and year in either order, split by dashes, dots, slashes or spaces.
DATE = re.compile(
    r"(?:\d{4}[-./ ](?:0?[1-9]|1[0-2])[-./ ](?:0?[1-9]|[12]\d|3[01])|"
    r"(?:0?[1-9]|[12]\d|3[01])[-./ ](?:0?[1-9]|[12]\d|3[01])[-./ ](?:\d{4}|\d{2}))"
)


class PhoneShapeRecognizer(PatternRecognizer):
    def __init__(self) -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            name="PhoneShapeRecognizer",
            patterns=[
                Pattern(name="phone_groups", regex=_GROUPS, score=0.4),
                Pattern(name="local_number", regex=_LOCAL, score=0.4),
            ],
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        """Seven to thirteen digits and not a date; None keeps the pattern's score."""
        digits = sum(ch.isdigit() for ch in pattern_text)
        return None if 7 <= digits <= 13 and not DATE.fullmatch(pattern_text) else False
