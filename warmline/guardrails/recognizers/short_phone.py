"""Short phone numbers and extensions introduced as one: "call me on 7012", "ext. 4412",
"mi móvil es 612345", "Handy: 62889", "my number is 20 123".

Small countries and islands dial four- to seven-digit national numbers, and switchboards
add extensions of that length. Alone such a number reads as an amount, a PIN or an order
number, so it is hidden only when a phone word of English, Spanish, German or French (or
"my number", "mi número", "meine Nummer") stands right before it, joined by nothing but
a few short words ("me", "on", "at", "is", "es", "al", "ist", "unter", "est", "le"), "number",
"no." or a colon. "order number 12345", "call about the 1234 charge" and "the phone is
2000 dollars" stay, and so does a time of day said with "at" ("call me at 1030").
"""

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from warmline.guardrails.recognizers.context import RegexGroupRecognizer, named_otherwise

_PHONE_WORD = (
    r"(?:phone|telephone|tel|ph|mobile|mob|cell|cellphone|landline|whatsapp|sms|ext|extension|"
    r"call|text|ring|reach\s+me|contact\s+(?:me|number)|"
    r"tel[eé]fono|tlf|telf|m[oó]vil|celular|cel|extensi[oó]n|anexo|ll[aá]m[ae]me|"
    r"telefon|handy|mobil|festnetz|rufnummer|durchwahl|t[eé]l[eé]phone|t[eé]l|portable|"
    r"ruf|(?:my|mi|meine?|mon)\s+(?:number|num|n[uú]m[eé]ro|nummer))"
)
_JOINER = (
    r"(?:(?:me|us|on|at|is|my|number|num|no|nr|n[uú]m[eé]ro|nummer|es|el|al|mi|ist|unter|"
    r"mich|lautet|est|le|au)(?!\w)|[#:.º°])"
)
# What a number a phone word precedes may instead be: an amount, a count or a time.
_NOT_A_NUMBER = (
    r"\s*(?:%|[$€£]|(?:dollars?|euros?|pounds?|usd|eur|gbp|cents?|pence|times|items|units|"
    r"pcs|minutes|mins?|seconds|secs?|hours|hrs?|days|am|pm|k)\b)"
)
# "at" and four digits that read as a time of day on a 24-hour clock: when to call, not where.
_AT_A_TIME = re.compile(r"(?i:(?<!\w)at\s*)(?:[01]\d|2[0-3])[0-5]\d")
SHORT_PHONE = (
    rf"(?i:(?<!\w){_PHONE_WORD}(?!\w)(?:\s*{_JOINER})*\s*)"
    # Four to seven digits, or two groups ("20 123", "211-2345").
    r"(?P<value>\d{4,7}|\d{2,4}[ -]\d{3,4})"
    rf"(?![\w-]|[.,]\d|\s*\d|(?i:{_NOT_A_NUMBER}))"
)


class ShortPhoneRecognizer(RegexGroupRecognizer):
    def __init__(self) -> None:
        super().__init__("PHONE_NUMBER", [SHORT_PHONE], score=0.6)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Numbers the words before name as a reference ("case number 12345") stay, and so
        do times of day ("at 1030")."""
        return [
            r
            for r in super().analyze(text, entities, nlp_artifacts)
            if not named_otherwise(text, r.start) and not _a_time(text, r.start, r.end)
        ]


def _a_time(text: str, start: int, end: int) -> bool:
    """The number is four digits that read as a time, right after "at"."""
    before = text.rfind("at", max(0, start - 8), start)
    return before >= 0 and _AT_A_TIME.fullmatch(text, before, end) is not None
