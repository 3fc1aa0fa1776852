"""A message's query encoding is made in the worker beside its inspection, so its turn
does not wait for the model after the message is stored; words that redaction changed
are never encoded for the turn, sent or kept."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from conftest import make_settings

from warmline.retrieval import embedder
from warmline.retrieval.embedder import Embedder
from warmline.server.runtime import worker_compute
from warmline.workers.messages import Inspect, Inspected
from warmline.workers.process import _inspect


class Pipe:
    """The worker's end of the pipe, keeping what it sends."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, message: Any) -> None:
        self.sent.append(message)


async def test_the_inspection_brings_the_stored_words_encoding_and_never_a_redacted_ones(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    settings = make_settings(tmp_path, kb_snapshot)
    pipe = Pipe()
    asks = [
        ("how do I get a refund?", True),
        ("my email is maria.lopez@example.com, where is my refund?", True),
        ("how do I reset my password?", False),  # written to a person: nothing to search
    ]
    with ThreadPoolExecutor(1) as threads:
        async with worker_compute(settings) as compute:
            for job, (text, encode) in enumerate(asks):
                read = Inspect(job, text, [], "en", read_request=True, encode=encode)
                await _inspect(compute, read, pipe, threads)  # type: ignore[arg-type]
    plain, redacted, unasked = pipe.sent
    assert all(isinstance(sent, Inspected) for sent in pipe.sent)

    assert plain.encoding is not None
    alone = Embedder().embed(["how do I get a refund?"])[0]
    assert np.allclose(plain.encoding.vector, alone, atol=1e-5)
    assert embedder.query_encoding("how do I get a refund?") is plain.encoding  # no new call

    stored = redacted.inspection.verdict.redaction.text
    assert "maria.lopez@example.com" not in stored
    assert redacted.encoding is None
    assert not any("maria.lopez" in text for text in embedder._remembered)

    assert unasked.encoding is None
