"""Names the model does not tag: listed given names and surnames, and unknown proper nouns.

The NER misses names it has not seen in context: a name alone at the start of a
message ("Jason is a good dude"), in lower case ("watching adam win"), or a list of
them ("Vin, Dwayne, Ty, Luda"). A word in `known_names.txt` (Faker's first names and
surnames of about eighty locales, Latin script; see scripts/build_name_list.py) is a
name when
- it is no word of the pipeline's English dictionary ("ronaldo", "Priya"), in any case;
- it is only a noun there, as WordNet lists people ("Jason", "adam", but also "penny"),
  and the tagger reads it as a proper noun where it stands, with no article before it
  and not called a place by the NER;
- it is also a verb or an adjective ("Bill", "Grant", "Frank"), capitalised and a proper
  noun to the tagger, and not the message's first word, where every word is capitalised,
  unless a verb follows it there as its subject ("Tanner is a good dude", "Rocky killed").
A capitalised word that is in no list nor dictionary, that the tagger reads as a proper
noun and the NER leaves unlabelled (it labels brands and places), is a name too when it
is not the message's first word ("faces Shasta makes"). Stop words never are, nor words
of three capitals or fewer (acronyms: "SIM", "ATM") or lower-case words of three letters
or fewer (chat spelling: "til", "ey").

Measured on WNUT-17 dev and the first 3,000 Banking77 dev messages (with the redactor
completing a found name with the unknown word beside it): names 0.591 before, 0.653
with the list, 0.685 with unknown proper nouns as well; PII-free messages given a
placeholder 1, 1 and 2 of 3,000 ("Interbanks").

The span gets the model's own score for a person, so the redactor treats it as it
treats a name the model found (the knowledge base's words are still never names).
"""

from dataclasses import dataclass

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.tokens import Token

from warmline.guardrails.name_list import known_names
from warmline.guardrails.vocabulary import is_english_word

KNOWN_NAME_SCORE = 0.85
# Above the model's own score: the redactor keeps it where it doubts a name the model
# found alone (a lower-case or all-capitals English word), below a name introduced in
# words, so the knowledge base's words ("Lumen Smart Plug", "Mark as resolved") stay.
AGREED_NAME_SCORE = 0.88
# The model calls many given names companies ("Jason", "Miranda", "Macy"); a word that
# is also a place ("Spain", "France" are surnames too) is left to the places.
_NAME_LIKE_LABELS = frozenset({"", "PERSON", "ORG"})
_ARTICLES = frozenset({"the", "a", "an"})
# Words before a common noun, never before a person: "my bill", "the max limit".
_DETERMINERS = _ARTICLES | frozenset({"my", "your", "our", "his", "her", "their", "its"})
_VERBS = frozenset({"AUX", "VERB"})


@dataclass(frozen=True)
class Dictionary:
    """The pipeline's English word lists the name rules read: every word it knows, the
    words that are also verbs or adjectives, and the stop words (with greetings)."""

    english: frozenset[str]
    non_nouns: frozenset[str]
    stop_words: frozenset[str]

    def may_be_name(self, folded: str) -> bool:
        """No stop word; a listed name that is no English verb or adjective ("tanner",
        "lily"), or no English word at all ("idris"), but not "reason" or "sorry"."""
        if folded in self.stop_words:
            return False
        if folded in known_names():
            return not is_english_word(folded, self.non_nouns)
        return not is_english_word(folded, self.english)


class KnownNameRecognizer(EntityRecognizer):
    def __init__(self, words: Dictionary) -> None:
        super().__init__(supported_entities=["PERSON"], name="KnownNameRecognizer")
        self._english = words.english
        self._non_nouns = words.non_nouns
        self._stop = words.stop_words

    def load(self) -> None:
        """The list is read once, on first use."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if nlp_artifacts is None or nlp_artifacts.tokens is None:
            return []
        return [
            RecognizerResult(
                "PERSON",
                token.idx,
                token.idx + len(token),
                AGREED_NAME_SCORE if self._agreed(token) else KNOWN_NAME_SCORE,
            )
            for token in nlp_artifacts.tokens
            if self._agreed(token) or self._is_name(token)
        ]

    def _agreed(self, token: Token) -> bool:
        """The list, the tagger and the NER all read `token` as a person, and no
        determiner makes it a common noun: "watching adam win", "tell brad", "IS THAT
        IDRIS", "Lily I love your videos", but not "the max limit" or "my bill".

        Each of the three alone is weak on English words that are names too; together
        they are not. Measured on WNUT-17 dev and Banking77 dev (see evals/README.md).
        """
        word = token.text
        return (
            token.ent_type_ == "PERSON"
            and token.pos_ == "PROPN"
            and word.isalpha()
            and len(word) > 2
            and token.lower_ not in self._stop
            and token.lower_ in known_names()
            and not (token.i > 0 and token.nbor(-1).lower_ in _DETERMINERS)
            and not (token.i + 1 < len(token.doc) and token.nbor(1).pos_ == "NOUN")
        )

    def _is_name(self, token: Token) -> bool:
        word, folded = token.text, token.lower_
        if (
            not word.isalpha()
            or len(word) <= (2 if word[:1].isupper() else 3)
            or (word.isupper() and len(word) <= 3)
            or folded in self._stop
        ):
            return False
        proper_noun = token.pos_ == "PROPN" and not (
            token.i > 0 and token.nbor(-1).lower_ in _ARTICLES
        )
        capitalised_inside = word[:1].isupper() and not word.isupper() and token.i > 0
        english = is_english_word(folded, self._english)
        if folded not in known_names():
            unlabelled = token.ent_type_ == "" and not english
            return unlabelled and (
                (capitalised_inside and proper_noun) or _subject_of_first_verb(token)
            )
        if not english:
            return True
        if not proper_noun or token.ent_type_ not in _NAME_LIKE_LABELS:
            return False
        if token.ent_type_ == "ORG" and _inside_longer_entity(token):
            return False  # "Best Buy", "Royal Mail": a company's name holds listed words
        return (
            capitalised_inside
            or not is_english_word(folded, self._non_nouns)
            or _subject_of_first_verb(token)
        )


def _inside_longer_entity(token: Token) -> bool:
    """`token` is one word of an entity of several words."""
    following = token.i + 1 < len(token.doc) and token.nbor(1).ent_iob_ == "I"
    return token.ent_iob_ == "I" or (token.ent_iob_ == "B" and following)


def _subject_of_first_verb(token: Token) -> bool:
    """`token` is a capitalised first word and a verb follows it: the message's subject
    ("Themba is obsessed", "Pyrion continues his streak"). A brand in that place is
    labelled by the NER ("Revolut is down"), and an English word is left out before."""
    word = token.text
    return (
        token.i == 0
        and word[:1].isupper()
        and not word.isupper()
        and len(token.doc) > 1
        and token.nbor(1).pos_ in _VERBS
    )
