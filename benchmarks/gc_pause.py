"""What one full garbage collection pauses a compute worker and the serving process for.

Python's cyclic collector walks every tracked object in a full (generation 2) collection,
which comes whenever enough objects have outlived the younger generations; everything
the process runs waits meanwhile. A process that loaded the models, the knowledge index
and the word lists holds hundreds of thousands of objects for its whole life, so the
pause is set by what startup loaded, not by the turns. `warmline.heap` freezes those
objects once the process is ready; this measures the pause a full collection causes
with and without that freeze, each arm in a fresh process:

- `worker`: what a compute worker opens (`worker_compute`: the graph, its checkpoints,
  the guard, the models warmed), then `--turns` distinct customer messages inspected and
  run through the graph, as a worker would; with the freeze where the worker's `serve`
  calls it (right after opening);
- `serving`: `warmline serve`'s server (`build_server`, the embedded defaults, its
  compute workers started), started and listening, then measured in its own process.

Each arm times three forced full collections (`gc.collect(2)`) and reports the slowest
and the median, the objects the collector still tracks, and how many are frozen.

Usage: PYTHONPATH=. .venv/bin/python benchmarks/gc_pause.py [--turns 40] [--result gc_pause]
"""

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import free_port, machine, now_utc, write_result

ARMS = ("worker", "serving")
COLLECTIONS = 3


def _pauses() -> dict[str, Any]:
    """Three forced full collections, timed; the collector's tracked and frozen counts."""
    times = []
    for _ in range(COLLECTIONS):
        started = time.perf_counter()
        gc.collect(2)
        times.append(time.perf_counter() - started)
    return {
        "full_collection_ms": [round(t * 1000, 1) for t in times],
        "median_ms": round(statistics.median(times) * 1000, 1),
        "tracked_objects": len(gc.get_objects()),
        "frozen_objects": gc.get_freeze_count(),
    }


async def _worker(turns: int, freeze: bool) -> dict[str, Any]:
    from turn_latency import _conversations, distinct_questions

    import warmline.guardrails.inspection as inspection
    from warmline.agent.state import TurnInput
    from warmline.config import Settings
    from warmline.heap import freeze_what_startup_loaded
    from warmline.server.runtime import open_knowledge_store, sync, worker_compute

    settings = Settings(data_dir=Path(tempfile.mkdtemp()))
    knowledge = open_knowledge_store(settings)
    sync(settings, knowledge)
    knowledge.close()
    async with worker_compute(settings) as compute:
        if freeze:
            freeze_what_startup_loaded()
        for n, chunk in enumerate(_conversations(distinct_questions(turns))):
            for seq, text in enumerate(chunk, 1):
                inspected = await asyncio.to_thread(
                    inspection.inspect_message, compute.guard, text, [], None, True
                )
                redacted = inspected.verdict.redaction
                assert redacted is not None
                await compute.graph.run(f"c{n}", TurnInput(seq=seq, text=redacted.text, mode="bot"))
        return _pauses()


async def _serving(freeze: bool) -> dict[str, Any]:
    from warmline.config import Settings
    from warmline.server.serving import build_server

    settings = Settings(
        data_dir=Path(tempfile.mkdtemp()), host="127.0.0.1", port=free_port(), log_level="WARNING"
    )
    server = build_server(settings, open_store=True)
    server.freeze_startup = freeze  # the code before this change has no such attribute
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.1)
        if serving.done():
            serving.result()  # it failed to start: say why
    try:
        return _pauses()
    finally:
        server.should_exit = True
        await serving


def _arm(arm: str, freeze: bool, turns: int) -> dict[str, Any]:
    """One arm in a fresh process of the same interpreter and code."""
    found = subprocess.run(
        [sys.executable, __file__, "--arm", arm, "--turns", str(turns)]
        + (["--freeze"] if freeze else []),
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"WARMLINE_LOG_LEVEL": "WARNING"},
    )
    measured: dict[str, Any] = json.loads(found.stdout.strip().splitlines()[-1])
    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--result", default="gc_pause")
    parser.add_argument("--arm", choices=ARMS, help="run one arm here (used by the runner)")
    parser.add_argument("--freeze", action="store_true")
    args = parser.parse_args()
    if args.arm == "worker":
        print(json.dumps(asyncio.run(_worker(args.turns, args.freeze))))
        return
    if args.arm == "serving":
        print(json.dumps(asyncio.run(_serving(args.freeze))))
        return
    load_start = os.getloadavg()
    arms = {
        f"{arm} {'frozen' if freeze else 'not frozen'}": _arm(arm, freeze, args.turns)
        for arm in ARMS
        for freeze in (False, True)
    }
    write_result(
        args.result,
        {
            "benchmark": "gc_pause",
            "when": now_utc(),
            "machine": machine(),
            "turns": args.turns,
            "load_average": {"start": load_start, "end": os.getloadavg()},
            "arms": arms,
        },
    )


if __name__ == "__main__":
    main()
