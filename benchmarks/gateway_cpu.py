"""The gateway's CPU a bot turn, thread by thread, with the code before a change beside.

The serving process of `warmline serve` (the gateway: sockets, event log, queue passes)
runs the load of `capacity.py` (closed-loop customers, no think time, a prober pressing
"Talk to a person" at every level above one client) under `profiled_serve.py`, which
notes each of its threads' CPU over the measuring window (the event loop's, the SQLite
connections', the executor's) and, with `--profile`, profiles the loop's thread with
cProfile (`results/gateway_profile-SIDE-CLIENTS.prof`). With `--before DIR` the two
codes run in turns, `--rounds` times each, before first in odd rounds, after first in
even ones, each on a fresh server and data folder, so a drift of the shared machine
falls on both. Writes results/NAME.json (`--result`, gateway_cpu by default).

Usage: .venv/bin/python benchmarks/gateway_cpu.py [--levels 1 8 16] [--window 15]
       [--rounds 2] [--before DIR] [--profile]
"""

import argparse
import asyncio
import itertools
import json
import os
import resource
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from capacity import HANDOFF_RATE, WARM_UP_S, load_level, messages
from harness import RESULTS, run_facts, serving, write_result

LAUNCHER = Path(__file__).resolve().parent / "profiled_serve.py"


def thread_kind(name: str) -> str:
    """A thread's kind without its serial number: the threads of one kind are summed."""
    kind, _, label = name.partition(":")
    if kind == "main":
        return "event loop"
    if label.startswith("ThreadPoolExecutor") or label.startswith("asyncio_"):
        return "executor"
    return kind if kind != "Thread" else label.rstrip("0123456789").rstrip("-") or kind


async def level_in_window(
    pid: int, clients: int, window_s: float, texts: Iterator[str], out: Path, rate: float
) -> dict[str, Any]:
    """One level of `capacity.py`'s load, the server's window opened and closed by signal."""

    async def window() -> None:
        await asyncio.sleep(WARM_UP_S)
        os.kill(pid, signal.SIGUSR1)
        await asyncio.sleep(window_s)
        os.kill(pid, signal.SIGUSR2)

    signals = asyncio.create_task(window())
    measured = await load_level_at(pid, clients, window_s, texts, rate)
    await signals
    for _ in range(100):  # the server writes the threads' figures at the signal
        if out.with_suffix(".json").exists():
            break
        await asyncio.sleep(0.05)
    noted = json.loads(out.with_suffix(".json").read_text())
    out.with_suffix(".json").unlink()
    threads: dict[str, float] = noted["threads"]
    kinds: dict[str, float] = {}
    for name, cpu in threads.items():
        kinds[thread_kind(name)] = kinds.get(thread_kind(name), 0.0) + cpu
    turns = measured["served_turns_per_s"] * window_s
    measured["threads_cpu_ms_per_turn"] = {
        kind: round(cpu * 1000 / turns, 2) for kind, cpu in sorted(kinds.items()) if turns
    }
    measured["database_per_turn"] = {
        what: round(count / turns, 2) for what, count in sorted(noted["counts"].items()) if turns
    }
    return measured


async def load_level_at(
    pid: int, clients: int, window_s: float, texts: Iterator[str], rate: float
) -> dict[str, Any]:
    from harness import Server

    server = Server(ws_url=os.environ["GATEWAY_URL"], pid=pid, data_dir=Path())
    return await load_level(server, clients, window_s, texts, rate)


def side(
    label: str, code: Path | None, args: argparse.Namespace, round_: int
) -> list[dict[str, Any]]:
    """One server of `code`: every level, in order, on the same server."""
    texts = itertools.cycle(messages())
    found: list[dict[str, Any]] = []
    with serving(
        code,
        LAUNCHER,
        WARMLINE_LIMITS__FLOOD_MESSAGES="1000000",
        PROFILE_OUT=str(Path("/tmp") / f"gateway_profile-{os.getpid()}"),
        PROFILE_MAIN="1" if args.profile else "0",
    ) as server:
        os.environ["GATEWAY_URL"] = server.ws_url
        out = Path("/tmp") / f"gateway_profile-{os.getpid()}.json"
        for clients in args.levels:
            rate = args.handoff_rate if clients > 1 else 0.0
            level = asyncio.run(level_in_window(server.pid, clients, args.window, texts, out, rate))
            level |= {"side": label, "round": round_, "load_average": os.getloadavg()[0]}
            if args.profile:
                profile = out.with_suffix(".prof")
                profile.rename(RESULTS / f"gateway_profile-{label}-{clients}.prof")
            print(json.dumps(level), flush=True)
            found.append(level)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 8, 16])
    parser.add_argument("--window", type=float, default=15, help="seconds measured per level")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--handoff-rate", type=float, default=HANDOFF_RATE)
    parser.add_argument("--profile", action="store_true", help="cProfile the event loop")
    parser.add_argument("--result", default="gateway_cpu")
    parser.add_argument("--before", type=Path, help="a checkout of the code before a change")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    load_before = os.getloadavg()
    sides: list[tuple[str, Path | None]] = [("after", None)]
    if args.before:
        sides.insert(0, ("before", args.before))
    levels: list[dict[str, Any]] = []
    for round_ in range(args.rounds):
        for label, code in sides if round_ % 2 == 0 else sides[::-1]:
            levels += side(label, code, args, round_)
    write_result(
        args.result,
        {
            **run_facts(load_before),
            "before": str(args.before) if args.before else None,
            "levels": levels,
        },
    )


if __name__ == "__main__":
    main()
