"""A ZIP or postcode that the text introduces as one ("zip 94043", "postcode SW1A 1AA").

On its own a five-digit number is no address, so only a code named as one is hidden.
"""

from warmline.guardrails.recognizers.context import RegexGroupRecognizer

_CODE = (
    r"\d{5}(?:-\d{4})?|[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}|[A-Za-z]\d[A-Za-z]\s?\d[A-Za-z]\d|"
    r"\d{4}\s?[A-Za-z]{2}|\d{3}-\d{4}|\d{2}-\d{3}|\d{4,6}"
)


class PostcodeRecognizer(RegexGroupRecognizer):
    def __init__(self) -> None:
        super().__init__(
            "ADDRESS",
            [
                r"(?i:\b(?:zip|zip ?code|zipcode|post ?code|postal ?code|plz|postleitzahl|"
                r"code postal|c[oó]digo postal|cap|pin ?code)\b(?:\s+is)?\s*[:#=-]?\s*)"
                rf"(?P<value>{_CODE})\b"
            ],
            score=0.85,
        )
