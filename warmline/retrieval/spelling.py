"""Misspelled words in a question, put right before it is searched.

Customers type "refnd", "pasword", "my parcle is damged". The embedding model splits
such a word into pieces that mean little, and lexical search finds nothing for it, so
the right article ranks lower and the answerable confidence falls: on the sample help
center's questions most answerable ones the bot refused had a typo in them.

A word of five letters or more is corrected only when it is in neither the embedding
model's own word list (about 22,000 lowercase English words, shipped with the model)
nor the knowledge base (in any form lexical search takes as the same word), and a
single edit (a letter deleted, added, changed or two swapped) turns it into a word the
knowledge base contains: the correction can only
move a question towards the articles, so a rare word the list lacks ("duvet", "login")
is never bent into a common one the help center does not use. Among several, the more
common one in the list wins. Contractions typed without the apostrophe ("wont",
"whats") are left alone. The knowledge base is asked once per unknown word: one
lexical search for the word and all its one-edit variants, whose hits show which of
them it contains, so nothing here grows with the knowledge base; the embedded index
keeps the verdict until a sync changes what it holds (`decided`).
"""

import re
from collections.abc import Callable, MutableMapping

from warmline.common_words import english_words
from warmline.retrieval.lexical import tokens

_WORD = re.compile(r"[A-Za-z]+")
_HYPHENATED = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)+")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
SHORTEST = 5


def _one_edit(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deleted = {a + b[1:] for a, b in splits if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    changed = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    added = {a + c + b for a, b in splits for c in _LETTERS}
    return deleted | swapped | changed | added


def _contraction(word: str, known: dict[str, int]) -> bool:
    """ "wont", "doesnt", "whats": a known word with its apostrophe's letter glued on."""
    return word[-1] in "st" and word[:-1] in known


def words(text: str) -> set[str]:
    """Lowercase words, and hyphenated ones also joined ("Wi-Fi" → "wi", "fi", "wifi")."""
    joined = (w.replace("-", "") for w in _HYPHENATED.findall(text))
    return {w.lower() for w in (*_WORD.findall(text), *joined)}


LONGEST_KEPT = 30
"""Longer words' verdicts are not kept: no word of a help center is that long, and a
message may be one run of letters thousands long."""


def correct(
    query: str,
    found_words: Callable[[list[str]], set[str]],
    decided: MutableMapping[str, str | None] | None = None,
) -> str:
    """The query with each misspelled word replaced; unchanged when nothing is misspelled.

    `found_words(terms)` searches the knowledge base for any of `terms` and returns the
    words of the chunks it found. `decided` keeps each unknown word's verdict (its
    replacement, or None to keep it) for as long as the knowledge base stays as it is:
    the same few words ("lumen", "refund", "invoice": product names and words the list
    lacks) come back in question after question, and asking the knowledge base about a
    word and its 300-odd variants cost a third of a search.
    """
    known = english_words()

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower()
        if len(lower) < SHORTEST or lower in known or _contraction(lower, known):
            return word
        if decided is not None and lower in decided:
            return decided[lower] or word
        replacement = _replacement(lower, found_words, known)
        if decided is not None and len(lower) <= LONGEST_KEPT:
            decided[lower] = replacement
        return replacement or word

    return _WORD.sub(fix, query)


def _replacement(
    lower: str, found_words: Callable[[list[str]], set[str]], known: dict[str, int]
) -> str | None:
    """The knowledge base's word one edit from `lower`, the commonest in the list; None
    when the knowledge base has `lower` itself (or another form of it), or nothing near."""
    variants = sorted(_one_edit(lower))
    in_base = found_words([lower, *variants])
    stem = tokens(lower)
    prefix = stem[0][:-1] if stem else lower
    forms = (w for w in in_base if w.startswith(prefix))
    if lower in in_base or any(tokens(w) == stem for w in forms):
        return None  # the knowledge base has it, or another form of it ("refunds")
    candidates = [w for w in variants if w in in_base]
    if not candidates:
        return None
    return min(candidates, key=lambda w: (known.get(w, len(known)), w))
