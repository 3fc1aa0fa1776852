"""Short phone numbers and extensions introduced as one: "call me on 7012", "ext. 4412".

Small countries and islands dial four- or five-digit national numbers, and switchboards
add extensions of that length. Alone such a number reads as an amount, a PIN or an order
number, so it is hidden only when a phone word stands right before it, joined by no
more than "me", "on", "at", "is", "number", "no." or a colon; "order number 12345" and
"call about the 1234 charge" stay.
"""

from warmline.guardrails.recognizers.context import RegexGroupRecognizer

_PHONE_WORD = r"(?:phone|tel|telephone|mobile|cell|landline|whatsapp|ext|extension|call|text|ring)"
_JOINER = r"(?:me|us|on|at|is|number|no|nr|#|:|\.)"
SHORT_PHONE = (
    rf"(?i:\b{_PHONE_WORD}\b(?:\s*{_JOINER}(?![\w]))*\s*)"
    r"(?P<value>\d{4,5})(?![\d-]|[.,]\d|\s*\d)"
)


class ShortPhoneRecognizer(RegexGroupRecognizer):
    def __init__(self) -> None:
        super().__init__("PHONE_NUMBER", [SHORT_PHONE], score=0.6)
