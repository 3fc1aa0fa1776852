"""CPU a query embedding and a spaCy pass cost one at a time and micro-batched.

What a compute worker pays per turn for its query embedding when its concurrent turns'
embeddings run together (`warmline.retrieval.embedder`: at most 8 a model call, in
groups of similar length), and what the serving process pays for a message's spaCy
pass when concurrent redactions share one `nlp.pipe` call
(`warmline.guardrails.nlp_batching`). Thread CPU, one torch thread, the same distinct
questions of the retrieval sets both ways; rounds alternate which way goes first, and
the medians over rounds are reported (the machine may be shared).

Writes benchmarks/results/batching.json.

Usage: .venv/bin/python benchmarks/batching.py [--messages 160] [--rounds 4] [--batch 8]
"""

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from capacity import messages
from harness import machine, now_utc, write_result


def cpu_ms_each(texts: list[str], run: Callable[[list[str]], Any], batch: int) -> float:
    """Thread CPU per text of `run` over `texts`, `batch` texts a call."""
    started = time.thread_time()
    for start in range(0, len(texts), batch):
        run(texts[start : start + batch])
    return (time.thread_time() - started) / len(texts) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=160)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()
    import torch

    from warmline.guardrails.redaction import Redactor, _analyzer
    from warmline.retrieval.embedder import Embedder, _encode_queries

    torch.set_num_threads(1)
    texts = messages()[: args.messages]
    embedder = Embedder()
    engine = _analyzer(()).nlp_engine
    Redactor(["PERSON"], b"warm").warm_up()
    embedder.embed(["warm up"])

    def spacy(batch: list[str]) -> None:
        list(engine.process_batch(batch, language="en", batch_size=len(batch)))

    ways: dict[str, tuple[Callable[[list[str]], Any], int]] = {
        "embedding_single": (_encode_queries, 1),
        "embedding_batched": (_encode_queries, args.batch),
        "spacy_single": (spacy, 1),
        "spacy_batched": (spacy, args.batch),
    }
    load_before = os.getloadavg()
    rounds: list[dict[str, float]] = []
    for number in range(args.rounds):
        order = list(ways) if number % 2 == 0 else list(reversed(ways))
        rounds.append({name: round(cpu_ms_each(texts, *ways[name]), 3) for name in order})
        print(rounds[-1], flush=True)
    median = {name: round(statistics.median(r[name] for r in rounds), 3) for name in ways}
    write_result(
        "batching",
        {
            "date": now_utc(),
            "machine": machine(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "messages": len(texts),
            "batch": args.batch,
            "cpu_ms_per_text_median": median,
            "embedding_batched_over_single": round(
                median["embedding_batched"] / median["embedding_single"], 3
            ),
            "spacy_batched_over_single": round(median["spacy_batched"] / median["spacy_single"], 3),
            "rounds": rounds,
        },
    )


if __name__ == "__main__":
    main()
