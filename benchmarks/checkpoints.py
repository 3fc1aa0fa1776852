"""What a bot turn writes to the graph's checkpoint store, and what it costs the server.

Starts `warmline serve` (embedded defaults) once for this checkout and once for another
one (`--before`, e.g. a `git archive` of the code before a change), one after the
other in the same run (before-after, then after-before, so a change in the machine's
load falls on both), and plays the same short conversations over real WebSockets
against each. After some warm-up turns it measures, per turn:
- checkpoints saved and write batches stored (LangGraph's `checkpoints` and `writes`
  tables of `checkpoints.sqlite`; each is one committed transaction);
- the bytes they hold (checkpoint + metadata blobs, write values);
- the server process's CPU (user + system) and the turn's latency.
Writes benchmarks/results/checkpoints.json with the load average around each variant.

Usage: .venv/bin/python benchmarks/checkpoints.py --before /tmp/before [--turns 48]
"""

import argparse
import asyncio
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from harness import Server, machine, now_utc, serving, summary_ms, write_result
from turn_latency import bot_turns

WARM_UP_TURNS = 8


def store_totals(data_dir: Path) -> dict[str, int]:
    """Rows and bytes in the checkpointer's tables so far (read while the server runs)."""
    with sqlite3.connect(f"file:{data_dir / 'checkpoints.sqlite'}?mode=ro", uri=True) as db:
        checkpoints, checkpoint_bytes = db.execute(
            "SELECT count(*), coalesce(sum(length(checkpoint) + length(metadata)), 0) "
            "FROM checkpoints"
        ).fetchone()
        writes, batches, write_bytes = db.execute(
            "SELECT count(*), count(DISTINCT checkpoint_id || task_id), "
            "coalesce(sum(length(value)), 0) FROM writes"
        ).fetchone()
    return {
        "checkpoints": checkpoints,
        "writes": writes,
        "write_batches": batches,
        "checkpoint_bytes": checkpoint_bytes,
        "write_bytes": write_bytes,
    }


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(server: Server, turns: int) -> dict[str, Any]:
    asyncio.run(bot_turns(server.ws_url, WARM_UP_TURNS))
    load_before = os.getloadavg()[0]
    stored = store_totals(server.data_dir)
    cpu = cpu_s(server.pid)
    latencies, _ = asyncio.run(bot_turns(server.ws_url, turns))
    cpu = cpu_s(server.pid) - cpu
    grown = {k: v - stored[k] for k, v in store_totals(server.data_dir).items()}
    return {
        "turns": turns,
        "checkpoints_per_turn": round(grown["checkpoints"] / turns, 2),
        "write_batches_per_turn": round(grown["write_batches"] / turns, 2),
        "write_rows_per_turn": round(grown["writes"] / turns, 2),
        "checkpoint_kib_per_turn": round(grown["checkpoint_bytes"] / turns / 1024, 2),
        "write_kib_per_turn": round(grown["write_bytes"] / turns / 1024, 2),
        "server_cpu_ms_per_turn": round(cpu * 1000 / turns, 1),
        "turn_latency": summary_ms(latencies),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--turns", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=2, help="before-after, then after-before")
    args = parser.parse_args()
    variants: list[tuple[str, Path | None]] = [("before", args.before.resolve()), ("after", None)]
    results: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    for round_ in range(args.rounds):
        for name, code in variants if round_ % 2 == 0 else variants[::-1]:
            started = time.monotonic()
            with serving(code) as server:
                run = measure(server, args.turns)
            results[name].append(run | {"wall_s": round(time.monotonic() - started, 1)})
    write_result(
        "checkpoints",
        {"benchmark": "checkpoints", "when": now_utc(), "machine": machine(), **results},
    )


if __name__ == "__main__":
    main()
