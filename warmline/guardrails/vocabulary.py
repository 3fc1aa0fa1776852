"""The knowledge base's own words, which a customer quoting it uses and which are no names.

spaCy's small model calls capitalised product names, payment brands and article
titles people ("Lumen Bulb", "Mastercard", "Cancel Transaction"). A name the model
finds is kept only if at least one of its words is not a word of the knowledge
base; names a customer gives in words ("my name is …") are not filtered.
"""

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

_WORD = re.compile(r"[^\W\d_]{2,}")


def kb_vocabulary(kb_path: Path) -> frozenset[str]:
    """Every word (case-folded) written in the knowledge base's Markdown articles."""
    if not kb_path.is_dir():
        return frozenset()
    return frozenset(
        word.casefold()
        for article in sorted(kb_path.glob("*.md"))
        for word in _WORD.findall(article.read_text(encoding="utf-8"))
    )


_SUFFIXES = ("s", "es", "ed", "d", "ing", "ly", "er", "est")


@lru_cache(maxsize=2)
def english_words(nlp: Any) -> frozenset[str]:
    """The English dictionary the spaCy pipeline's lemmatizer carries (WordNet's index of
    nouns, verbs, adjectives and adverbs, and its irregular forms), lower case.

    A single lower-case word the NER calls a person ("kaite", "grian") is kept only when
    it is no word of this dictionary, which leaves "lobby", "max" and "bill" in clear.
    """
    lookups = nlp.get_pipe("lemmatizer").lookups
    words: set[str] = set()
    for table in ("lemma_index", "lemma_exc"):
        for entries in lookups.get_table(table).values():
            words.update(entries if table == "lemma_index" else entries.keys())
    return frozenset(w.casefold() for w in words if isinstance(w, str))


@lru_cache(maxsize=2)
def non_noun_words(nlp: Any) -> frozenset[str]:
    """The words of `english_words` that WordNet also lists as a verb, adjective or adverb.

    WordNet's nouns include people ("jason", "adam", "simon"); a word that is also a
    verb or an adjective ("bill", "grant", "frank") is first of all an ordinary word.
    """
    lookups = nlp.get_pipe("lemmatizer").lookups
    index = lookups.get_table("lemma_index")
    exceptions = lookups.get_table("lemma_exc")
    words: set[str] = set()
    for part in ("verb", "adj", "adv"):
        words.update(index.get(part, []))
        words.update(exceptions.get(part, {}).keys())
    return frozenset(w.casefold() for w in words if isinstance(w, str))


def is_english_word(word: str, dictionary: frozenset[str]) -> bool:
    """`word` or the word it inflects ("transfers", "cancelled", "topping") is in `dictionary`."""
    stems = [word[: -len(suffix)] for suffix in _SUFFIXES if word.endswith(suffix)]
    stems += [stem[:-1] for stem in stems if len(stem) > 2 and stem[-1] == stem[-2]]
    return any(candidate in dictionary for candidate in [word, *stems])


# Greetings and thanks in the widget's languages (and French, which customers write
# too). The English model tags a lone "Gracias" or "Danke!" as a person, and the name
# rules read "¡Hola!" as an unknown proper noun; none of them is ever a name.
GREETINGS = frozenset(
    {
        "hola", "buenas", "buenos", "días", "dias", "tardes", "noches", "gracias", "muchas",
        "adiós", "adios", "saludos", "hallo", "servus", "moin", "guten", "morgen", "tag",
        "abend", "danke", "dankeschön", "vielen", "tschüss", "tschüs", "grüße", "gruß",
        "bonjour", "bonsoir", "salut", "merci", "ciao",
    }
)  # fmt: skip

# Labels that introduce a phone number ("Tel: 030 …", "Ph. 9876 …"); the English model
# tags a capitalised "Tel" as a person. Like greetings, they are never names.
PHONE_LABELS = frozenset({"tel", "tél", "ph", "mob", "fax", "cel", "tlf", "telf"})
NOT_NAMES = GREETINGS | PHONE_LABELS
