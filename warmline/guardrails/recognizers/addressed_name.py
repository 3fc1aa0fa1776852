"""Names of the person a message speaks to: "Skhumba my brother, we will miss your
jokes", "where are you, Ana?".

A word that opens a message and is followed by "I", "you" or "my", or that a comma
sets off at the end of the message, is where the writer addresses someone, and a
capitalised word there is a name when it is a given name or surname of the public list
that is not also an English verb or adjective ("Lily", "Amber", but not "Grant" or
"Sorry"), or no English word at all ("Skhumba my brother"), and the NER labels it
nothing but a person. Stop words never are.
"""

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from warmline.guardrails.recognizers.known_name import KNOWN_NAME_SCORE, Dictionary

_WORD = r"([^\W\d_][^\W\d_'’-]+)"
_OPENING = re.compile(rf"^\W*{_WORD}\s+(?=(?:i|you|your|u|ur|my|we)\b)", re.IGNORECASE)
# The model labels brands and places ("Thanks, Revolut!"); an unlabelled word or a
# person may be a name.
_NAME_LABELS = frozenset({"", "PERSON"})
# Calls and greetings that open a message the way a name does ("Hey, I have…").
_CALLS = frozenset({"hey", "hi", "hello", "hiya", "heya", "yo", "howdy", "ok", "okay", "dear"})
_CLOSING = re.compile(rf",\s*{_WORD}\s*[.!?)\s]*$")


class AddressedNameRecognizer(EntityRecognizer):
    def __init__(self, words: Dictionary) -> None:
        super().__init__(supported_entities=["PERSON"], name="AddressedNameRecognizer")
        self._words = words

    def load(self) -> None:
        """The name list is read once, on first use, by `known_names`."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        found = [m for pattern in (_OPENING, _CLOSING) if (m := pattern.search(text))]
        labelled = {
            token.idx: (token.ent_type_, token.pos_)
            for token in (nlp_artifacts.tokens if nlp_artifacts and nlp_artifacts.tokens else [])
        }
        return [
            RecognizerResult("PERSON", m.start(1), m.end(1), KNOWN_NAME_SCORE)
            for m in found
            if self._name_like(m.group(1))
            and labelled.get(m.start(1), ("", ""))[0] in _NAME_LABELS
            and labelled.get(m.start(1), ("", ""))[1] != "INTJ"
        ]

    def _name_like(self, word: str) -> bool:
        folded = word.casefold()
        if not word[:1].isupper() or word.isupper() or folded in _CALLS:
            return False
        return self._words.may_be_name(folded)
