"""Capacity measured against its floor, in one run, on the embedded defaults.

The floor is the CPU a bot turn cannot avoid: one query embedding and one PII analysis
per message, on the same messages the load sends, with one torch thread. With `cores`
cores that allows at most `cores × 1000 / floor_ms` turns a second; capacity is how close
the product gets. Each figure is measured here, in this order:

1. floor: CPU of `Embedder.embed` + `Redactor.detect` per distinct message, counted over
   the whole process: `detect` hands spaCy and the PII token classifier to threads of
   their own (the batchers a served turn shares), so the calling thread's CPU alone
   would leave most of the analysis out;
2. sequential turns: one customer, no think time (the latency a quiet server gives);
3. closed-loop capacity: N customers with no think time, N doubling, each level measured
   over a fixed window after a warm-up; capacity is the highest served rate whose turn
   p95 stays under 1 s. A prober presses "Talk to a person" throughout (`--handoff-rate`
   a second, 5 by default, so a level's p99 rests on about a hundred presses) and times
   each packet's arrival on an agent's socket, so handoff latency is read under that load;
   the CPU the serving process (the gateway: sockets, event log, announcements) and its
   compute workers used in the window is read from /proc, per level and per turn;
4. idle sockets: K customers connect and say hello, then wait; the server's resident
   memory and CPU per idle socket are read from /proc.

Messages are the distinct questions of the retrieval evaluation sets, cycled so that no
query-vector cache can answer them. Writes benchmarks/results/capacity.json.

With `--before DIR` (a whole checkout, e.g. `git archive REV | tar -x -C DIR`) the same
load runs first against that code's server, then against this one, in the same run and
on the same floor; the JSON keeps the earlier code's figures under "before".

Usage: .venv/bin/python benchmarks/capacity.py [--levels 1 2 4 8 16 32 64]
       [--window 30] [--idle 10000] [--before DIR] [--result capacity]
"""

import argparse
import asyncio
import itertools
import json
import os
import resource
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets
from harness import (
    FRAME_TIMEOUT_S,
    Server,
    frames_until,
    hello,
    percentile,
    rss_mib,
    run_facts,
    serving,
    summary_ms,
    write_result,
)
from websockets.exceptions import WebSocketException

ROOT = Path(__file__).resolve().parent.parent
SLA_S = 1.0  # the p95 a level must keep to count as served
TURNS_PER_CONVERSATION = 4
WARM_UP_S = 5.0
ANSWER_TIMEOUT_S = 60


def messages() -> list[str]:
    """Every distinct question of the retrieval sets (sample, then the public ones)."""
    files = [ROOT / "evals/retrieval/questions.jsonl"]
    files += sorted((ROOT / "evals/retrieval/sets").glob("*/questions.jsonl"))
    seen: dict[str, None] = {}
    for path in files:
        for line in path.read_text().splitlines():
            seen.setdefault(json.loads(line)["question"].strip(), None)
    return list(seen)


def floor(texts: list[str]) -> dict[str, float]:
    """CPU per message of the two steps every bot turn runs, one torch thread."""
    import torch

    from warmline.config import Settings
    from warmline.guardrails.redaction import Redactor
    from warmline.retrieval.embedder import Embedder

    torch.set_num_threads(1)
    settings = Settings()
    redactor = Redactor(settings.pii_entities, secrets.token_bytes(32))
    embedder = Embedder()
    redactor.warm_up()
    embedder.embed(["warm up"])
    costs: list[float] = []
    for text in texts:
        started = time.process_time()  # the batchers' threads included, nothing else runs
        embedder.embed([text])  # not embed_query: its cache would hide the cost
        redactor.detect(text)
        costs.append(time.process_time() - started)
    floor_ms = sum(costs) / len(costs) * 1000
    cores = os.cpu_count() or 1
    return {
        "messages": len(costs),
        "floor_ms": round(floor_ms, 2),
        "floor_p95_ms": round(percentile(costs, 0.95) * 1000, 2),
        "floor_turns_per_s": round(cores * 1000 / floor_ms, 1),
    }


@dataclass
class Level:
    """What one level of load saw inside its measuring window."""

    started: float
    until: float
    latencies: list[float] = field(default_factory=list)
    served: int = 0
    handoffs: list[float] = field(default_factory=list)
    errors: int = 0
    busy: int = 0

    def inside(self, moment: float) -> bool:
        return self.started <= moment <= self.until


async def reply(socket: Any) -> str:
    """The kind of reply a question got: "answer", "handoff", "busy" or "error"."""
    async with asyncio.timeout(ANSWER_TIMEOUT_S):
        while True:
            frame = json.loads(await socket.recv())
            if frame["type"] == "error":
                return "busy" if frame["data"].get("code") == "busy" else "error"
            if frame["type"] == "mode":
                return "handoff"
            if frame["type"] == "message" and frame["data"].get("kind") == "busy":
                return "busy"
            if frame["type"] == "message" and frame["data"].get("kind") == "turn_failed":
                return "error"
            if frame["type"] == "message" and frame["data"]["role"] != "customer":
                return "answer"


async def customer(url: str, texts: Iterator[str], level: Level) -> None:
    """Asks, waits for the reply, asks again at once; a new conversation every few turns
    (or after a handoff), so the turn limit never takes it out of the bot's hands."""
    while time.monotonic() < level.until:
        try:
            socket = await hello(url)
            for _ in range(TURNS_PER_CONVERSATION):
                if time.monotonic() >= level.until:
                    break
                sent = time.monotonic()
                message = {"text": next(texts)}
                frame = {"type": "message", "client_msg_id": uuid.uuid4().hex, "data": message}
                await socket.send(json.dumps(frame))
                kind = await reply(socket)
                done = time.monotonic()
                if kind == "error":
                    level.errors += 1
                elif kind == "busy":
                    level.busy += 1
                elif level.inside(sent):
                    level.latencies.append(done - sent)
                if kind in ("answer", "handoff") and level.inside(done):
                    level.served += 1
                if kind == "handoff":
                    break
            await socket.close()
        except (OSError, TimeoutError, WebSocketException):
            level.errors += 1


HANDOFF_RATE = 5.0  # presses of "Talk to a person" a second, so a level's p99 rests on ~100


async def prober(url: str, level: Level, rate: float = HANDOFF_RATE) -> None:
    """ "Talk to a person" `rate` times a second, each from a new conversation, on schedule
    (a slow press does not delay the next); each packet's arrival on one agent's socket,
    which a reader files under its conversation (the load's customers are handed over too)."""
    arrivals: dict[str, asyncio.Future[float]] = {}
    loop = asyncio.get_running_loop()

    def arrival(conversation_id: str) -> asyncio.Future[float]:
        return arrivals.setdefault(conversation_id, loop.create_future())

    async def read(console: Any) -> None:
        async for raw in console:
            frame = json.loads(raw)
            if (
                frame["type"] == "handoff"
                and not (done := arrival(frame["conversation_id"])).done()
            ):
                done.set_result(time.monotonic())

    async def press() -> None:
        try:
            socket = await websockets.connect(url + "/v1/chat", open_timeout=60)
            await socket.send(json.dumps({"type": "hello", "data": {}}))
            welcome = await frames_until(socket, lambda frame: frame["type"] == "welcome")
            arrived = arrival(welcome["conversation_id"])
            pressed = time.monotonic()
            ask = {"type": "request_human", "client_msg_id": uuid.uuid4().hex, "data": {}}
            await socket.send(json.dumps(ask))
            delivered = await asyncio.wait_for(arrived, FRAME_TIMEOUT_S)
            if level.inside(pressed):
                level.handoffs.append(delivered - pressed)
            await socket.close()
        except (OSError, TimeoutError, WebSocketException):
            level.errors += 1

    async with websockets.connect(url + "/v1/agent", max_size=1 << 24) as console:
        await console.send(json.dumps({"type": "hello", "data": {"token": "demo-agent-token"}}))
        reader = asyncio.create_task(read(console))
        presses: set[asyncio.Task[None]] = set()
        started = time.monotonic()
        for n in itertools.count():
            due = started + n / rate
            if due >= level.until:
                break
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            task = asyncio.create_task(press())
            presses.add(task)
            task.add_done_callback(presses.discard)
        await asyncio.gather(*presses)
        reader.cancel()


async def load_level(
    server: Server, clients: int, window_s: float, texts: Iterator[str], handoff_rate: float
) -> dict[str, Any]:
    """One level; `handoff_rate` 0 presses nothing."""
    started = time.monotonic() + WARM_UP_S
    level = Level(started=started, until=started + window_s)
    tasks = [customer(server.ws_url, texts, level) for _ in range(clients)]
    if handoff_rate:
        tasks.append(prober(server.ws_url, level, handoff_rate))
    cpu = asyncio.create_task(cpu_in_window(server.pid, level))
    await asyncio.gather(*tasks)
    gateway_s, workers_s = await cpu
    return {
        "clients": clients,
        "served_turns_per_s": round(level.served / window_s, 2),
        "turn_latency": summary_ms(level.latencies) if level.latencies else None,
        "handoff_delivery": summary_ms(level.handoffs) if level.handoffs else None,
        "busy": level.busy,
        "errors": level.errors,
        "gateway_cpu_pct": round(gateway_s / window_s * 100, 1),
        "gateway_cpu_ms_per_turn": round(gateway_s * 1000 / level.served, 2)
        if level.served
        else None,
        "workers_cpu_pct": round(workers_s / window_s * 100, 1),
    }


def children(pid: int) -> list[int]:
    """The processes `pid` started (the compute workers of a `warmline serve`)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


async def cpu_in_window(pid: int, level: Level) -> tuple[float, float]:
    """CPU seconds the serving process (sockets, the gateway) and its compute workers
    used inside the measuring window, read from /proc."""
    await asyncio.sleep(max(0.0, level.started - time.monotonic()))
    workers = children(pid)
    gateway, spent = cpu_seconds(pid), sum(cpu_seconds(w) for w in workers)
    await asyncio.sleep(max(0.0, level.until - time.monotonic()))
    return cpu_seconds(pid) - gateway, sum(cpu_seconds(w) for w in workers) - spent


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def idle_sockets(server: Server, count: int, watch_s: float = 10.0) -> dict[str, Any]:
    """Memory and CPU of `count` customers connected and waiting."""
    before = rss_mib(server.pid)
    held: list[Any] = []
    for start in range(0, count, 200):  # in batches: a connect storm is another benchmark
        batch = await asyncio.gather(
            *(hello(server.ws_url) for _ in range(min(200, count - start))),
            return_exceptions=True,
        )
        held += [socket for socket in batch if not isinstance(socket, BaseException)]
    await asyncio.sleep(2)  # let the welcomes' garbage go before reading memory
    after = rss_mib(server.pid)
    cpu_before = cpu_seconds(server.pid)
    await asyncio.sleep(watch_s)
    cpu_pct = (cpu_seconds(server.pid) - cpu_before) / watch_s * 100
    await asyncio.gather(*(socket.close() for socket in held), return_exceptions=True)
    per_thousand = len(held) / 1000
    return {
        "sockets": len(held),
        "rss_before_mib": before,
        "rss_after_mib": after,
        "idle_socket_kib": round((after - before) * 1024 / max(1, len(held)), 1),
        "idle_sockets_cpu_pct_per_1000": round(cpu_pct / per_thousand, 2) if held else None,
    }


def capacity_of(levels: list[dict[str, Any]]) -> dict[str, Any] | None:
    within = [
        level
        for level in levels
        if level["turn_latency"] and level["turn_latency"]["p95_ms"] < SLA_S * 1000
    ]
    return max(within, key=lambda level: level["served_turns_per_s"], default=None)


async def closed_loop(
    server: Server, levels: list[int], window_s: float, handoff_rate: float
) -> list[dict[str, Any]]:
    texts = itertools.cycle(messages())
    measured: list[dict[str, Any]] = []
    over_sla = 0
    for clients in levels:
        # One client is the sequential turn, measured alone.
        rate = handoff_rate if clients > 1 else 0.0
        measured.append(await load_level(server, clients, window_s, texts, rate))
        print(json.dumps(measured[-1]), flush=True)
        latency = measured[-1]["turn_latency"]
        over_sla = over_sla + 1 if not latency or latency["p95_ms"] >= SLA_S * 1000 else 0
        if over_sla == 2:  # two levels past the SLA: the knee is behind us
            break
    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32, 64])
    parser.add_argument("--window", type=float, default=30, help="seconds measured per level")
    parser.add_argument("--idle", type=int, default=10000, help="idle sockets to hold")
    parser.add_argument("--floor-messages", type=int, default=300)
    parser.add_argument(
        "--handoff-rate", type=float, default=HANDOFF_RATE, help="presses a second per level"
    )
    parser.add_argument(
        "--result", default="capacity", help="results/NAME.json, to keep an earlier full run"
    )
    parser.add_argument(
        "--before", type=Path, help="a checkout of the code before a change, measured first"
    )
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    load_before = os.getloadavg()
    floor_figures = floor(messages()[: args.floor_messages])
    print(json.dumps(floor_figures), flush=True)
    sides: dict[str, dict[str, Any]] = {}
    for label, code in ([("before", args.before)] if args.before else []) + [("after", None)]:
        with serving(code, WARMLINE_LIMITS__FLOOD_MESSAGES="1000000") as server:
            levels = asyncio.run(closed_loop(server, args.levels, args.window, args.handoff_rate))
            idle = asyncio.run(idle_sockets(server, args.idle))
        sides[label] = served(levels, idle, floor_figures)
        print(label, json.dumps({k: v for k, v in sides[label].items() if k != "levels"}))
    after = sides.pop("after")
    write_result(
        args.result,
        {
            **run_facts(load_before),
            "cores": os.cpu_count(),
            **floor_figures,
            **after,
            **({"before": {"code": str(args.before), **sides["before"]}} if sides else {}),
        },
    )


def served(
    levels: list[dict[str, Any]], idle: dict[str, Any], floor_figures: dict[str, float]
) -> dict[str, Any]:
    """One server's figures against the floor."""
    best = capacity_of(levels)
    sequential = levels[0]["turn_latency"] if levels and levels[0]["clients"] == 1 else None
    return {
        "capacity_turns_per_s": best["served_turns_per_s"] if best else 0.0,
        "capacity_share_of_floor": round(
            (best["served_turns_per_s"] if best else 0.0) / floor_figures["floor_turns_per_s"], 3
        ),
        "p95_ms_at_capacity": best["turn_latency"]["p95_ms"] if best else None,
        "handoff_p99_ms_at_capacity": (
            best["handoff_delivery"]["p99_ms"] if best and best["handoff_delivery"] else None
        ),
        "sequential_p95_ms": sequential["p95_ms"] if sequential else None,
        "sequential_p95_over_floor_p95": (
            round(sequential["p95_ms"] / floor_figures["floor_p95_ms"], 2) if sequential else None
        ),
        "idle_socket_kib": idle["idle_socket_kib"],
        "idle_sockets_cpu_pct_per_1000": idle["idle_sockets_cpu_pct_per_1000"],
        "idle": idle,
        "levels": levels,
    }


if __name__ == "__main__":
    main()
