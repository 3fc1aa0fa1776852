"""What the LLM path itself costs a customer, measured with a model that answers instantly.

Runs two `warmline serve` processes on the same questions: one on the embedded
extractive responder, one with `llm.base_url` pointing at a local OpenAI-compatible
server (the test suite's scriptable fake) that streams a cited answer with no delay.
The difference between their bot-turn latencies is the adapter's own overhead per
turn (prompt building, the HTTP round trip, streaming, the citation check, usage
accounting); the LLM run also gives the time to the first streamed piece at the
customer's socket. Writes benchmarks/results/llm_overhead.json.

Usage: .venv/bin/python benchmarks/llm_overhead.py [--turns 60]
"""

import argparse
import asyncio
import json
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import uvicorn
import websockets
from harness import frames_until, free_port, machine, now_utc, serving, summary_ms, write_result

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fake_openai import FakeOpenAI, Reply
from turn_latency import QUESTIONS, TURNS_PER_CONVERSATION


def start_fake_model(port: int) -> FakeOpenAI:
    """The fake model on its own thread and event loop, so clients never slow it down."""
    fake = FakeOpenAI()
    fake.default = Reply(content="Open the app, tap Orders, then choose Return or refund [1].")
    server = uvicorn.Server(uvicorn.Config(fake.app, host="127.0.0.1", port=port, log_config=None))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    fake.url = f"http://127.0.0.1:{port}/v1"
    return fake


async def turns(url: str, count: int) -> tuple[list[float], list[float]]:
    """Bot-turn latencies, and (when the answer streams) the time to its first piece."""
    answered: list[float] = []
    first_piece: list[float] = []
    for start in range(0, count, TURNS_PER_CONVERSATION):
        async with websockets.connect(url + "/v1/chat") as socket:
            await socket.send(json.dumps({"type": "hello", "data": {}}))
            await frames_until(socket, lambda f: f["type"] == "welcome")
            for i in range(start, min(count, start + TURNS_PER_CONVERSATION)):
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=60)
    args = parser.parse_args()
    with serving() as server:
        extractive, _ = asyncio.run(turns(server.ws_url, args.turns))
    fake = start_fake_model(free_port())
    with serving(WARMLINE_LLM__BASE_URL=fake.url) as server:
        with_llm, first_piece = asyncio.run(turns(server.ws_url, args.turns))
    overhead = statistics.median(with_llm) - statistics.median(extractive)
    write_result(
        "llm_overhead",
        {
            "benchmark": "llm_overhead",
            "when": now_utc(),
            "machine": machine(),
            "model": "local fake OpenAI-compatible server, instant, streamed",
            "model_requests": len(fake.bodies),
            "bot_turn_extractive": summary_ms(extractive),
            "bot_turn_llm": summary_ms(with_llm),
            "adapter_overhead_median_ms": round(overhead * 1000, 1),
            "first_streamed_piece": summary_ms(first_piece),
        },
    )


if __name__ == "__main__":
    main()
