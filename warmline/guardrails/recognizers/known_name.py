"""Given names and surnames from a public list, in any case, unless they are ordinary words.

The NER misses names it has not seen in context: a name alone at the start of a
message ("Tanner is a good dude"), in lower case ("watching adam win"), or a list of
them ("Vin, Dwayne, Ty, Luda"). A word in `known_names.txt` (Faker's first names and
surnames of about eighty locales, Latin script; see scripts/build_name_list.py) is a
name when
- it is no word of the pipeline's English dictionary ("ronaldo", "Priya"), in any case;
- it is only a noun there, as WordNet lists people ("Jason", "adam", but also "penny"),
  and the tagger reads it as a proper noun where it stands, with no article before it
  and not called a place by the NER;
- it is also a verb or an adjective ("Bill", "Grant", "Frank"), capitalised and a proper
  noun to the tagger, and not the message's first word, where every word is capitalised.
Stop words never are, nor words of three capitals or fewer (acronyms: "SIM", "ATM") or
lower-case words of three letters or fewer (chat spelling: "til", "ey"). A capitalised
word right after a found name that is no English word is its surname ("Bindi Irwin").

The span gets the model's own score for a person, so the redactor treats it as it
treats a name the model found (the knowledge base's words are still never names).
"""

from functools import lru_cache
from pathlib import Path

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.tokens import Token

from warmline.guardrails.vocabulary import is_english_word

KNOWN_NAME_SCORE = 0.85
# The model calls many given names companies ("Jason", "Miranda", "Macy"); a word that
# is also a place ("Spain", "France" are surnames too) is left to the places.
_NAME_LIKE_LABELS = frozenset({"", "PERSON", "ORG"})
_ARTICLES = frozenset({"the", "a", "an"})
_NAMES = Path(__file__).with_name("known_names.txt")


@lru_cache(maxsize=1)
def known_names() -> frozenset[str]:
    return frozenset(_NAMES.read_text(encoding="utf-8").split())


class KnownNameRecognizer(EntityRecognizer):
    def __init__(
        self, english: frozenset[str], non_nouns: frozenset[str], stop_words: frozenset[str]
    ) -> None:
        super().__init__(supported_entities=["PERSON"], name="KnownNameRecognizer")
        self._english = english
        self._non_nouns = non_nouns
        self._stop = stop_words

    def load(self) -> None:
        """The list is read once, on first use."""

    def _is_name(self, token: Token) -> bool:
        word = token.text
        folded = word.casefold()
        if (
            not word.isalpha()
            or len(word) <= (2 if word[:1].isupper() else 3)
            or (word.isupper() and len(word) <= 3)
            or folded not in known_names()
            or folded in self._stop
        ):
            return False
        if not is_english_word(folded, self._english):
            return True
        if (
            token.pos_ != "PROPN"
            or token.ent_type_ not in _NAME_LIKE_LABELS
            or (token.i > 0 and token.nbor(-1).lower_ in _ARTICLES)
        ):
            return False
        if not is_english_word(folded, self._non_nouns):
            return True
        return word[:1].isupper() and not word.isupper() and token.i > 0

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if nlp_artifacts is None or nlp_artifacts.tokens is None:
            return []
        tokens = list(nlp_artifacts.tokens)
        results = []
        for i, token in enumerate(tokens):
            if not self._is_name(token):
                continue
            end = token.idx + len(token.text)
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if (
                following is not None
                and following.text[:1].isupper()
                and following.text.isalpha()
                and not is_english_word(following.text.casefold(), self._english)
            ):
                end = following.idx + len(following.text)
            results.append(RecognizerResult("PERSON", token.idx, end, KNOWN_NAME_SCORE))
        return results
