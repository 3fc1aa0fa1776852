"""Handoff delivery under load: 200 customers asking for a person, 20 agents taking them.

Starts `warmline serve` in its own process with 20 agent accounts (capacity 10 each),
connects the agents, then connects every customer and has each type a message that
hands over ("I want to talk to a person about order LH-...") at a random moment in an
arrival window, so the guard, the graph and the queue all run under concurrency. Per
conversation it measures the time from sending that message to the handoff packet
arriving on an agent's socket, and the time until the customer sees a person join
(auto-assignment by skills, language and capacity, as a contact center runs at this
volume). Writes benchmarks/results/handoff.json.

Usage: .venv/bin/python benchmarks/handoff.py [--customers 200] [--agents 20] [--window 10]
"""

import argparse
import asyncio
import json
import random
import tempfile
import time
import uuid
from typing import Any

import websockets
from harness import frames_until, machine, now_utc, rss_mib, serving, summary_ms, write_result

from warmline.config import REPO_ROOT


class Clock:
    """When each conversation's escalating message left and its packet first arrived."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.delivered: dict[str, float] = {}
        self.joined: dict[str, float] = {}
        self.all_joined = asyncio.Event()


async def run_agent(url: str, token: str, clock: Clock, stop: asyncio.Event) -> None:
    async with websockets.connect(url + "/v1/agent", max_size=1 << 24) as socket:
        await socket.send(json.dumps({"type": "hello", "data": {"token": token}}))
        await frames_until(socket, lambda f: f["type"] == "welcome")
        while not stop.is_set():
            try:
                async with asyncio.timeout(0.5):
                    frame = json.loads(await socket.recv())
            except TimeoutError:
                continue
            if frame["type"] == "handoff":
                clock.delivered.setdefault(frame["conversation_id"], time.perf_counter())


async def run_customer(url: str, number: int, window: float, clock: Clock, total: int) -> None:
    async with websockets.connect(url + "/v1/chat") as socket:
        await socket.send(json.dumps({"type": "hello", "data": {}}))
        welcome = await frames_until(socket, lambda f: f["type"] == "welcome")
        conversation = welcome["conversation_id"]
        await asyncio.sleep(random.uniform(0, window))
        clock.sent[conversation] = time.perf_counter()
        text = f"I want to talk to a person about my order LH-{100000 + number}"
        await socket.send(
            json.dumps(
                {"type": "message", "client_msg_id": uuid.uuid4().hex, "data": {"text": text}}
            )
        )
        await frames_until(socket, lambda f: f["type"] == "mode" and f["data"]["mode"] == "human")
        clock.joined[conversation] = time.perf_counter()
        if len(clock.joined) == total:
            clock.all_joined.set()
        await clock.all_joined.wait()


async def measure(url: str, customers: int, agents: int, window: float) -> dict[str, Any]:
    clock = Clock()
    stop = asyncio.Event()
    consoles = [
        asyncio.create_task(run_agent(url, f"bench-{i}", clock, stop)) for i in range(agents)
    ]
    await asyncio.sleep(1)
    started = time.perf_counter()
    await asyncio.gather(
        *(run_customer(url, n, window, clock, customers) for n in range(customers))
    )
    elapsed = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*consoles)
    delivery = [clock.delivered[c] - clock.sent[c] for c in clock.sent]
    joined = [clock.joined[c] - clock.sent[c] for c in clock.sent]
    return {
        "handoff_delivery": summary_ms(delivery),
        "agent_joined": summary_ms(joined),
        "handoffs_per_s": round(customers / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--window", type=float, default=10.0, help="arrival window, seconds")
    args = parser.parse_args()
    capacity = -(-args.customers // args.agents)
    accounts = [
        {"id": f"a{i}", "name": f"Agent {i}", "token": f"bench-{i}", "capacity": capacity}
        for i in range(args.agents)
    ]
    policy = (REPO_ROOT / "policy.toml").read_text()
    with tempfile.NamedTemporaryFile("w", suffix=".toml") as policy_file:
        policy_file.write(policy.replace("auto_assign = false", "auto_assign = true"))
        policy_file.flush()
        with serving(
            WARMLINE_AGENTS=json.dumps(accounts), WARMLINE_POLICY_FILE=policy_file.name
        ) as server:
            figures = asyncio.run(measure(server.ws_url, args.customers, args.agents, args.window))
            memory = rss_mib(server.pid)
    write_result(
        "handoff",
        {
            "benchmark": "handoff",
            "when": now_utc(),
            "machine": machine(),
            "customers": args.customers,
            "agents": args.agents,
            "agent_capacity": capacity,
            "arrival_window_s": args.window,
            **figures,
            "server_rss_mib": memory,
        },
    )


if __name__ == "__main__":
    main()
