"""Writes warmline/guardrails/english_near_keywords.txt: the English words that the
spelling fold would otherwise take for a misspelt keyword.

The dictionary is the one the redactor already reads (`vocabulary.english_words`: the
lemmatizer tables of the packaged spaCy pipeline, WordNet's words and their irregular
forms). Every word of five letters or more that `spelling.keyword_near` maps onto a
keyword is written, one a line, sorted, except the rare words in `TYPOS` that customers
type for a keyword far more often than they mean them. Deterministic for a given pipeline.

Usage: python scripts/build_fold_exceptions.py [--check]
"""

import sys
from pathlib import Path

from warmline.guardrails.redaction import spacy_model
from warmline.guardrails.spelling import KEYWORDS, NAMES_NEAR_KEYWORDS, keyword_near
from warmline.guardrails.vocabulary import english_words

OUT = Path(__file__).parent.parent / "warmline/guardrails/english_near_keywords.txt"
# Dictionary words rare enough that, typed in a chat, they are the keyword misspelt (the
# names among them only in lower case: see `spelling.NAMES_NEAR_KEYWORDS`).
TYPOS = NAMES_NEAR_KEYWORDS | frozenset(
    "humin agene speke speck talcking takin cackel manger mange trough pease".split()
)


def exceptions() -> list[str]:
    import spacy

    nlp = spacy.load(spacy_model())
    return sorted(
        word
        for word in english_words(nlp)
        if len(word) >= 5
        and word.isascii()
        and word.isalpha()
        and word not in KEYWORDS
        and word not in TYPOS
        and keyword_near(word) is not None
    )


def main() -> int:
    text = "\n".join(exceptions()) + "\n"
    if "--check" in sys.argv:
        current = OUT.read_text(encoding="utf-8") == text
        print("current" if current else f"{OUT} is out of date: run {sys.argv[0]}")
        return 0 if current else 1
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
