"""Measure what a customer and an agent wait for, on the embedded defaults.

Starts `warmline serve` in its own process on a loopback port with a fresh data
folder, then, over real WebSockets:
- bot turn latency: from sending a question to the bot's answer arriving;
- a bot turn's CPU: the user+system CPU of the serving process and its compute workers
  over each turn;
- handoff delivery latency: from pressing "Talk to a person" to the packet on an
  agent's socket;
and the server's resident memory afterwards. Every question is a different message
(the same wording twice would be served from the per-message caches and hide what
a new message costs).

`--before COMMIT` also serves that commit's code (extracted with `git archive`, run
with the same virtualenv) in a second server and plays the same questions to both,
conversation by conversation in turn, so both are measured under the same load.
Writes benchmarks/results/turn_latency.json.

Usage: .venv/bin/python benchmarks/turn_latency.py [--turns 60] [--handoffs 20]
       [--before 5c43d41]
"""

import argparse
import asyncio
import contextlib
import io
import json
import os
import random
import subprocess
import tarfile
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets
from harness import (
    FRAME_TIMEOUT_S,
    frames_until,
    machine,
    now_utc,
    rss_mib,
    serving,
    summary_ms,
    write_result,
)

TURNS_PER_CONVERSATION = 2
WARM_UP_TURNS = 8
# Distinct customer messages: a topic, a detail and a way of asking, drawn with a fixed
# seed, so each turn embeds, redacts and searches a message the server has not seen.
_ASKS = ["{0} {1}?", "hi, {0} {1}", "{0} {1}, can you help", "quick question: {0} {1}"]
_TOPICS = [
    "how do I get a refund for",
    "my hub went offline after",
    "how do I reset my password on",
    "where is my parcel with",
    "how much does Lumen Plus cost with",
    "my card was declined for",
    "how do I cancel my subscription with",
    "how do I delete my data from",
    "the app keeps crashing with",
    "can I change the delivery address for",
]
_DETAILS = [
    "order LH-{n}",
    "the {n} plan",
    "my account since {n}",
    "the bulb I bought in {n}",
    "invoice {n}",
    "the sensor kit {n}",
]


def distinct_questions(count: int, seed: int = 11) -> list[str]:
    """`count` different questions, the same list for the same seed."""
    pick = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < count:
        detail = pick.choice(_DETAILS).format(n=pick.randint(100000, 999999))
        seen.add(pick.choice(_ASKS).format(pick.choice(_TOPICS), detail))
    return sorted(seen, key=lambda _: pick.random())


def process_cpu_s(pid: int) -> float:
    """User+system CPU seconds of process `pid` and its descendants: the serving process
    and its compute workers (all their threads, exited ones included)."""
    return sum(_own_cpu_s(each) for each in _tree(pid))


def _own_cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # exited meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """`pid` and every process below it (a worker's helpers too)."""
    found = [pid]
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                for child in (task / "children").read_text().split():
                    found += _tree(int(child))
    return found


@dataclass
class Turns:
    """What one server's bot turns measured."""

    answered: list[float] = field(default_factory=list)
    first_piece: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


async def conversation(url: str, questions: list[str], into: Turns, pid: int | None) -> None:
    """One customer asking `questions` in turn; the server's CPU per turn when `pid`."""
    async with websockets.connect(url + "/v1/chat") as socket:
        await socket.send(json.dumps({"type": "hello", "data": {}}))
        await frames_until(socket, lambda f: f["type"] == "welcome")
        for text in questions:
            cpu_before = process_cpu_s(pid) if pid else 0.0
            started = time.perf_counter()
            await socket.send(
                json.dumps(
                    {
                        "type": "message",
                        "client_msg_id": uuid.uuid4().hex,
                        "data": {"text": text},
                    }
                )
            )
            first: float | None = None
            async with asyncio.timeout(FRAME_TIMEOUT_S):
                while True:
                    frame: dict[str, Any] = json.loads(await socket.recv())
                    if frame["type"] == "delta" and first is None:
                        first = time.perf_counter() - started
                    if frame["type"] == "message" and frame["data"]["role"] in ("bot", "system"):
                        break
            into.answered.append(time.perf_counter() - started)
            if pid:
                into.cpu.append(process_cpu_s(pid) - cpu_before)
            if first is not None:
                into.first_piece.append(first)
            if frame["data"]["role"] == "system":
                return  # handed over: a person answers the rest


def _conversations(questions: list[str]) -> list[list[str]]:
    """Short conversations, as customers ask (a long one would hit the turn limit)."""
    step = TURNS_PER_CONVERSATION
    return [questions[i : i + step] for i in range(0, len(questions), step)]


async def bot_turns(url: str, turns: int) -> tuple[list[float], list[float]]:
    """`turns` distinct questions in short conversations. Returns each answer's latency,
    and, when answers stream, the time to their first piece."""
    measured = Turns()
    for questions in _conversations(distinct_questions(turns)):
        await conversation(url, questions, measured, None)
    return measured.answered, measured.first_piece


async def compare_turns(servers: dict[str, tuple[str, int]], turns: int) -> dict[str, Turns]:
    """The same distinct questions to every server, one conversation each in turn, after
    warm-up turns of other questions (model loading, first queries)."""
    questions = distinct_questions(turns + WARM_UP_TURNS)
    measured = {name: Turns() for name in servers}
    for url, pid in servers.values():
        for warm in _conversations(questions[turns:]):
            await conversation(url, warm, Turns(), pid)
    for chunk in _conversations(questions[:turns]):
        for name, (url, pid) in servers.items():
            await conversation(url, chunk, measured[name], pid)
    return measured


async def handoffs(url: str, count: int) -> list[float]:
    timings = []
    async with websockets.connect(url + "/v1/agent") as console:
        await console.send(json.dumps({"type": "hello", "data": {"token": "demo-agent-token"}}))
        await frames_until(console, lambda f: f["type"] == "welcome")
        for _ in range(count):
            async with websockets.connect(url + "/v1/chat") as socket:
                await socket.send(json.dumps({"type": "hello", "data": {}}))
                welcome = await frames_until(socket, lambda f: f["type"] == "welcome")
                started = time.perf_counter()
                await socket.send(
                    json.dumps(
                        {"type": "request_human", "client_msg_id": uuid.uuid4().hex, "data": {}}
                    )
                )
                wanted = welcome["conversation_id"]

                def delivered(frame: dict[str, Any], wanted: str = wanted) -> bool:
                    return bool(frame["type"] == "handoff" and frame["conversation_id"] == wanted)

                await frames_until(console, delivered)
                timings.append(time.perf_counter() - started)
    return timings


def extract(commit: str, into: Path) -> Path:
    """The repository's files at `commit`, written under `into` (no git metadata)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit],
        cwd=Path(__file__).resolve().parents[1],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _report(turns: Turns) -> dict[str, Any]:
    cpu_ms = [c * 1000 for c in turns.cpu]
    return {
        "bot_turn": summary_ms(turns.answered),
        "bot_turn_cpu_ms": {
            "count": len(cpu_ms),
            "mean": round(sum(cpu_ms) / len(cpu_ms), 2),
            "p50": round(sorted(cpu_ms)[len(cpu_ms) // 2], 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=60)
    parser.add_argument("--handoffs", type=int, default=20)
    parser.add_argument("--before", help="also serve this commit's code and compare")
    args = parser.parse_args()
    load_start = os.getloadavg()
    with ExitStack() as stack:
        servers = {"after": stack.enter_context(serving())}
        if args.before:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            code = extract(args.before, folder)
            servers["before"] = stack.enter_context(serving(code))
        measured = asyncio.run(
            compare_turns({k: (s.ws_url, s.pid) for k, s in servers.items()}, args.turns)
        )
        delivered = asyncio.run(handoffs(servers["after"].ws_url, args.handoffs))
        memory = rss_mib(servers["after"].pid)
    result: dict[str, Any] = {
        "benchmark": "turn_latency",
        "when": now_utc(),
        "machine": machine(),
        "load_average": {"start": load_start, "end": os.getloadavg()},
        "distinct_messages": True,
        **_report(measured["after"]),
        "handoff_delivery": summary_ms(delivered),
        "server_rss_mib": memory,
    }
    if args.before:
        before = _report(measured["before"])
        result["before"] = {"commit": args.before, **before}
        result["cpu_ms_per_turn_after_minus_before"] = round(
            result["bot_turn_cpu_ms"]["mean"] - before["bot_turn_cpu_ms"]["mean"], 2
        )
    write_result("turn_latency", result)


if __name__ == "__main__":
    main()
