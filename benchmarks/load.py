"""Many customers at once against one server: embedded defaults, then PostgreSQL + Redis.

N customer WebSockets each ask a question, wait for the answer, think, and ask again
(four questions per conversation, then a new one, so the policy's turn limit never
hands them over). Beside them a prober presses "Talk to a person" every few seconds
and times the packet's arrival on an agent's socket. Reports the offered and the served
turns/s (questions sent and replies received inside the window after the ramp), turn latency
percentiles, handoff delivery latency, errors (error frames, closed sockets, answers
that took over a minute) and the server's RSS. Loopback only, bounded by --duration.

Usage: .venv/bin/python benchmarks/load.py [--sockets 100 1000 5000] [--duration 60]
       [--think 20] [--backend embedded postgres+redis]
"""

import argparse
import asyncio
import json
import random
import resource
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
import websockets
from harness import (
    RESULTS,
    Server,
    hello,
    machine,
    now_utc,
    rss_mib,
    serving,
    summary_ms,
    write_result,
)
from websockets.exceptions import WebSocketException

QUESTIONS = ["how do I get a refund?", "my hub is offline", "how do I reset my password?"]
TURNS_PER_CONVERSATION = 4
ANSWER_TIMEOUT_S = 60
PG = "postgresql://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/0"


@dataclass
class Tally:
    """Latencies, plus when each question was sent and each reply arrived: offered and
    served rates are counted inside the measuring window, after every customer's first
    question (the ramp) and before the clock stops (the drain)."""

    turns: list[float] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)
    replied: list[float] = field(default_factory=list)
    handoffs: list[float] = field(default_factory=list)
    errors: int = 0


async def answer(socket: Any) -> bool:
    """Wait for the bot's answer (or a handoff); False on an error frame."""
    async with asyncio.timeout(ANSWER_TIMEOUT_S):
        while True:
            frame = json.loads(await socket.recv())
            if frame["type"] == "error":
                return False
            if frame["type"] == "mode" or (
                frame["type"] == "message" and frame["data"]["role"] != "customer"
            ):
                return True


async def customer(url: str, think_s: float, until: float, tally: Tally) -> None:
    await asyncio.sleep(random.uniform(0, think_s))
    while time.monotonic() < until:
        try:
            socket = await hello(url)
            for _ in range(TURNS_PER_CONVERSATION):
                if time.monotonic() >= until:
                    break
                started = time.perf_counter()
                tally.sent.append(time.monotonic())
                await socket.send(
                    json.dumps(
                        {
                            "type": "message",
                            "client_msg_id": uuid.uuid4().hex,
                            "data": {"text": random.choice(QUESTIONS)},
                        }
                    )
                )
                if await answer(socket):
                    tally.turns.append(time.perf_counter() - started)
                    tally.replied.append(time.monotonic())
                else:
                    tally.errors += 1
                await asyncio.sleep(random.uniform(0.5, 1.5) * think_s)
            await socket.close()
        except (OSError, TimeoutError, WebSocketException):
            tally.errors += 1
            await asyncio.sleep(1)


async def prober(url: str, until: float, tally: Tally) -> None:
    """Handoff delivery: "Talk to a person" until the packet is on an agent's socket."""
    async with websockets.connect(url + "/v1/agent", max_size=1 << 24) as console:
        await console.send(json.dumps({"type": "hello", "data": {"token": "demo-agent-token"}}))
        while time.monotonic() < until:
            try:
                socket = await hello(url)
                started = time.perf_counter()
                await socket.send(
                    json.dumps(
                        {"type": "request_human", "client_msg_id": uuid.uuid4().hex, "data": {}}
                    )
                )
                async with asyncio.timeout(ANSWER_TIMEOUT_S):
                    while json.loads(await console.recv())["type"] != "handoff":
                        pass
                tally.handoffs.append(time.perf_counter() - started)
                await socket.close()
            except (OSError, TimeoutError, WebSocketException):  # refused or timed out
                tally.errors += 1
            await asyncio.sleep(3)


async def drive(server: Server, sockets: int, duration: float, think_s: float) -> dict[str, Any]:
    tally = Tally()
    window_start = time.monotonic() + think_s  # every customer has asked once by then
    until = time.monotonic() + duration
    started = time.perf_counter()
    await asyncio.gather(
        prober(server.ws_url, until, tally),
        *(customer(server.ws_url, think_s, until, tally) for _ in range(sockets)),
    )
    elapsed = time.perf_counter() - started
    window = until - window_start
    return {
        "sockets": sockets,
        "seconds": round(elapsed, 1),
        "window_s": round(window, 1),
        "offered_turns_per_s": round(_within(tally.sent, window_start, until) / window, 1),
        "served_turns_per_s": round(_within(tally.replied, window_start, until) / window, 1),
        "turn_latency": summary_ms(tally.turns) if tally.turns else None,
        "handoff_delivery": summary_ms(tally.handoffs) if tally.handoffs else None,
        "errors": tally.errors,
        "server_rss_mib": rss_mib(server.pid),
    }


def _within(moments: list[float], start: float, end: float) -> int:
    return sum(1 for moment in moments if start <= moment <= end)


@contextmanager
def shared_backend() -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database and Redis prefix, dropped afterwards."""
    name = "warmline_load_" + uuid.uuid4().hex[:8]
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {
            "WARMLINE_DATABASE_URL": f"{PG}/{name}",
            "WARMLINE_REDIS_URL": REDIS,
            "WARMLINE_REDIS_PREFIX": name,
        }
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--duration", type=float, default=60, help="longer than --think")
    parser.add_argument("--think", type=float, default=20, help="mean seconds between turns")
    parser.add_argument(
        "--backend", nargs="+", default=["embedded", "postgres+redis"], dest="backends"
    )
    args = parser.parse_args()
    if args.duration <= args.think:
        parser.error("--duration must be longer than --think: rates are counted after the ramp")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 5,000 sockets need the room
    # Runs of other sizes or backends measured earlier are kept: one can be redone alone.
    kept = RESULTS / "load.json"
    earlier = json.loads(kept.read_text())["runs"] if kept.exists() else []
    runs: list[dict[str, Any]] = []
    for backend in args.backends:
        for sockets in args.sockets:
            with shared_backend() as shared:
                env = shared if backend == "postgres+redis" else {}
                with serving(WARMLINE_LIMITS__FLOOD_MESSAGES="1000", **env) as server:
                    run = asyncio.run(drive(server, sockets, args.duration, args.think))
            runs.append({"backend": backend, **run})
            print(json.dumps(runs[-1]), flush=True)
            # Written after every run: a long series that stops keeps what it measured.
            measured = {(r["backend"], r["sockets"]) for r in runs}
            others = [r for r in earlier if (r["backend"], r["sockets"]) not in measured]
            write_result(
                "load",
                {
                    "date": now_utc(),
                    "machine": machine(),
                    "duration_s": args.duration,
                    "think_s": args.think,
                    "runs": sorted(others + runs, key=lambda r: (r["backend"], r["sockets"])),
                },
            )


if __name__ == "__main__":
    main()
