"""Names in lower case that the writer gives as who they are: "im chidi, my card is
blocked", "this is tunde again", "it's bongani speaking", and a sign-off after a dash at
the message's end ("please help asap - chidi").

The introduction recognizer wants a proper noun after "I'm", "it's" or "this is", where
"I'm interested" and "this is terrible" are as common as a name, and the tagger reads a
lower-case name as a common noun or a verb. Here the word may be a name: a listed name
that is no English verb or adjective, or a word of four letters or more that is no
English word (`Dictionary.may_be_name`), which the tagger reads as no adjective ("it's
cancelable?", "this is rediculous!"), whose lemma is no English word either ("I'm
exchanging", "im migrating from …") and which the request detector does not read as one
of its words misspelt ("bot sucks - operater" keeps "operator" for it and the agent).
What may surround it depends on how often the words say who writes rather than what:
- after "im" or "I am", a pause, the message's end or a word that goes on from a name
  ("and", "here", "again", "from", "speaking"): "im sooo angry" is no introduction;
- after "this is", "here", "again" or "speaking" only, and after "it's" only "speaking"
  for any such word, "here" or "again" for a listed name: "this is netflix, it keeps
  buffering", "it's spotify again", "it's chrome here" and "its laggy" name the
  trouble, as product, brand and chat words do after both;
- after a dash that ends the message, a listed name that is no English word ("- ana"),
  or any such word when the message asks or thanks before it ("please help asap -
  chidi"): "browser - safari", "model - macbook", "edit - nevermind" and "ok - xoxo"
  sign nothing.
The English dictionary decides, so these names are English-only, like the other readers
of English (`redaction._ENGLISH_NAME_READERS`).
"""

import re
from typing import NamedTuple

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.tokens import Token

from warmline.guardrails.name_list import known_names
from warmline.guardrails.recognizers.introduced_name import MAYBE_INTRODUCED_SCORE
from warmline.guardrails.recognizers.known_name import Dictionary
from warmline.guardrails.spelling import read_as_keyword
from warmline.guardrails.vocabulary import is_english_word

_LOWER_NAME = r"(?P<value>[a-zà-öø-ÿ][a-zà-öø-ÿ'’-]{2,30})"
_IM = r"(?i:\b(?:i'm|i’m|im|i am)\s+)"
_THIS_IS = r"(?i:\bthis is\s+)"
_ITS = r"(?i:\b(?:it's|it’s|its)\s+)"
_PAUSE = r"(?=\s*(?:[,.!?;:]|$)|\s+(?:and|here|again|from|speaking)\b)"
_SIGNED = r"(?:^|\s)[-–—~]{1,2} ?"
# Words of a message that asks or thanks, after which a word alone past a dash signs it.
_ASKS_OR_THANKS = re.compile(
    r"(?i:\b(?:please|pls|plz|help|asap|thanks|thank you|thx|cheers|regards)\b)"
)


class _Form(NamedTuple):
    pattern: re.Pattern[str]
    listed_only: bool  # the word must be a listed name (`known_names`)...
    signs: bool = False  # ... or, after a dash, no English word or a sign to a request


LOWER_INTRODUCTIONS = (
    _Form(re.compile(rf"{_IM}{_LOWER_NAME}{_PAUSE}"), listed_only=False),
    _Form(re.compile(rf"{_THIS_IS}{_LOWER_NAME}(?=\s+(?:here|again|speaking)\b)"), False),
    _Form(re.compile(rf"{_ITS}{_LOWER_NAME}(?=\s+speaking\b)"), listed_only=False),
    _Form(re.compile(rf"{_ITS}{_LOWER_NAME}(?=\s+(?:here|again)\b)"), listed_only=True),
    _Form(re.compile(rf"{_SIGNED}{_LOWER_NAME}\s*$"), listed_only=True, signs=True),
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
            for form in LOWER_INTRODUCTIONS
            for m in form.pattern.finditer(text)
            if self._may_be_name(m.group("value"), tokens.get(m.start("value")))
            and self._fits(form, m, text)
        ]

    def _fits(self, form: _Form, match: re.Match[str], text: str) -> bool:
        """The word is a name where it stands (see the module's docstring)."""
        word = match.group("value")
        if not form.signs:
            return not form.listed_only or word in known_names()
        listed = word in known_names() and not is_english_word(word, self._words.english)
        return listed or _ASKS_OR_THANKS.search(text, 0, match.start()) is not None

    def _may_be_name(self, word: str, token: Token | None) -> bool:
        if token is not None and (
            token.tag_.startswith("JJ")
            or (token.lemma_ != word and is_english_word(token.lemma_, self._words.english))
        ):
            return False
        return (
            (word in known_names() or len(word) > 3)
            and self._words.may_be_name(word)
            and not read_as_keyword(word)
        )
