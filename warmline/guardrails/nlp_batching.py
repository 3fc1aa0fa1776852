"""spaCy for concurrent analyses in one `nlp.pipe` call: the seam between Presidio's
recognizers and the NLP engine they read.

Several customers' messages redacted at the same moment (threads of the serving
process) each need spaCy's tokens, tags and entities; run one at a time, most of that
cost is per call. Here the texts that wait together go through `process_batch` (spaCy's
`nlp.pipe`) and each analysis gets its own artifacts back, the ones `process_text`
would give (the redactor's `detect_many` relies on the same equality). The recognizers
themselves are untouched: they receive the artifacts as Presidio would hand them.
"""

from functools import lru_cache
from typing import Any

from warmline.batching import MicroBatcher

NLP_BATCH = 16
"""Texts in one spaCy call at most; the serving process rarely has more waiting."""


@lru_cache(maxsize=4)
def artifacts_of(nlp_engine: Any) -> MicroBatcher[str, Any]:
    """Presidio's NLP artifacts of an English text, from `nlp_engine`, batched with the
    other texts waiting for the same engine."""

    def run(texts: list[str]) -> list[Any]:
        batch = nlp_engine.process_batch(texts, language="en", batch_size=len(texts))
        return [artifacts for _, artifacts in batch]

    return MicroBatcher(run, NLP_BATCH, "warmline-nlp")
