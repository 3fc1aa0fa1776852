"""Throughput and latency of the full guard on realistic support messages.

The full guard is what every customer message pays before it is stored: hygiene
and limits, PII detection and redaction (Presidio with the packaged spaCy model
and Warmline's recognizers), then the signal detectors. Messages come from the
labeled evaluation sets, cycled to the requested count. Single process, one core.
Redaction alone is timed too (`redaction_mean_ms`), since that is what the NER
choice costs, and its detection's CPU one message at a time (as a live turn pays it)
and in batches of 64 (`Redactor.detect_many`, as `warmline analyze` and any worker
that batches messages pay it) on the same messages. `--corpus questions` reads the
customer questions the capacity benchmark sends instead (the retrieval sets' questions),
which hold fewer names and numbers than the labelled messages; to measure the code before
a change with this script, run it with that code first on `PYTHONPATH`.
Writes benchmarks/results/guardrails.json (or --out).

Usage: .venv/bin/python benchmarks/guardrails.py [--messages 2000] [--corpus messages|questions]
       [--out FILE]
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

from capacity import messages

from warmline.config import REPO_ROOT, Settings
from warmline.guardrails.guard import Guard
from warmline.guardrails.redaction import PlaceholderBook, Redactor
from warmline.guardrails.signals import compute_signals
from warmline.guardrails.vocabulary import kb_vocabulary

RESULTS = Path(__file__).parent / "results" / "guardrails.json"
SOURCES = [
    REPO_ROOT / "evals" / "pii" / "messages.jsonl",
    REPO_ROOT / "evals" / "signals" / "dev_messages.jsonl",
]


def texts(corpus: str) -> list[str]:
    if corpus == "questions":
        return messages()
    return [
        json.loads(line)["text"]
        for source in SOURCES
        for line in source.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def detection_cpu_ms(redactor: Redactor, messages: list[str]) -> tuple[float, float]:
    """CPU per message of PII detection, one message at a time and 64 at a time."""
    started = time.process_time()
    for text in messages:
        redactor.detect(text)
    single = time.process_time() - started
    started = time.process_time()
    for first in range(0, len(messages), 64):
        redactor.detect_many(messages[first : first + 64])
    batched = time.process_time() - started
    return single * 1000 / len(messages), batched * 1000 / len(messages)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--corpus", choices=["messages", "questions"], default="messages")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args()
    settings = Settings()
    redactor = Redactor(
        settings.pii_entities, b"benchmark-key", settings.pii_allow_patterns,
        settings.pii_company_patterns,
        kb_vocabulary(settings.kb_path), settings.company_name,
    )  # fmt: skip
    guard = Guard(redactor, settings.limits.max_message_chars)
    corpus = texts(args.corpus)
    redactor.warm_up()
    latencies: list[float] = []
    redaction_s = 0.0
    started = time.perf_counter()
    for i in range(args.messages):
        text = corpus[i % len(corpus)]
        t0 = time.perf_counter()
        redactor.redact(text, PlaceholderBook())
        redaction_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        verdict = guard.inspect(text, PlaceholderBook())
        if verdict.redaction is not None:
            compute_signals(verdict.redaction.text)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    single_cpu_ms, batched_cpu_ms = detection_cpu_ms(redactor, corpus[: args.messages])
    result = {
        "benchmark": "guardrails",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "messages": args.messages,
        "corpus": args.corpus,
        "distinct_messages": len(corpus),
        "mean_chars": round(sum(len(t) for t in corpus) / len(corpus), 1),
        "messages_per_s": round(args.messages / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "redaction_mean_ms": round(redaction_s / args.messages * 1000, 2),
        "detect_cpu_ms_per_message": round(single_cpu_ms, 2),
        "detect_many_cpu_ms_per_message": round(batched_cpu_ms, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
