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

Each model batcher's calls are counted (`batchers`): texts a call, how many calls found
the model idle, how many ran alone, and how many turns were in flight in the process when
a call was made; and each turn's wall time (inspection and graph run), p50 and p95.

Run it on another checkout with `PYTHONPATH=DIR` to compare (same messages, same seed).
Writes benchmarks/results/turn_cpu.json (or `--result NAME`).

Usage: PYTHONPATH=. .venv/bin/python benchmarks/turn_cpu.py [--turns 100] [--concurrent 1]
    [--result turn_cpu]
"""

import argparse
import asyncio
import collections
import contextlib
import functools
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from harness import machine, now_utc, write_result
from turn_latency import _conversations, distinct_questions

import warmline.agent.nodes as nodes
import warmline.batching as batching
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


class _BatcherCounts:
    """One batcher's calls as they were made: whether each found the model idle, the
    turns in flight then, and each model call's size."""

    def __init__(self) -> None:
        self.running = False
        self.sizes: list[int] = []
        self.idle_arrivals = 0
        self.arrivals = 0
        self.in_flight_at_arrival: collections.Counter[int] = collections.Counter()

    def summary(self) -> dict[str, Any]:
        calls = len(self.sizes)
        return {
            "texts": sum(self.sizes),
            "model_calls": calls,
            "texts_per_call": round(sum(self.sizes) / calls, 2) if calls else None,
            "calls_alone": self.sizes.count(1),
            "arrivals_finding_model_idle": round(self.idle_arrivals / self.arrivals, 2)
            if self.arrivals
            else None,
            "turns_in_flight_at_arrival": dict(sorted(self.in_flight_at_arrival.items())),
        }


_batchers: collections.defaultdict[str, _BatcherCounts] = collections.defaultdict(_BatcherCounts)
_turns_in_flight = 0
_counting = threading.Lock()


def _count_batchers() -> None:
    """Wrap every `MicroBatcher`'s call and model call to count them (`_BatcherCounts`)."""
    cls = batching.MicroBatcher
    call, run = cls.__call__, cls._run

    def counted_call(self: Any, item: Any) -> Any:
        counts = _batchers[self._name]
        with _counting:
            counts.arrivals += 1
            counts.idle_arrivals += not counts.running and self._waiting.empty()
            counts.in_flight_at_arrival[_turns_in_flight] += 1
        return call(self, item)

    def counted_run(self: Any, batch: list[Any]) -> None:
        counts = _batchers[self._name]
        counts.running = True
        counts.sizes.append(len(batch))
        try:
            run(self, batch)
        finally:
            counts.running = False

    setattr(cls, "__call__", counted_call)  # noqa: B010 (a class attribute, wrapped)
    setattr(cls, "_run", counted_run)  # noqa: B010


def _instrument() -> None:
    for owner, attribute, name in _WRAPPED:
        setattr(owner, attribute, _timed(name, getattr(owner, attribute)))
    _count_batchers()


@contextlib.contextmanager
def _a_turn_in_flight() -> Iterator[None]:
    """The turn (its inspection and its graph run) counted among the turns in flight that
    a batcher's call sees."""
    global _turns_in_flight
    _turns_in_flight += 1
    try:
        yield
    finally:
        _turns_in_flight -= 1


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
        walls: list[float] = []

        async def turn(conversation: str, text: str, seq: int) -> None:
            began = time.perf_counter()
            with _a_turn_in_flight():
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
            walls.append(time.perf_counter() - began)

        async def lane(talks: list[tuple[str, list[str]]]) -> None:
            for conversation, chunk in talks:
                for seq, text in enumerate(chunk, 1):
                    await turn(conversation, text, seq)

        async def play(prefix: str, asked: list[str]) -> None:
            talks = [(f"{prefix}{n}", chunk) for n, chunk in enumerate(_conversations(asked))]
            await asyncio.gather(*(lane(talks[i::concurrent]) for i in range(concurrent)))

        await play("warm", questions[turns:])
        _spent.clear()
        _batchers.clear()
        walls.clear()
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
        "turn_wall_ms": {
            "p50": round(statistics.median(walls) * 1000, 1),
            "p95": round(statistics.quantiles(walls, n=20)[-1] * 1000, 1),
        },
        "batchers": {name: counts.summary() for name, counts in sorted(_batchers.items())},
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
