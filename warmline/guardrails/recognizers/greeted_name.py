"""Names in lower case after a greeting or thanks: "hey tanner", "thanks ana".

Chat drops capitals, and the tagger then reads a name after "hey" as a common noun, so
the introduction recognizer (which wants a proper noun after "hi" or "thanks", where
"thanks again" and "hi there" are common) lets it go. Here a lower-case word right after
a greeting or thanks is a name when it is on the public list of given names and
surnames and is no English verb or adjective ("tanner", "ana", but not "hey guys",
"thanks mate" or "hi there"); an unlisted word is left alone, since a misspelling
("thanks alot") is as likely there as a name.
"""

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from warmline.guardrails.name_list import known_names
from warmline.guardrails.recognizers.known_name import AGREED_NAME_SCORE, Dictionary

_GREETED = re.compile(
    r"(?i:\b(?:hi|hiya|hello|hey|heya|dear|thanks|thank you|thx|cheers|congrats|"
    r"congratulations|love you|happy birthday)\s*,?\s+)(?P<value>[a-zà-öø-ÿ]{3,})\b(?!['’-])"
)


class GreetedNameRecognizer(EntityRecognizer):
    def __init__(self, words: Dictionary) -> None:
        super().__init__(supported_entities=["PERSON"], name="GreetedNameRecognizer")
        self._words = words

    def load(self) -> None:
        """The name list is read once, on first use, by `known_names`."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [
            RecognizerResult("PERSON", *m.span("value"), AGREED_NAME_SCORE)
            for m in _GREETED.finditer(text)
            if m.group("value") in known_names() and self._words.may_be_name(m.group("value"))
        ]
