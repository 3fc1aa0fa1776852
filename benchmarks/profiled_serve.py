"""`warmline serve` with a window its benchmark opens and closes by signal (gateway_cpu.py).

SIGUSR1 opens the window: each live thread's CPU is noted and cProfile starts on the
main thread (the event loop's), timing its CPU. SIGUSR2 closes it: the profile is written to
`$PROFILE_OUT.prof`, and each thread's CPU in the window, by name, with the SQL statements
run and the calls made to the database's threads, to `$PROFILE_OUT.json`.
Python 3.11 does not name its threads for the kernel, so /proc alone cannot tell the
database's threads from the loop's; the names come from `threading` here.
"""

import cProfile
import json
import os
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

import aiosqlite

from warmline.cli import main
from warmline.storage import sqlite

OUT = os.environ.get("PROFILE_OUT", "/tmp/gateway_profile")
PROFILING = os.environ.get("PROFILE_MAIN", "1") == "1"
# The loop thread's CPU, not the wall clock: a write that wakes another thread, or a
# wait for the GIL, would otherwise count as the function's own time.
profiler = cProfile.Profile(time.thread_time)
opened: dict[str, float] = {}
counting = False
counts: Counter[str] = Counter()
_run, _execute = sqlite._run, aiosqlite.Connection._execute


def _counted_run(connection: Any, text: str, values: list[Any]) -> Any:
    """Each SQL statement the product runs through the SQLite engine, by its text."""
    if counting:
        counts["statement: " + " ".join(text.split())[:70]] += 1
    return _run(connection, text, values)


async def _counted_execute(self: aiosqlite.Connection, fn: Any, *args: Any) -> Any:
    """Each call to a connection's thread (a hop there and back through the loop)."""
    if counting:
        counts["hop: " + getattr(fn, "__name__", "?")] += 1
    return await _execute(self, fn, *args)  # type: ignore[no-untyped-call]


def _thread_cpu() -> dict[str, float]:
    """CPU seconds of each live thread, by its `threading` name (kind, then id)."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = {}
    for thread in threading.enumerate():
        stat = Path(f"/proc/self/task/{thread.native_id}/stat")
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kind = "main" if thread is threading.main_thread() else type(thread).__name__
        found[f"{kind}:{thread.name}"] = (int(fields[11]) + int(fields[12])) / tick
    return found


def _open(signum: int, frame: FrameType | None) -> None:
    global counting
    counting = True
    counts.clear()
    opened.clear()
    opened.update(_thread_cpu())
    if PROFILING:
        profiler.enable()


def _close(signum: int, frame: FrameType | None) -> None:
    global counting
    counting = False
    if PROFILING:
        profiler.disable()
        profiler.dump_stats(OUT + ".prof")
    spent = {name: round(cpu - opened.get(name, 0.0), 3) for name, cpu in _thread_cpu().items()}
    Path(OUT + ".json").write_text(json.dumps({"threads": spent, "counts": counts}, indent=1))


if __name__ == "__main__":  # the compute workers, started with "spawn", import this file
    sqlite._run = _counted_run
    aiosqlite.Connection._execute = _counted_execute  # type: ignore[method-assign]
    signal.signal(signal.SIGUSR1, _open)
    signal.signal(signal.SIGUSR2, _close)
    sys.exit(main(["serve"]))
