"""The guard at the edge: every customer message passes here before it is stored.

It always returns a verdict, never raises: hostile or broken input is refused with
a code the client can act on, anything else comes out cleaned and redacted.
"""

import logging

from pydantic import BaseModel

from warmline.guardrails.limits import InputRejected, clean_text
from warmline.guardrails.redaction import PlaceholderBook, Redaction, Redactor

log = logging.getLogger("warmline.guard")


class GuardVerdict(BaseModel):
    accepted: bool
    code: str | None = None
    message: str | None = None
    redaction: Redaction | None = None


class Guard:
    def __init__(self, redactor: Redactor, max_chars: int) -> None:
        self.redactor = redactor
        self.max_chars = max_chars

    def inspect(
        self, text: str, book: PlaceholderBook, language: str | None = None
    ) -> GuardVerdict:
        """The verdict on `text`, written in a conversation in `language` (see
        `Redactor.detect`)."""
        try:
            cleaned = clean_text(text, self.max_chars)
        except InputRejected as rejected:
            return GuardVerdict(accepted=False, code=rejected.code, message=rejected.message)
        try:
            redaction = self.redactor.redact(cleaned, book, language)
        except Exception:
            # Fail closed: text the redactor cannot process must not be stored unredacted.
            log.exception("redaction failed")
            return GuardVerdict(
                accepted=False,
                code="unprocessable",
                message="This message could not be processed; please rephrase it.",
            )
        return GuardVerdict(accepted=True, redaction=redaction)
