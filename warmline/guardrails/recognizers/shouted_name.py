"""Names in a message written all in capitals ("IS THAT IDRIS", "BEST OF RANBIR").

The English model reads case: in a shouted message every word looks like an acronym,
and it finds few of the names. The message is read a second time in the case a
sentence would have ("Is that Idris": capitals only on the first word and on words that
may be names, since capitals on every word read as a title to the model), and a person
it finds there is a name when each of its words is a listed name that is no
English verb or adjective, or no English word at all ("Idris", but not "The Reason" in
"WHAT IS THE REASON FOR THAT"). Only shouted messages pay for the
second reading; they are few. It is read by the function the redactor gives, which
waits its turn in the analyzer's spaCy thread (`nlp_batching`), so no two threads run
one pipeline at once.
"""

import re
from collections.abc import Callable

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.tokens import Doc

from warmline.guardrails.recognizers.known_name import Dictionary

# Above the model's own score, since the redactor drops a single all-capitals word the
# model calls a person in a shouted message ("THIS IS RIDICULOUS"); this one was read
# in sentence case and checked against the dictionary.
SHOUTED_NAME_SCORE = 0.86
_WORD = re.compile(r"[^\W\d_]+")
_SHOUTED = 0.8  # share of cased letters in capitals that makes a message shouted


def is_shouted(text: str) -> bool:
    """At least two words, and most letters that have a case are capitals."""
    cased = [ch for ch in text if ch.lower() != ch.upper()]
    upper = sum(1 for ch in cased if ch.isupper())
    return len(text.split()) > 1 and bool(cased) and upper >= _SHOUTED * len(cased)


def true_case(text: str, is_name_like: Callable[[str], bool]) -> str | None:
    """`text` in the case a sentence would have: the first word and the words that may be
    names (`is_name_like`) capitalised, every other word in lower case, offsets unchanged
    (None when a letter would change length, as "ß" does)."""

    def recase(match: re.Match[str]) -> str:
        word = match.group(0).lower()
        first = match.start() == 0 or word == "i"
        return word.capitalize() if first or is_name_like(word) else word

    recased = _WORD.sub(recase, text)
    return recased if len(recased) == len(text) else None


class ShoutedNameRecognizer(EntityRecognizer):
    def __init__(self, read: Callable[[str], Doc], words: Dictionary) -> None:
        super().__init__(supported_entities=["PERSON"], name="ShoutedNameRecognizer")
        self._read = read
        self._words = words

    def load(self) -> None:
        """Nothing to load: it runs the pipeline the NLP engine already loaded."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        recased = true_case(text, self._name_like) if is_shouted(text) else None
        if recased is None:
            return []
        return [
            RecognizerResult("PERSON", ent.start_char, ent.end_char, SHOUTED_NAME_SCORE)
            for ent in self._read(recased).ents
            if ent.label_ == "PERSON" and all(self._name_like(token.lower_) for token in ent)
        ]

    def _name_like(self, word: str) -> bool:
        """No stop word; a listed name that is no English verb or adjective ("Tanner"), or
        no English word at all ("Idris"), but not "Reason" in "THE REASON"."""
        return word.isalpha() and self._words.may_be_name(word)
