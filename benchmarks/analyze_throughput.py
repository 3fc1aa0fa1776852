"""Throughput of `warmline analyze`: lines per second, whole command and per worker.

Writes a log of N lines shaped like a chat log: conversations of three customer
messages drawn from the public human-request development split, each message a line
carrying the conversation's earlier messages as its history (so every message is
seen again as history, as in a real export). Runs `warmline analyze` on it in its own
process (wall clock, start-up included), and times one in-process worker's CPU per
line after warm-up, with the redactor that remembers its detections (what the command
uses) and with the plain one (as before), which bounds what the machine's cores can do
when nobody else uses them. `--before COMMIT` measures that commit's code the same
way in the same run (extracted with `git archive`, the per-line CPU timed in a child
process importing it). Writes benchmarks/results/analyze_throughput.json.

Usage: .venv/bin/python benchmarks/analyze_throughput.py [--lines 2000] [--before 85e538e]
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import machine, now_utc, write_result
from turn_latency import extract

from warmline.config import Settings
from warmline.evals.analyze import Analyzer, RememberingRedactor, analyse_lines
from warmline.guardrails.redaction import Redactor

SOURCE = Path(__file__).parents[1] / "evals" / "signals" / "public" / "human_request_dev.jsonl"


def log_lines(count: int) -> list[str]:
    texts = [json.loads(line)["text"] for line in SOURCE.read_text(encoding="utf-8").splitlines()]
    pick = random.Random(7)
    lines: list[str] = []
    history: list[str] = []
    for i in range(count):
        if i % 3 == 0:
            history = []
        text = pick.choice(texts)
        lines.append(json.dumps({"id": str(i), "text": text, "history": history}))
        history = [*history, text]
    return lines


def worker_cpu_ms_per_line(lines: list[str], remembering: bool) -> float:
    """One worker's CPU per line, with one torch thread as the command's workers have
    (torch's own threads spin and would count their waiting)."""
    import torch

    torch.set_num_threads(1)
    settings = Settings()
    kind = RememberingRedactor if remembering else Redactor
    redactor = kind(
        settings.pii_entities, b"k" * 32, settings.pii_allow_patterns, settings.pii_company_patterns
    )
    analyzer = Analyzer(settings, redactor, None)
    analyse_lines(analyzer, list(enumerate(lines[:64], start=1)))  # warm-up
    started = time.process_time()
    for start in range(0, len(lines), 64):
        analyse_lines(analyzer, list(enumerate(lines[start : start + 64], start=1)))
    return (time.process_time() - started) * 1000 / len(lines)


def command_wall_s(lines: list[str], code: Path | None) -> float:
    """Wall clock of `warmline analyze` over `lines`, start-up included, run from `code`
    (another checkout) or from this one."""
    env = os.environ | ({"PYTHONPATH": str(code)} if code else {})
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "log.jsonl"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "warmline.cli", "analyze", str(source), "--out",
             str(Path(folder) / "out.jsonl")],
            check=True, env=env | {"WARMLINE_DATA_DIR": folder}, cwd=code,
        )  # fmt: skip
        return time.perf_counter() - started


def worker_figures(lines: list[str]) -> dict[str, float]:
    return {
        "worker_cpu_ms_per_line": worker_cpu_ms_per_line(lines[:512], remembering=True),
        "worker_cpu_ms_per_line_plain_redactor": worker_cpu_ms_per_line(
            lines[:512], remembering=False
        ),
    }


def measure(lines: list[str], code: Path | None) -> dict[str, Any]:
    wall = command_wall_s(lines, code)
    if code is None:
        worker = worker_figures(lines)
    else:  # the other checkout's classes, imported in a process of their own
        child = subprocess.run(
            [sys.executable, __file__, "--worker-only", "--lines", str(len(lines))],
            check=True, capture_output=True, text=True, cwd=code,
            env=os.environ | {"PYTHONPATH": f"{code}{os.pathsep}{Path(__file__).parent}"},
        )  # fmt: skip
        worker = json.loads(child.stdout)
    cpu_ms = worker["worker_cpu_ms_per_line"]
    return {
        "command_wall_s": round(wall, 1),
        "command_lines_per_s": round(len(lines) / wall, 1),
        "worker_cpu_ms_per_line": round(cpu_ms, 2),
        "lines_per_s_on_idle_cores": round((os.cpu_count() or 1) * 1000 / cpu_ms, 1),
        "worker_cpu_ms_per_line_plain_redactor": round(
            worker["worker_cpu_ms_per_line_plain_redactor"], 2
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--before", help="also measure this commit's code and compare")
    parser.add_argument("--worker-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    lines = log_lines(args.lines)
    if args.worker_only:
        print(json.dumps(worker_figures(lines)))
        return
    result: dict[str, Any] = {
        "benchmark": "analyze_throughput",
        "when": now_utc(),
        "machine": machine(),
        "load_average": os.getloadavg(),
        "lines": args.lines,
    }
    result |= measure(lines, None)
    if args.before:
        with tempfile.TemporaryDirectory() as folder:
            result["before"] = {"commit": args.before} | measure(
                lines, extract(args.before, Path(folder))
            )
        result["worker_cpu_before_over_after"] = round(
            result["before"]["worker_cpu_ms_per_line"] / result["worker_cpu_ms_per_line"], 2
        )
    result["load_average_end"] = os.getloadavg()
    write_result("analyze_throughput", result)


if __name__ == "__main__":
    main()
