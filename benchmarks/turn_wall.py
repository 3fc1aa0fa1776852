"""Where a sequential bot turn's wall time goes, across the serving process and its
compute workers.

Serves the embedded defaults with `wall_trace/` first on PYTHONPATH, so every process
(the gateway and each spawned worker) wraps the functions its `TRACED` names and logs
when each call started and ended on the clock all processes share; then one customer
asks distinct questions one after the other, no think time, and each turn is cut into
its stretches: the inspection (the gateway's wait for a worker's verdict, and inside it
the worker's reading), storing and acknowledging, the gateway's wait for the turn (and
inside it the worker's graph run, its model and checkpoint calls), storing the answer;
what no traced call covers is the hops between them (socket, pipes, event loops,
threads). The median of each stretch over the turns is reported, for this code and,
with `--before DIR`, for an earlier checkout served afterwards the same way.

Writes benchmarks/results/turn_wall.json (or `--result NAME`).

Usage: PYTHONPATH=. .venv/bin/python benchmarks/turn_wall.py [--turns 60] [--before DIR]
"""

import argparse
import asyncio
import collections
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import websockets
from harness import frames_until, machine, now_utc, percentile, serving, write_result
from turn_latency import _conversations, distinct_questions

TRACER = Path(__file__).resolve().parent / "wall_trace"
WARM_UP = 10
Span = tuple[int, int, str, str]  # start, end (ns), process id, traced name


async def play(url: str, turns: int) -> list[tuple[int, int, int]]:
    """Each measured turn's moments: sent, acknowledged, answered (monotonic ns)."""
    moments = []
    for chunk in _conversations(distinct_questions(turns + WARM_UP)):
        async with websockets.connect(url + "/v1/chat") as socket:
            await socket.send(json.dumps({"type": "hello", "data": {}}))
            await frames_until(socket, lambda f: f["type"] == "welcome")
            for text in chunk:
                sent, acked = time.monotonic_ns(), 0
                frame = {"type": "message", "client_msg_id": uuid.uuid4().hex}
                await socket.send(json.dumps(frame | {"data": {"text": text}}))
                while True:
                    got: dict[str, Any] = json.loads(await socket.recv())
                    if got["type"] == "ack" and not acked:
                        acked = time.monotonic_ns()
                    if got["type"] == "message" and got["data"]["role"] in ("bot", "system"):
                        break
                moments.append((sent, acked, time.monotonic_ns()))
    return moments[WARM_UP:]


def spans(prefix: Path) -> list[Span]:
    found = []
    for log in prefix.parent.glob(prefix.name + ".*"):
        for line in log.read_text().splitlines():
            pid, _, name, start, end = line.split("\t")
            found.append((int(start), int(end), pid, name))
    return sorted(found)


def stretches(moments: tuple[int, int, int], traced: list[Span]) -> dict[str, float]:
    """One turn's stretches in ms; a traced name called more than once adds up."""
    sent, acked, answered = moments
    inside = [s for s in traced if s[0] >= sent and s[1] <= answered]
    total: collections.defaultdict[str, float] = collections.defaultdict(float)
    for start, end, _, name in inside:
        total[name.split(":", 1)[1]] += (end - start) / 1e6
    return {
        "turn (sent to answered)": (answered - sent) / 1e6,
        "sent to acknowledged": (acked - sent) / 1e6,
        "acknowledged to answered": (answered - acked) / 1e6,
        **total,
    }


def measure(code: Path | None, turns: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        prefix = Path(folder) / "trace"
        root = code or Path(__file__).resolve().parents[1]
        env = {"WALL_TRACE_OUT": str(prefix), "PYTHONPATH": f"{TRACER}:{root}"}
        with serving(code, **env) as server:
            moments = asyncio.run(play(server.ws_url, turns))
        traced = spans(prefix)
    per_turn = [stretches(m, traced) for m in moments]
    names = {name for turn in per_turn for name in turn}
    medians = {
        name: round(statistics.median(turn.get(name, 0.0) for turn in per_turn), 2)
        for name in names
    }
    walls = [t["turn (sent to answered)"] / 1000 for t in per_turn]
    return {
        "turns": len(per_turn),
        "turn_p50_ms": round(percentile(walls, 0.5) * 1000, 1),
        "turn_p95_ms": round(percentile(walls, 0.95) * 1000, 1),
        "median_ms": dict(sorted(medians.items(), key=lambda kv: -kv[1])),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=60)
    parser.add_argument("--before", type=Path, help="an earlier checkout, measured after")
    parser.add_argument("--result", default="turn_wall")
    args = parser.parse_args()
    load_start = os.getloadavg()
    result: dict[str, Any] = {
        "benchmark": "turn_wall",
        "when": now_utc(),
        "machine": machine(),
        "after": measure(None, args.turns),
    }
    if args.before:
        result["before"] = {"code": str(args.before), **measure(args.before, args.turns)}
    result["load_average"] = {"start": load_start, "end": os.getloadavg()}
    write_result(args.result, result)


if __name__ == "__main__":
    main()
