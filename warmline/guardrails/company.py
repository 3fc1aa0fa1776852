"""The deploying company's name in the detectors' patterns.

"I'm going to sue Acme" is a legal threat and "so disappointed with Acme" a complaint about
us only if Acme is the company the bot speaks for, so the patterns that name us are written
with `COMPANY` in the company's place and compiled once per configured name
(`with_company`, cached by the detectors), never per message.
"""

import re
from functools import lru_cache

DEFAULT_COMPANY = "Lumen Home"
# Where a pattern names the company; replaced by `company_names` before it is compiled.
COMPANY = "(?:<company>)"
# A first word that alone names nothing ("The Home Depot" is not "the").
_NO_SHORT_NAME = {"the", "a", "an"}


@lru_cache(maxsize=8)
def company_names(company: str) -> str:
    """The names customers call the company by, as a group for a case-insensitive
    pattern: the configured name and, for a name of several words, its first word
    ("Lumen" for "Lumen Home"), escaped and longest first; a group that matches nothing
    when the name is empty."""
    words = company.lower().split()
    names = {" ".join(words)} if words else set()
    if len(words) > 1 and words[0] not in _NO_SHORT_NAME:
        names.add(words[0])
    if not names:
        return "(?!)"
    return "(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + ")"


def with_company(pattern: str, company: str) -> str:
    """`pattern` with the company's names where it has `COMPANY`."""
    return pattern.replace(COMPANY, company_names(company))
