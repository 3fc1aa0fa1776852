"""Input hygiene: bound and normalise customer text.

Invisible and direction-override characters are removed because they let a message
show one thing to an agent and another to a model; NFKC folds look-alike forms so
that later pattern checks see the text a person reads.
"""

import re
import unicodedata

_BIDI_AND_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class InputRejected(ValueError):
    """Raised with a stable error code the client can act on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def clean_text(text: str, max_chars: int) -> str:
    cleaned = unicodedata.normalize("NFKC", _LONE_SURROGATE.sub("\ufffd", text))
    cleaned = _BIDI_AND_INVISIBLE.sub("", cleaned)
    cleaned = _CONTROL.sub(" ", cleaned)
    cleaned = _SPACES.sub(" ", cleaned)
    cleaned = _BLANK_LINES.sub("\n\n", cleaned).strip()
    if not cleaned:
        raise InputRejected("empty_message", "The message has no visible text.")
    if len(cleaned) > max_chars:
        raise InputRejected("message_too_long", f"Messages are limited to {max_chars} characters.")
    return cleaned
