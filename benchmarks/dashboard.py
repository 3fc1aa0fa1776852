"""What one rebuild of the supervisors' dashboard costs the serving process, as the store
fills up.

The dashboard is rebuilt on every queue change while a supervisor watches, on the serving
process's event loop, so its cost is paid again and again as the day goes on. This seeds
an embedded (SQLite) store with `--days` days of earlier history and a day so far, each
`--per-day` handoffs whose packets carry a `--turns`-message transcript (made, claimed and
closed, the conversations started that day), then rebuilds the dashboard `--builds` times
and reads the process's CPU (the database thread's included) and the wall time of each.

With `--before DIR` (e.g. a `git archive` of the code before a change) the same seeding
and measuring runs first with that code, in a process of its own, then with this
checkout's, so both read equal stores on the same machine in one run.
Writes benchmarks/results/dashboard.json (or `--result NAME`).

Usage: .venv/bin/python benchmarks/dashboard.py [--days 14] [--per-day 1000] [--before DIR]
"""

import argparse
import asyncio
import json
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from harness import machine, measure_elsewhere, now_utc, summary_ms, write_result

from warmline.agent.decision import EscalationDecision, Reason, ReasonCode
from warmline.config import Settings
from warmline.conversation.dashboard import build_dashboard
from warmline.handoff.queue import HandoffQueue
from warmline.handoff.summary import build_packet
from warmline.storage.conversations import CREATE, ConversationLog
from warmline.storage.engines import open_database

NOW = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)
REASONS: list[ReasonCode] = ["explicit_request", "low_confidence", "frustration", "sensitive_topic"]


def _transcript(turns: int) -> list[dict[str, Any]]:
    said = [
        ("customer", "My order 4411 has not arrived and the tracking page has not moved."),
        ("bot", "From \u201cTrack your order\u201d: the tracking page updates within a day."),
    ]
    return [
        {"role": role, "text": text, "seq": seq}
        for seq, (role, text) in enumerate((said * turns)[:turns], start=1)
    ]


async def _seed(path: Path, days: int, per_day: int, turns: int) -> None:
    """Each day's handoffs in one transaction, spread over its working hours."""
    db = await open_database(path)
    sla = Settings().policy.queue.sla_minutes
    messages = _transcript(turns)
    made = NOW
    queue = HandoffQueue(db, clock=lambda: made)
    try:
        for day in range(days, -1, -1):
            start = NOW.replace(hour=8) - timedelta(days=day)
            async with db.transaction() as conn:
                for n in range(per_day):
                    made = start + timedelta(seconds=n * 8 * 3600 / per_day)
                    conversation_id = f"c_{day}_{n}"
                    await conn.execute(
                        CREATE,
                        id=conversation_id,
                        created_at=made.isoformat(),
                        language="en",
                        segment="standard",
                    )
                    decision = EscalationDecision(
                        escalate=True,
                        reasons=[Reason(code=REASONS[n % len(REASONS)], detail="seeded")],
                    )
                    state = {"messages": messages, "sentiments": [], "articles_shown": []}
                    packet = build_packet(conversation_id, state, decision, [], sla, now=made)
                    await HandoffQueue.enqueue(conn, packet)
                    made += timedelta(minutes=2)
                    await queue.claim(conn, conversation_id, "agent_1")
                    made += timedelta(minutes=9)
                    await queue.close(conn, conversation_id, "resolved")
    finally:
        await db.close()


async def _rebuild(path: Path, builds: int) -> dict[str, Any]:
    db = await open_database(path)
    try:
        queue, log = HandoffQueue(db, clock=lambda: NOW), ConversationLog(db)
        policy = Settings().policy
        cpu_s: list[float] = []
        wall_s: list[float] = []
        for _ in range(builds):
            cpu, wall = time.process_time(), time.perf_counter()
            data = await build_dashboard(queue, log, policy, [], [], NOW)
            cpu_s.append(time.process_time() - cpu)
            wall_s.append(time.perf_counter() - wall)
        return {
            "cpu": summary_ms(cpu_s),
            "wall": summary_ms(wall_s),
            "handoffs_counted_today": sum(h.handoffs for h in data.reasons_by_hour),
        }
    finally:
        await db.close()


def measure(days: int, per_day: int, turns: int, builds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "warmline.sqlite"
        started = time.perf_counter()
        asyncio.run(_seed(path, days, per_day, turns))
        seeded_s = time.perf_counter() - started
        load = os.getloadavg()[0]
        result = asyncio.run(_rebuild(path, builds))
        return result | {
            "store_mib": round(path.stat().st_size / 2**20, 1),
            "seed_s": round(seeded_s, 1),
            "load_average": [round(load, 2), round(os.getloadavg()[0], 2)],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14, help="days of history before today")
    parser.add_argument("--per-day", type=int, default=1000, help="handoffs a day")
    parser.add_argument("--turns", type=int, default=12, help="messages in each transcript")
    parser.add_argument("--builds", type=int, default=20)
    parser.add_argument("--before", type=Path, help="a checkout of the code before a change")
    parser.add_argument("--result", default="dashboard")
    parser.add_argument("--side", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = ["--days", str(args.days), "--per-day", str(args.per_day)]
    sizes += ["--turns", str(args.turns), "--builds", str(args.builds)]
    if args.side:
        print(json.dumps(measure(args.days, args.per_day, args.turns, args.builds)))
        return
    result: dict[str, Any] = {
        "benchmark": "dashboard",
        "when": now_utc(),
        "machine": machine(),
        "days": args.days,
        "per_day": args.per_day,
        "turns": args.turns,
        "builds": args.builds,
    }
    if args.before:
        result["before"] = measure_elsewhere(__file__, args.before.resolve(), sizes)
    result["after"] = measure(args.days, args.per_day, args.turns, args.builds)
    if args.before:
        result["cpu_p50_ratio"] = round(
            result["after"]["cpu"]["p50_ms"] / result["before"]["cpu"]["p50_ms"], 3
        )
    write_result(args.result, result)


if __name__ == "__main__":
    main()
