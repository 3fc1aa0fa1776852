"""Folds look-alike characters to ASCII before detection, one character for one.

Detectors are written for ASCII digits and Latin letters, so a card typed in
Devanagari digits ("४०१२ ८८८८ …"), a full-width number, or a name spelled with
Greek or Cyrillic capitals that look Latin ("Ζoltan Κowalczyk") would pass them.
Every character folds to exactly one character, so an offset in the folded text is
the same offset in the original: the placeholder replaces what was actually typed.
"""

import re
import unicodedata
from functools import lru_cache

# Greek and Cyrillic letters drawn like a Latin letter (Unicode confusables, the
# unambiguous ones). Folded only inside a word that also has a Latin letter: a word
# written wholly in Greek or Cyrillic is that language, not a disguise.
LOOKALIKES = dict(
    zip(
        "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοικνρυχαεАВЕКМНОРСТХУІЈЅаеорсхуіјѕԁһ",
        "ABEZHIKMNOPTYXoikvpuxaeABEKMHOPCTXYIJSaeopcxyijsdh",
        strict=True,
    )
)
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch
    if ch.isdecimal():
        return str(unicodedata.decimal(ch))
    if unicodedata.category(ch) == "Lo":
        return ch  # "º" and "ª" are ordinals in Spanish addresses ("3º 2ª"), not an "o" and an "a"
    compat = unicodedata.normalize("NFKC", ch)
    return compat if len(compat) == 1 and compat.isascii() else ch


def _fold_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if word.isascii():
        return word
    if any(ch.isascii() and ch.isalpha() for ch in word):
        word = "".join(LOOKALIKES.get(ch, ch) for ch in word)
    return "".join(_fold_char(ch) for ch in word)


def fold(text: str) -> str:
    """The text with digits of any script, compatibility forms and disguised letters in
    ASCII; always the same length as `text`."""
    if text.isascii():
        return text
    folded = _WORD.sub(_fold_word, text)
    return "".join(_fold_char(ch) for ch in folded)
