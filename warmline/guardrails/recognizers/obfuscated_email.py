"""E-mail addresses spelled out to get past filters: "yolanda.pq (at) gmail (dot) com".

Presidio's e-mail recognizer needs a literal "@". A spelled-out address needs an
"at" and at least one "dot" between name-like parts, ending in a known top-level
domain, so "look at this dot" in prose is not one.
"""

import re

from warmline.guardrails.recognizers.context import RegexGroupRecognizer

_TLDS = (
    r"com|net|org|edu|gov|io|co|uk|de|fr|es|it|nl|be|ch|at|pl|se|no|dk|fi|ie|pt|br|mx|ar|in|"
    r"au|nz|jp|cn|kr|ru|ca|us|info|biz|me|app|dev|email|online"
)
_PROVIDERS = re.compile(
    r"\b(?:gmail|googlemail|yahoo|hotmail|outlook|live|msn|icloud|me|aol|proton|protonmail|gmx|"
    r"web|mail|yandex|zoho|orange|free|libero|wanadoo|t-online|qq|163|naver|comcast|verizon)\b"
)
_LEFT = r"[\s\[\(\{<]*"
_RIGHT = r"[\s\]\)\}>]*"
_AT = rf"{_LEFT}(?:@|\bat\b|\bät\b|\barroba\b|\bchez\b){_RIGHT}"
_DOT = rf"{_LEFT}(?:\.|\bdot\b|\bpunto\b|\bpunkt\b|\bpoint\b){_RIGHT}"
# Bounded as addresses are (64 characters a part, a few parts): unbounded, a run such as
# "a-a-a-…" or "a.a.a.…" is re-read from every letter, which takes quadratic time.
_LABEL = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
_PARTS = "{0,8}"


class ObfuscatedEmailRecognizer(RegexGroupRecognizer):
    def __init__(self) -> None:
        super().__init__(
            "EMAIL_ADDRESS",
            [
                rf"(?i)(?P<value>\b{_LABEL}(?:(?:\.|{_DOT}){_LABEL}){_PARTS}{_AT}{_LABEL}"
                rf"(?:{_DOT}{_LABEL}){_PARTS}{_DOT}(?:{_TLDS})\b)"
            ],
            score=0.85,
        )

    def accept(self, value: str) -> bool:
        """Spelled-out forms only (a plain address is Presidio's), and only when they
        look like an address: brackets, a mail provider, or a user name with a digit,
        dot or underscore ("look at this dot com" is prose)."""
        lowered = value.lower()
        user = re.split(r"\s|@|\(|\[", lowered, maxsplit=1)[0]
        return ("@" not in value or "dot" in lowered or "(" in value or "[" in value) and (
            "(" in value
            or "[" in value
            or "@" in value
            or bool(_PROVIDERS.search(lowered))
            or bool(re.search(r"[\d._]", user))
        )
