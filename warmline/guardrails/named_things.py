"""Capitalised words that name a company or a place where the models read a person.

Two places in a message make the English models call a brand or a place a person:
- right after thanks or a greeting, where a name usually stands: the medium model calls
  "Revolut" in "Thanks Revolut" a person, though in "Thanks, Revolut!" it calls it a
  company, and "Hi Amazon" was hidden by the introduction rule. There, a capitalised word
  that is no listed name (and not all capitals: "hey GT") is read again in that comma
  form, alone, and it is a brand when the medium model calls it a company or a product
  there. The small model is not asked: it calls people companies after thanks ("thanks
  Vikram", "Thanks Cowell"), which the medium one, in the comma form, calls people;
- between an article and a common noun, where a single word names the kind of thing the
  noun is ("stuck at the Madison depot", "the Chelsea colourway"): a person stands there
  only as a modifier ("a Trump supporter"), which customers rarely write.
A name introduced in words ("my name is …") is never read as a thing.
"""

import re
from functools import lru_cache
from typing import Any

from spacy.tokens import Doc

from warmline.guardrails.recognizers.known_name import known_names

_GREETED = re.compile(
    r"(?i:\b(?:thanks|thank you|thx|cheers|hi|hiya|hello|hey|heya|dear|gracias|merci|danke|"
    r"hola|bonjour|hallo)\s*,?\s+)(?P<word>[^\W\d_][^\W\d_'’-]+)(?![\w'’-])"
)
_COMPANIES = frozenset({"ORG", "PRODUCT"})
_ARTICLES = frozenset({"the", "a", "an"})


def named_things(text: str, doc: Doc, nlp: Any) -> list[tuple[int, int]]:
    """Offsets of the single words in `text` (read by `nlp` into `doc`) that name a brand
    or a place, not a person (see the module's docstring)."""
    return _greeted_brands(text, nlp) + _modifiers(doc)


def _greeted_brands(text: str, nlp: Any) -> list[tuple[int, int]]:
    return [
        m.span("word")
        for m in _GREETED.finditer(text)
        if m.group("word")[:1].isupper()
        and not m.group("word").isupper()
        and m.group("word").casefold() not in known_names()
        and _a_company_when_thanked(nlp, m.group("word"))
    ]


@lru_cache(maxsize=4096)
def _a_company_when_thanked(nlp: Any, word: str) -> bool:
    """The medium model calls `word` a company or a product in "Thanks, `word`!"."""
    doc = nlp(f"Thanks, {word}!")
    return any(ent.label_ in _COMPANIES and ent.text == word for ent in doc.ents)


def _modifiers(doc: Doc) -> list[tuple[int, int]]:
    """Capitalised single words between an article and a common noun."""
    return [
        (token.idx, token.idx + len(token))
        for token in doc[1:-1]
        if token.text[:1].isupper()
        and token.nbor(-1).lower_ in _ARTICLES
        and token.nbor(1).pos_ == "NOUN"
    ]
