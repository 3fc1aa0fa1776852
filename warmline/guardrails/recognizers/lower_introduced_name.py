"""Names in lower case that the writer gives as who they are: "im chidi, my card is
blocked", "this is tunde again", "it's bongani here", and a sign-off after a dash at the
message's end ("please help asap - chidi").

The introduction recognizer wants a proper noun after "I'm", "it's" or "this is", where
"I'm interested" and "this is terrible" are as common as a name, and the tagger reads a
lower-case name as a common noun or a verb. Here the word counts when a pause, the
message's end or a word that goes on from a name ("and", "here", "again", "from",
"speaking") follows it ("im sooo angry" is no introduction), and it may be a name: a
listed name that is no English verb or adjective, or a word of four letters or more that
is no English word (`Dictionary.may_be_name`), which the tagger reads as no adjective
("it's cancelable?", "this is rediculous!") and whose lemma is no English word either
("I'm exchanging", "im migrating from …"). The English dictionary decides, so these
names are English-only, like the other readers of English
(`redaction._ENGLISH_NAME_READERS`).
"""

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.tokens import Token

from warmline.guardrails.recognizers.introduced_name import MAYBE_INTRODUCED_SCORE
from warmline.guardrails.recognizers.known_name import Dictionary, known_names
from warmline.guardrails.vocabulary import is_english_word

_LOWER_NAME = r"(?P<value>[a-zà-öø-ÿ][a-zà-öø-ÿ'’-]{2,30})"
_PAUSE = r"(?=\s*(?:[,.!?;:]|$)|\s+(?:and|here|again|from|speaking)\b)"
LOWER_INTRODUCTIONS = (
    re.compile(rf"(?i:\b(?:this is|i'm|i’m|im|i am|it's|it’s|its)\s+){_LOWER_NAME}{_PAUSE}"),
    re.compile(rf"(?:^|\s)[-–—~]{{1,2}} ?{_LOWER_NAME}\s*$"),
)


class LowerIntroducedNameRecognizer(EntityRecognizer):
    def __init__(self, words: Dictionary) -> None:
        super().__init__(supported_entities=["PERSON"], name="LowerIntroducedNameRecognizer")
        self._words = words

    def load(self) -> None:
        """The name list is read once, on first use, by `known_names`."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        tokens = {} if nlp_artifacts is None else {t.idx: t for t in nlp_artifacts.tokens}
        # Below a name introduced in words, so the knowledge base's words stay readable.
        return [
            RecognizerResult("PERSON", *m.span("value"), MAYBE_INTRODUCED_SCORE)
            for pattern in LOWER_INTRODUCTIONS
            for m in pattern.finditer(text)
            if self._may_be_name(m.group("value"), tokens.get(m.start("value")))
        ]

    def _may_be_name(self, word: str, token: Token | None) -> bool:
        if token is not None and (
            token.tag_.startswith("JJ")
            or (token.lemma_ != word and is_english_word(token.lemma_, self._words.english))
        ):
            return False
        return (word in known_names() or len(word) > 3) and self._words.may_be_name(word)
