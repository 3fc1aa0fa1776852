"""The deploying company's name in the detectors' patterns.

"I'm going to sue Acme" is a legal threat and "so disappointed with Acme" a complaint about
us only if Acme is the company the bot speaks for, so the patterns that name us are written
with `COMPANY` in the company's place and compiled once per configured name
(`with_company`, cached by the detectors), never per message. The redactor reads the same
names (`company_forms`) as no person's, so that the detectors, which read redacted text,
still see them.
"""

import re
from functools import lru_cache

from warmline.common_words import english_words
from warmline.guardrails.name_list import known_names

DEFAULT_COMPANY = "Lumen Home"
# Where a pattern names the company; replaced by `company_names` before it is compiled.
COMPANY = "(?:<company>)"
# A first word that alone names nothing ("The Home Depot" is not "the").
_ARTICLES = {"the", "a", "an"}
# The legal form after a name, which customers leave out ("Acme, Inc." is "Acme").
_LEGAL_FORMS = {
    "inc", "ltd", "llc", "gmbh", "corp", "corporation", "limited", "plc", "co", "ag", "sa",
    "bv", "nv", "pty", "lp", "llp",
}  # fmt: skip
# Punctuation around a word of the name, never part of what customers type for it
# ("Yahoo!" is "yahoo", "Acme, Inc." "acme"); "+" and "&" stay ("C++", "AT&T").
_AROUND = ".,;:!?'\"()’"


@lru_cache(maxsize=8)
def company_forms(company: str) -> tuple[str, ...]:
    """The names customers call the company by, lower case, longest first: the configured
    name without punctuation around its words, without its legal form and a leading
    article, and, for a name of several words, its first word when that is no English
    word ("Lumen" for "Lumen Home", not "American" for "American Airlines", which would
    read "disappointed with American Express" as about us). A shortened form that is a
    listed given name or surname is none ("Jordan" of "Jordan Ltd", "Ivy" of "The
    Ivy", "Harvey" of "Harvey Norman"): customers are named so, and "my colleague
    Jordan ordered it" must stay hidden (and is no complaint about us). A company
    configured as one such word ("Noah") keeps it: its name read as a person by a
    model is then not hidden (see `redaction._ours`)."""
    words = [w.strip(_AROUND) for w in company.lower().split()]
    words = [w for w in words if w]
    full = " ".join(words)
    while words and words[-1] in _LEGAL_FORMS and len(words) > 1:
        words.pop()
    if len(words) > 1 and words[0] in _ARTICLES:
        words.pop(0)
    names = {full, " ".join(words)} if words else set()
    if len(words) > 1 and words[0].isalpha() and words[0] not in english_words():
        names.add(words[0])
    people = known_names()
    return tuple(sorted((n for n in names if n == full or n not in people), key=len, reverse=True))


@lru_cache(maxsize=8)
def company_names(company: str) -> str:
    """`company_forms` as a group for a case-insensitive pattern, escaped, with no word
    character on either side (a name may end in a symbol: "C++"); a name that is one
    English word ("Target", "Help") only as capitalised in the configuration, since in
    lower case it is the word ("done with target practice"). A group that matches
    nothing when the name is empty."""
    forms = company_forms(company)
    if not forms:
        return "(?!)"
    written = {w.strip(_AROUND).lower(): w.strip(_AROUND) for w in company.split()}
    alternatives = [
        f"(?-i:{re.escape(written.get(form, form))})"
        if form.isalpha() and form in english_words()
        else re.escape(form)
        for form in forms
    ]
    return r"(?:(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w))"


def with_company(pattern: str, company: str) -> str:
    """`pattern` with the company's names where it has `COMPANY`."""
    return pattern.replace(COMPANY, company_names(company))
