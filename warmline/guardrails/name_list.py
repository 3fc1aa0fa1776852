"""The listed given names and surnames (`known_names.txt`, see scripts/build_name_list.py).

Kept apart from the recognizer that reads them so that the company's name forms
(`company.company_forms`), which the configuration imports, can ask whether a word is a
person's name without importing Presidio or spaCy.
"""

from functools import lru_cache
from pathlib import Path

_NAMES = Path(__file__).parent / "recognizers" / "known_names.txt"


@lru_cache(maxsize=1)
def known_names() -> frozenset[str]:
    return frozenset(_NAMES.read_text(encoding="utf-8").split())
