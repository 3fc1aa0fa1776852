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
import statistics
import sys
import threading
import time
from pathlib import Path

import uvicorn
from harness import free_port, machine, now_utc, serving, summary_ms, write_result

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fake_openai import FakeOpenAI, Reply
from turn_latency import bot_turns


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=60)
    args = parser.parse_args()
    with serving() as server:
        extractive, _ = asyncio.run(bot_turns(server.ws_url, args.turns))
    fake = start_fake_model(free_port())
    with serving(WARMLINE_LLM__BASE_URL=fake.url) as server:
        with_llm, first_piece = asyncio.run(bot_turns(server.ws_url, args.turns))
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
