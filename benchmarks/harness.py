"""What the benchmarks share: percentiles, memory readings, a `warmline serve` process."""

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import websockets

RESULTS = Path(__file__).parent / "results"


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


def rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def machine() -> dict[str, object]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), **scheduling_group()}


def scheduling_group() -> dict[str, object]:
    """The Linux scheduling group this run's processes share, and its weight.

    With autogroups on, the kernel first shares the cores fairly between sessions and only
    then between the processes of one: a busy neighbour in another session takes half of
    the cores from a benchmark however its processes are niced, so load averages alone do
    not say what a run had. A run started as (root)
    `setsid bash -c 'echo -20 > /proc/self/autogroup; exec .venv/bin/python benchmarks/…'`
    has a group of its own that outweighs the others about eighty to one, and says so
    here ("autogroup_nice": -20)."""
    try:
        group = Path("/proc/self/autogroup").read_text().split()
    except OSError:  # not Linux, or autogroups compiled out
        return {}
    return {"autogroup": group[0], "autogroup_nice": int(group[-1])}


def now_utc() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def run_facts(load_before: tuple[float, float, float]) -> dict[str, Any]:
    """When and on what a run was made, and the load average at its start and its end."""
    return {
        "date": now_utc(),
        "machine": machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def write_result(name: str, result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


FRAME_TIMEOUT_S = 120


async def frames_until(socket: Any, predicate: Callable[[Any], bool]) -> dict[str, Any]:
    async with asyncio.timeout(FRAME_TIMEOUT_S):
        while True:
            frame: dict[str, Any] = json.loads(await socket.recv())
            if predicate(frame):
                return frame


async def hello(url: str) -> Any:
    """A customer's socket, welcomed (a server that never welcomes times out)."""
    socket = await websockets.connect(url + "/v1/chat", open_timeout=60)
    await socket.send(json.dumps({"type": "hello", "data": {}}))
    await frames_until(socket, lambda frame: frame["type"] == "welcome")
    return socket


@dataclass
class Server:
    ws_url: str
    pid: int
    data_dir: Path


def measure_elsewhere(script: str, code: Path, argv: list[str]) -> dict[str, Any]:
    """`script`'s measurement (its `--side` run, which prints JSON) with another
    checkout's `warmline` imported: the code before a change, measured in the same run."""
    env = os.environ | {"PYTHONPATH": f"{code}{os.pathsep}{Path(script).parent}"}
    out = subprocess.run(
        [sys.executable, script, *argv, "--side"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cli(code: Path | None) -> str:
    """The command's module in that checkout: it moved to the package's top in 2026-12."""
    root = code if code is not None else Path(__file__).resolve().parent.parent
    return "warmline.cli" if (root / "warmline" / "cli.py").exists() else "warmline.server.cli"


@contextmanager
def serving(
    code: Path | None = None, launcher: Path | None = None, /, **env: str
) -> Iterator[Server]:
    """`warmline serve` in its own process with a fresh data folder, stopped afterwards.

    `code` runs another checkout of the package (the code before a change, say) with
    the same interpreter and packages; `launcher`, a script that serves in its stead
    (`profiled_serve.py`, which profiles a window its benchmark opens by signal)."""
    port = free_port()
    where = {"PYTHONPATH": str(code)} if code is not None else {}
    with tempfile.TemporaryDirectory() as data_dir:
        process = subprocess.Popen(
            [sys.executable, str(launcher)]
            if launcher
            else [sys.executable, "-m", _cli(code), "serve"],
            env=os.environ
            | {
                "WARMLINE_DATA_DIR": data_dir,
                "WARMLINE_PORT": str(port),
                "WARMLINE_LOG_LEVEL": "WARNING",
                # Every simulated customer comes from the loopback address, which the
                # per-address limits would otherwise treat as one abusive client.
                "WARMLINE_LIMITS__CONNECTIONS_PER_MINUTE": "1000000",
                "WARMLINE_LIMITS__SOCKETS_PER_IP": "1000000",
            }
            | where
            | env,
            cwd=code,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_healthy(f"http://127.0.0.1:{port}", process)
            yield Server(ws_url=f"ws://127.0.0.1:{port}", pid=process.pid, data_dir=Path(data_dir))
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # an overloaded server may not drain in time
                process.kill()
                process.wait()


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 900  # model loading on a loaded shared machine
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
