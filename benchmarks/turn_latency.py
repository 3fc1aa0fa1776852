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
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import websockets

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
FRAME_TIMEOUT_S = 30
RESULTS = Path(__file__).parent / "results" / "turn_latency.json"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "p50_ms": round(percentile(values, 0.50) * 1000, 1),
        "p95_ms": round(percentile(values, 0.95) * 1000, 1),
        "p99_ms": round(percentile(values, 0.99) * 1000, 1),
        "mean_ms": round(statistics.fmean(values) * 1000, 1),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def frames_until(socket: Any, predicate: Any) -> dict[str, Any]:
    async with asyncio.timeout(FRAME_TIMEOUT_S):
        while True:
            frame: dict[str, Any] = json.loads(await socket.recv())
            if predicate(frame):
                return frame


async def bot_turns(url: str, turns: int) -> list[float]:
    """Questions in short conversations, as customers ask them; a long one would hit the
    policy's turn limit and be handed to a person."""
    timings = []
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
                await frames_until(
                    socket, lambda f: f["type"] == "message" and f["data"]["role"] == "bot"
                )
                timings.append(time.perf_counter() - started)
    return timings


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
                    json.dumps({"type": "request_human", "client_msg_id": "h", "data": {}})
                )
                wanted = welcome["conversation_id"]
                await frames_until(
                    console,
                    lambda f, wanted=wanted: (
                        f["type"] == "handoff" and f["conversation_id"] == wanted
                    ),
                )
                timings.append(time.perf_counter() - started)
    return timings


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("server not healthy")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=60)
    parser.add_argument("--handoffs", type=int, default=20)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        env = os.environ | {
            "WARMLINE_DATA_DIR": data_dir,
            "WARMLINE_PORT": str(port),
            "WARMLINE_LOG_LEVEL": "WARNING",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "warmline.server.cli", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process)
            ws_url = f"ws://127.0.0.1:{port}"
            turns = asyncio.run(bot_turns(ws_url, args.turns))
            delivered = asyncio.run(handoffs(ws_url, args.handoffs))
            memory = rss_mib(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)
    result = {
        "benchmark": "turn_latency",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "bot_turn": summary_ms(turns),
        "handoff_delivery": summary_ms(delivered),
        "server_rss_mib": memory,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
