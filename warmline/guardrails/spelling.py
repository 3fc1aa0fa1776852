"""Fold the misspellings and chat shorthand customers type into the words detectors know.

"can i tlak to a humna", "cancle my subsciption", "put me thru 2 sum1": the
detectors match words, so the text is first mapped word by word onto a small
vocabulary of the words they look for (close matches only, by edit ratio), plus a
table of chat shorthand. Everything else is left untouched.
"""

import difflib
import re
from functools import lru_cache
from pathlib import Path

from warmline.guardrails.vocabulary import is_english_word

KEYWORDS = (
    "human person people agent operator representative supervisor manager someone "
    "somebody employee advisor technician speak talk transfer connect escalate "
    "cancel cancelling cancelled cancellation subscription account membership "
    "unsubscribe terminate refund through please callback fraud identity lawyer closing "
    "attorney solicitor unauthorised unauthorized authorise authorize recognise contact "
    "assistance assistant available chatting fraudulent customer service talking speaking"
).split()
SHORTHAND = {
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "thru": "through",
    "w": "with",
    "w/": "with",
    "2": "to",
    "sum1": "someone",
    "some1": "someone",
    "spk": "speak",
    "ppl": "people",
    "acc": "account",
    "acct": "account",
    "sub": "subscription",
    "im": "i'm",
    "dont": "don't",
    "cant": "can't",
    "wont": "won't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "ive": "i've",
    "rep": "representative",
    "cx": "customer",
    "asap": "asap",
    "hooman": "human",
    "gimme": "give me",
    "wanna": "want to",
    "isthere": "is there",
    "istheir": "is there",
    "wiht": "with",
    "witth": "with",
    "wtih": "with",
    "whit": "with",
    "tlak": "talk",
    "takl": "talk",
    "tak": "talk",
    "humn": "human",
    "hman": "human",
    "agnt": "agent",
    "agen": "agent",
    "contct": "contact",
    "conact": "contact",
    "someon": "someone",
    "somone": "someone",
    "sumone": "someone",
    "sombody": "somebody",
}
# Words of any script: "Rückruf" is one word, never "R" + "ckruf" (which read "are ckruf").
# Spanish and German words one letter from an English keyword, which their own rules read.
NOT_ENGLISH = frozenset(
    "representante representantes operador operadora operadores conectar conectame "
    "servicio servicios asistencia persona personas personal humano".split()
)
# English words a letter or two from a keyword, which are no typo of it: "walking" is not
# "talking" ("I'm walking to the branch" was a request for a person), "unavailable" not
# "available", "authorized" not "unauthorized", "contract" not "contact". Written by
# `scripts/build_fold_exceptions.py` from the English dictionary of the spaCy pipeline the
# redactor runs, less a few words customers type as typos far more often than they mean
# them ("peron", "manger", "trough"); their inflections are left alone too.
ENGLISH_NEAR_KEYWORDS = frozenset(
    Path(__file__).with_name("english_near_keywords.txt").read_text(encoding="utf-8").split()
)
_WORD = re.compile(r"[^\W_]+(?:['/][^\W_]*)*|/")


def keyword_near(lower: str) -> str | None:
    """The keyword a lower-case word is a misspelling of: close by edit ratio, and not
    the keyword inflected or a prefix of it ("connects", "human" in "humane")."""
    for close in difflib.get_close_matches(lower, KEYWORDS, n=3, cutoff=0.8):
        inflected = close.startswith(lower) or lower.startswith(close)
        if not inflected and abs(len(close) - len(lower)) <= 2:
            return close
    return None


@lru_cache(maxsize=4096)
def _fold_word(word: str) -> str:
    lower = word.lower()
    if lower in SHORTHAND:
        return SHORTHAND[lower]
    # Accented words belong to the widget's other languages, not to English typos.
    if (
        len(lower) < 5
        or lower in KEYWORDS
        or lower in NOT_ENGLISH
        or is_english_word(lower, ENGLISH_NEAR_KEYWORDS)  # "contracts", "subscribers" too
        or not lower.isascii()
    ):
        return word
    return keyword_near(lower) or word


def fold(text: str) -> str:
    return _WORD.sub(lambda m: _fold_word(m.group(0)), text)
