"""Where a bot turn's CPU goes, step by step, as a compute worker spends it.

Opens what a worker opens (`worker_compute`: the graph, its checkpoints, the guard) on a
fresh data folder with the sample help center, then runs distinct customer messages
one after the other: each is inspected (`inspect_message`) and its turn run through the
graph, as the gateway would have a worker do. Each step is timed with the thread CPU of
the thread it runs in (wrapping the functions, nothing else changed); the model batchers'
threads (query embedding, spaCy) are read from /proc, and "graph and event loop" is the
loop thread's CPU during `ConversationGraph.run` (LangGraph's steps, asyncio, the
checkpoint), the nodes' work being in executor threads. Without a gateway, so the
sockets, the event log and the pipe are not in it (`turn_latency.py` measures the whole).

`--concurrent N` runs N conversations at once (each its turns one after the other), as
a worker's slots do under load: the query embeddings and spaCy passes made at the same
time then share model calls (`warmline.batching`), and the model threads' CPU a turn
says what that batching saves against turns run one at a time.

Run it on another checkout with `PYTHONPATH=DIR` to compare (same messages, same seed).
Writes benchmarks/results/turn_cpu.json (or `--result NAME`).

Usage: PYTHONPATH=. .venv/bin/python benchmarks/turn_cpu.py [--turns 100] [--concurrent 1]
    [--result turn_cpu]
"""

import argparse
import asyncio
import collections
import functools
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import machine, now_utc, write_result
from turn_latency import _conversations, distinct_questions

import warmline.agent.nodes as nodes
import warmline.guardrails.inspection as inspection
import warmline.guardrails.redaction as redaction
import warmline.retrieval.store as store
from warmline.agent.state import TurnInput
from warmline.config import Settings
from warmline.server.runtime import open_knowledge_store, sync, worker_compute

WARM_UP = 16
_spent: collections.defaultdict[str, float] = collections.defaultdict(float)


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            _spent[name] += time.thread_time() - started

    return timed


_WRAPPED = (
    (redaction.Redactor, "detect", "pii detect (outside spaCy)"),
    (inspection, "asks_for_a_person", "request rules"),
    (store.KnowledgeStore, "search", "search (query vector cached)"),
    (nodes, "compute_signals", "signals (detectors)"),
    (nodes, "smalltalk_reply", "answer: smalltalk"),
    (nodes, "extractive_answer", "answer: extractive"),
)


def _instrument() -> None:
    for owner, attribute, name in _WRAPPED:
        setattr(owner, attribute, _timed(name, getattr(owner, attribute)))


def _threads() -> dict[int, float]:
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(task.name)] = (int(fields[11]) + int(fields[12])) / tick
    return found


async def measure(turns: int, concurrent: int = 1) -> dict[str, Any]:
    settings = Settings(data_dir=Path(tempfile.mkdtemp()))
    knowledge = open_knowledge_store(settings)
    sync(settings, knowledge)
    knowledge.close()
    _instrument()
    async with worker_compute(settings) as compute:
        context = compute.graph.context
        object.__setattr__(context, "answerable", _timed("confidence", context.answerable))
        object.__setattr__(context, "assess", _timed("policy", context.assess))
        questions = distinct_questions(turns + WARM_UP)

        async def turn(conversation: str, text: str, seq: int) -> None:
            inspected = await asyncio.to_thread(
                inspection.inspect_message, compute.guard, text, [], None, True
            )
            redacted = inspected.verdict.redaction
            assert redacted is not None
            started = time.thread_time()
            await compute.graph.run(
                conversation, TurnInput(seq=seq, text=redacted.text, mode="bot")
            )
            _spent["graph and event loop"] += time.thread_time() - started

        async def lane(talks: list[tuple[str, list[str]]]) -> None:
            for conversation, chunk in talks:
                for seq, text in enumerate(chunk, 1):
                    await turn(conversation, text, seq)

        async def play(prefix: str, asked: list[str]) -> None:
            talks = [(f"{prefix}{n}", chunk) for n, chunk in enumerate(_conversations(asked))]
            await asyncio.gather(*(lane(talks[i::concurrent]) for i in range(concurrent)))

        await play("warm", questions[turns:])
        _spent.clear()
        before, cpu = _threads(), time.process_time()
        await play("c", questions[:turns])
        cpu, after = time.process_time() - cpu, _threads()
    loop_thread = after.get(os.getpid(), 0.0) - before.get(os.getpid(), 0.0)
    per_thread = sorted(
        (after[t] - before.get(t, 0.0) for t in after if t != os.getpid()), reverse=True
    )
    ranked = sorted(_spent.items(), key=lambda kv: -kv[1])
    steps = {name: round(spent / turns * 1000, 2) for name, spent in ranked}
    return {
        "turns": turns,
        "concurrent": concurrent,
        "cpu_ms_per_turn": round(cpu / turns * 1000, 2),
        "steps_ms_per_turn": steps,
        "loop_thread_ms_per_turn": round(loop_thread / turns * 1000, 2),
        "other_threads_ms_per_turn": [round(s / turns * 1000, 1) for s in per_thread if s > 0],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--concurrent", type=int, default=1, help="conversations at once")
    parser.add_argument("--result", default="turn_cpu")
    args = parser.parse_args()
    load_start = os.getloadavg()
    measured = asyncio.run(measure(args.turns, args.concurrent))
    write_result(
        args.result,
        {
            "benchmark": "turn_cpu",
            "when": now_utc(),
            "machine": machine(),
            "code": os.environ.get("PYTHONPATH", ""),
            "load_average": {"start": load_start, "end": os.getloadavg()},
            **measured,
        },
    )


if __name__ == "__main__":
    main()
