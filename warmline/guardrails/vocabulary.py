"""The knowledge base's own words, which a customer quoting it uses and which are no names.

spaCy's small model calls capitalised product names, payment brands and article
titles people ("Lumen Bulb", "Mastercard", "Cancel Transaction"). A name the model
finds is kept only if at least one of its words is not a word of the knowledge
base; names a customer gives in words ("my name is …") are not filtered.
"""

import re
from pathlib import Path

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
