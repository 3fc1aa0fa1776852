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
# Of those typed as typos, the names: a province and people's names in the dictionary
# ("Hunan", "Peron", "Custer", "Paget", "Haman") and a family of languages ("Yuman"). Written
# as a name ("@China Unicom Hunan Customer Service", "in Hunan", "Hunan Mobile") they are
# the name, not "human"; in lower case ("talk to a hunan") they are the keyword misspelt.
NAMES_NEAR_KEYWORDS = frozenset("hunan peron custer paget haman yuman".split())
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


def read_as_keyword(word: str) -> bool:
    """The request detector reads `word` as one of its keywords misspelt or shortened
    ("agnet", "humna", "operater", "humn"), so no other reader may hide it."""
    return _fold_word(word).lower() != word.lower()


# After these, a capitalised word may open a sentence; after anything else it is a name.
_SENTENCE_OPENERS = frozenset(".!?\n\"'(")
# Words of a bare request, which may be capitalised after a typo that opens it ("Hunan Please").
_REQUEST_TAIL = frozenset(("please", "pls", "plz", "now", "asap"))


def _is_title(word: str) -> bool:
    return word[:1].isupper() and word[1:].islower()


def _written_as_a_name(word: str, opens_sentence: bool, following: str) -> bool:
    """Whether `word`, one of `NAMES_NEAR_KEYWORDS`, is written as the name: capitalised
    inside a sentence ("in Hunan", "@China Unicom Hunan Customer Service", "@Hunan") or
    before another capitalised word ("Hunan Mobile"). A sentence's first word alone, or
    before a request's last word ("Hunan please"), may be the keyword misspelt."""
    if not _is_title(word):
        return False
    return not opens_sentence or (_is_title(following) and following.lower() not in _REQUEST_TAIL)


def _opens_sentence(gap: str, first: bool) -> bool:
    """Whether a word after `gap` (what stands between it and the previous word) may open
    a sentence: the gap's last mark says, or, with none, whether it is the first word."""
    mark = gap.rstrip(" \t")[-1:]
    return mark in _SENTENCE_OPENERS if mark else first


def fold(text: str) -> str:
    """`text` with misspelt keywords and shorthand in their words, names left alone."""
    words = list(_WORD.finditer(text))
    parts: list[str] = []
    end = 0
    for i, match in enumerate(words):
        word, gap = match.group(0), text[end : match.start()]
        named = word.lower() in NAMES_NEAR_KEYWORDS and _written_as_a_name(
            word,
            _opens_sentence(gap, first=i == 0),
            words[i + 1].group(0) if i + 1 < len(words) else "",
        )
        parts += (gap, word if named else _fold_word(word))
        end = match.end()
    parts.append(text[end:])
    return "".join(parts)
