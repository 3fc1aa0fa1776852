"""Sentence passages: small retrieval units that vote for the chunk they come from.

A chunk's sentence vector averages a whole section or paragraph (and the embedding
model reads only its first 256 wordpieces), so a question about one sentence of a long
paragraph is far from the paragraph's average: on SQuAD, whose questions were written
against one sentence of a Wikipedia paragraph, dense search alone found the right
article in the top five for 0.899 of the dev questions against lexical search's 0.950.
Sentence-sized chunks fixed that but would change what the bot quotes and what the
answerable confidence reads (evals/README.md, fifth round).

So the chunks stay as they are and each chunk's sentences are embedded as well, as
passages of that chunk ("small-to-big"): hybrid search scores a candidate chunk's dense
evidence as its own cosine raised halfway towards its best passage's cosine, when a
passage is closer to the question than the whole chunk is. Only the candidates dense and
lexical search already found are rescored (a wider pool, the top passages' chunks added,
found nothing more on the dev rows), so a search reads a few hundred passage vectors at
most. The hit keeps the chunk's own cosine, which is what the answerable confidence
was fitted on.

Only a chunk of more than `LONG_CHUNK` words has passages: a short one's vector is close
to each of its sentences already, and on the COVID FAQ set (answers of 60 words at the
median) passages for every chunk lost two dev questions from the top five, where the
question matched one sentence of a neighbouring answer. A fragment shorter than
`SHORTEST_PASSAGE` words ("Steps:", a table's header row) is joined to the sentence after
it, so no passage is a title with a word or two attached.
"""

import re

from warmline.retrieval.chunking import Chunk

# Chosen on the dev rows (evals/README.md, sixth round): how far a chunk's dense score
# moves towards its best passage's cosine. 1.0 (the passage's cosine alone) found fewer
# SQuAD articles in the top five than 0.5 (0.4 to 0.6 gave the same).
PASSAGE_WEIGHT = 0.5
LONG_CHUNK = 120
SHORTEST_PASSAGE = 5

# A sentence ends at . ! or ? (after any closing quote or bracket) before a capital,
# a digit or an opening quote; a line break ends a list item or a table row.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(\[])|\s*\n\s*")


def sentences(text: str) -> list[str]:
    """The text's sentences, a fragment shorter than `SHORTEST_PASSAGE` words joined to
    the one after it (or, at the end, to the one before)."""
    found: list[str] = []
    pending = ""
    for piece in _SENTENCE_END.split(text):
        piece = piece.strip()
        if not piece:
            continue
        pending = f"{pending} {piece}".strip()
        if len(pending.split()) >= SHORTEST_PASSAGE:
            found.append(pending)
            pending = ""
    if pending:
        if found:
            found[-1] = f"{found[-1]} {pending}"
        else:
            found.append(pending)
    return found


def passage_texts(chunk: Chunk) -> list[str]:
    """What is embedded for each of the chunk's passages: its sentence under the chunk's
    title and section, as the chunk itself is embedded; none for a chunk of `LONG_CHUNK`
    words or fewer."""
    if len(chunk.text.split()) <= LONG_CHUNK:
        return []
    found = sentences(chunk.text)
    return [f"{chunk.title}. {chunk.section}. {sentence}" for sentence in found]


def raised(cosine: float, best_passage: float | None) -> float:
    """A chunk's dense evidence: its cosine, raised `PASSAGE_WEIGHT` of the way towards its
    best passage's when that passage is closer to the question."""
    if best_passage is None or best_passage <= cosine:
        return cosine
    return cosine + PASSAGE_WEIGHT * (best_passage - cosine)
