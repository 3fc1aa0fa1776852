"""Measure what a customer and an agent wait for, on the embedded defaults.

Starts `warmline serve` in its own process on a loopback port with a fresh data
folder, then, over real WebSockets:
- bot turn latency: from sending a question to the bot's answer arriving;
- handoff delivery latency: from pressing "Talk to a person" to the packet on an
  agent's socket;
and the server's resident memory afterwards. Writes benchmarks/results/turn_latency.json.

Usage: .venv/bin/python benchmarks/turn_latency.py [--turns 60] [--handoffs 20]
"""

import argparse
import asyncio
import json
import time
import uuid
from typing import Any

import websockets
from harness import frames_until, machine, now_utc, rss_mib, serving, summary_ms, write_result

QUESTIONS = [
    "how do I get a refund?",
    "my hub is offline",
    "how do I reset my password?",
    "where is my parcel?",
    "how much is Lumen Plus?",
    "my card was declined",
    "cancel my subscription",
    "how do I delete my data?",
]
TURNS_PER_CONVERSATION = 4


async def bot_turns(url: str, turns: int) -> tuple[list[float], list[float]]:
    """Questions in short conversations, as customers ask them (a long one would hit the
    policy's turn limit and be handed to a person). Returns each answer's latency, and,
    when answers stream, the time to their first piece."""
    answered: list[float] = []
    first_piece: list[float] = []
    for start in range(0, turns, TURNS_PER_CONVERSATION):
        async with websockets.connect(url + "/v1/chat") as socket:
            await socket.send(json.dumps({"type": "hello", "data": {}}))
            await frames_until(socket, lambda f: f["type"] == "welcome")
            for i in range(start, min(turns, start + TURNS_PER_CONVERSATION)):
                started = time.perf_counter()
                await socket.send(
                    json.dumps(
                        {
                            "type": "message",
                            "client_msg_id": uuid.uuid4().hex,
                            "data": {"text": QUESTIONS[i % len(QUESTIONS)]},
                        }
                    )
                )
                first: float | None = None
                while True:
                    frame: dict[str, Any] = json.loads(await socket.recv())
                    if frame["type"] == "delta" and first is None:
                        first = time.perf_counter() - started
                    if frame["type"] == "message" and frame["data"]["role"] == "bot":
                        break
                answered.append(time.perf_counter() - started)
                if first is not None:
                    first_piece.append(first)
    return answered, first_piece


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=60)
    parser.add_argument("--handoffs", type=int, default=20)
    args = parser.parse_args()
    with serving() as server:
        turns, _ = asyncio.run(bot_turns(server.ws_url, args.turns))
        delivered = asyncio.run(handoffs(server.ws_url, args.handoffs))
        memory = rss_mib(server.pid)
    write_result(
        "turn_latency",
        {
            "benchmark": "turn_latency",
            "when": now_utc(),
            "machine": machine(),
            "bot_turn": summary_ms(turns),
            "handoff_delivery": summary_ms(delivered),
            "server_rss_mib": memory,
        },
    )


if __name__ == "__main__":
    main()
