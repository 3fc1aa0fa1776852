"""Capitalised words that name a company or a place where the models read a person.

Two places in a message make the English models call a brand or a place a person:
- right after thanks or a greeting, where a name usually stands: the medium model calls
  "Revolut" in "Thanks Revolut" a person, though in "Thanks, Revolut!" it calls it a
  company, and "Hi Amazon" was hidden by the introduction rule. There, a capitalised word
  that is no listed name (and not all capitals: "hey GT") is read again in that comma
  form, alone, and it is a brand when the medium model calls it a company or a product
  there. The small model is not asked: it calls people companies after thanks ("thanks
  Vikram", "Thanks Cowell"), which the medium one, in the comma form, calls people.
  That reading waits its turn in the analyzer's spaCy thread (`nlp_batching`), so no two
  threads run one pipeline at once, and only the first `MAX_REREADINGS` such words of a
  message are read again: the others keep their placeholder ("hi Xq hi Zr …" 4,000
  characters long would otherwise be hundreds of model runs);
- between an article and a noun for a place ("stuck at the Madison depot", "Is the
  Madison store open?"), where a single word names the place. Before any other noun it
  is as often a person's surname ("the Smith account", "the Garcia family"), so it
  stays a name there.
A name introduced in words ("my name is …") is never read as a thing: the redactor
(`redaction._names_a_thing`) keeps every person scored as introduced, whatever this
module finds.
"""

import re
from functools import lru_cache
from itertools import islice
from typing import Any

from spacy.tokens import Doc

from warmline.guardrails.name_list import known_names
from warmline.guardrails.nlp_batching import artifacts_of

MAX_REREADINGS = 3
"""Greeted words of one message read again by the model at most."""

_GREETED = re.compile(
    r"(?i:\b(?:thanks|thank you|thx|cheers|hi|hiya|hello|hey|heya|dear|gracias|merci|danke|"
    r"hola|bonjour|hallo)\s*,?\s+)(?P<word>[^\W\d_][^\W\d_'’-]+)(?![\w'’-])"
)
_COMPANIES = frozenset({"ORG", "PRODUCT"})
_ARTICLES = frozenset({"the", "a", "an"})
# Nouns for a place a customer's parcel, booking or visit is at.
_PLACES = frozenset(
    {"depot", "store", "branch", "office", "warehouse", "mall", "location", "shop", "centre",
     "center", "station", "site", "outlet", "hub", "facility", "terminal", "airport", "hotel",
     "restaurant", "cafe", "campus", "plant", "factory", "showroom", "pharmacy", "clinic",
     "hospital", "library", "market", "supermarket", "gym", "post", "counter", "kiosk"}
)  # fmt: skip


def named_things(text: str, doc: Doc, nlp_engine: Any) -> list[tuple[int, int]]:
    """Offsets of the single words in `text` (read by Presidio's `nlp_engine` into `doc`)
    that name a brand or a place, not a person (see the module's docstring)."""
    return _greeted_brands(text, nlp_engine) + _places(doc)


def _greeted_brands(text: str, nlp_engine: Any) -> list[tuple[int, int]]:
    candidates = (
        m
        for m in _GREETED.finditer(text)
        if m.group("word")[:1].isupper()
        and not m.group("word").isupper()
        and m.group("word").casefold() not in known_names()
    )
    return [
        m.span("word")
        for m in islice(candidates, MAX_REREADINGS)
        if _a_company_when_thanked(nlp_engine, m.group("word"))
    ]


@lru_cache(maxsize=4096)
def _a_company_when_thanked(nlp_engine: Any, word: str) -> bool:
    """The medium model calls `word` a company or a product in "Thanks, `word`!"."""
    doc = artifacts_of(nlp_engine)(f"Thanks, {word}!").tokens
    return any(ent.label_ in _COMPANIES and ent.text == word for ent in doc.ents)


def _places(doc: Doc) -> list[tuple[int, int]]:
    """Capitalised single words between an article and a noun for a place."""
    return [
        (token.idx, token.idx + len(token))
        for token in doc[1:-1]
        if token.text[:1].isupper()
        and token.nbor(-1).lower_ in _ARTICLES
        and token.nbor(1).lower_ in _PLACES
    ]
