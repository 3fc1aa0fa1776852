"""What one announcement pass over the handoff queue costs the serving process, as the line
grows, when one entry changed since the last pass.

A pass (`Broadcaster` after `announce()`) tells each waiting customer their place, agents
what changed in the queue and the roster, and supervisors the dashboard. Under load about
a third of the turns hand off and, with nobody claiming, the line only grows, so what a
pass costs per open entry is paid on every change. This seeds an embedded (SQLite) store
with N open handoffs whose packets are built as the product builds them (`build_packet`
over a `--turns`-message transcript), every one of them with a waiting customer's socket
(a bus subscriber) and a supervisor watching, runs one pass to settle, then `--passes`
times: changes one entry (alternately a new handoff joins the line and its packet is
completed, as a handoff does) and reads the process CPU (`time.process_time`, the
database threads included) of the pass that follows. The line grows by one every second
pass, so N is the size at the start.

With `--before DIR` (e.g. a `git archive` of the code before a change) the same runs
first with that code, in a process of its own, then with this checkout's.
Writes benchmarks/results/queue_pass.json (or `--result NAME`).

Usage: .venv/bin/python benchmarks/queue_pass.py [--sizes 10 100 1000] [--before DIR]
"""

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import machine, measure_elsewhere, now_utc, write_result

from warmline.agent.decision import EscalationDecision, Reason
from warmline.config import Settings
from warmline.conversation.assignment import Assignment
from warmline.conversation.broadcasting import ANNOUNCE_EVERY_S, Broadcaster
from warmline.conversation.protocol import ServerFrame
from warmline.conversation.unit_of_work import UnitOfWork
from warmline.coordination.bus import AGENTS, SUPERVISORS
from warmline.coordination.shared import coordination
from warmline.handoff.packet import HandoffPacket, TranscriptLine
from warmline.handoff.queue import HandoffQueue
from warmline.handoff.summary import build_packet
from warmline.storage.conversations import CREATE, ConversationLog
from warmline.storage.database import Database
from warmline.storage.engines import open_database

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
CUSTOMER = (
    "I ordered the blue rain jacket two weeks ago, order 4411, and the tracking page has "
    "not moved since it left the warehouse. Can you tell me where it is?"
)
BOT = (
    "From \u201cTrack your order\u201d: tracking updates within one business day of each "
    "scan. If a parcel has not moved for five business days, we open a search with the "
    "carrier and send a replacement or a refund once it is confirmed lost. You can see "
    "every scan under Orders \u2192 Track, and we email you when the status changes."
)


def _packet(conversation_id: str, turns: int, completed: bool) -> HandoffPacket:
    """A handoff's packet as the product builds it: the button's explicit request at
    first, the turn's own decision once the packet is completed."""
    said = [("customer", CUSTOMER), ("bot", BOT)] * turns
    messages = [
        {"role": role, "text": text, "seq": seq}
        for seq, (role, text) in enumerate(said[:turns], start=1)
    ]
    transcript = [TranscriptLine.model_validate(m) for m in messages]
    reasons = [Reason(code="explicit_request", detail="asked for a person")]
    if completed:
        reasons.append(Reason(code="frustration", detail="sentiment fell to -0.6"))
    state = {
        "messages": messages,
        "sentiments": [0.1, -0.2, -0.4, -0.6][: max(1, turns // 2)],
        "articles_shown": [],
    }
    decision = EscalationDecision(escalate=True, reasons=reasons)
    sla = Settings().policy.queue.sla_minutes
    return build_packet(conversation_id, state, decision, transcript, sla, now=NOW)


async def _join(db: Database, conversation_id: str, turns: int) -> int:
    """A conversation handed off: its row and its place in line; the handoff's row id."""
    async with db.transaction() as conn:
        await conn.execute(
            CREATE,
            id=conversation_id,
            created_at=NOW.isoformat(),
            language="en",
            segment="standard",
        )
        entry = await HandoffQueue.enqueue(conn, _packet(conversation_id, turns, False))
    return entry.id


async def _measure(db: Database, size: int, turns: int, passes: int) -> dict[str, Any]:
    settings = Settings()
    clock = lambda: NOW  # noqa: E731 - the queue's moments, fixed so every pass sees the same
    async with coordination(settings, settings.limits, ServerFrame.model_validate_json) as shared:
        log, queue = ConversationLog(db), HandoffQueue(db, clock)
        work = UnitOfWork(db, lambda *_: None)
        assignment = Assignment(settings.agents, log, queue, work, shared.presence)
        broadcast = Broadcaster(settings, log, queue, assignment, shared, clock)
        frames: asyncio.Queue[ServerFrame] = asyncio.Queue()
        boards: asyncio.Queue[ServerFrame] = asyncio.Queue()
        listening = ExitStack()  # agents, a supervisor, and every waiting customer
        listening.enter_context(shared.bus.subscribe(AGENTS, frames))
        listening.enter_context(shared.bus.subscribe(SUPERVISORS, boards))
        for n in range(size + passes):
            listening.enter_context(shared.bus.subscribe(f"c_{n}", frames))

        async def one_pass() -> float:
            await asyncio.sleep(ANNOUNCE_EVERY_S)  # the pass then starts at once
            started = time.process_time()
            broadcast.announce()
            await boards.get()  # the dashboard goes last
            spent = time.process_time() - started
            while not frames.empty():
                frames.get_nowait()
            return spent

        await one_pass()  # the process's first read of the line, not what a change costs
        joined: list[float] = []
        completed: list[float] = []
        handoff_id = 0
        for n in range(passes):
            conversation_id = f"c_{size + n // 2}"
            if n % 2 == 0:
                handoff_id = await _join(db, conversation_id, turns)
                joined.append(await one_pass())
            else:
                await queue.replace_packet(handoff_id, _packet(conversation_id, turns, True))
                completed.append(await one_pass())
        listening.close()
    both = joined + completed
    return {
        "cpu_ms_p50": round(statistics.median(both) * 1000, 2),
        "cpu_ms_p50_after_join": round(statistics.median(joined) * 1000, 2),
        "cpu_ms_p50_after_completed_packet": round(statistics.median(completed) * 1000, 2),
        "cpu_ms_min": round(min(both) * 1000, 2),
        "cpu_ms_max": round(max(both) * 1000, 2),
    }


async def _run(path: Path, size: int, turns: int, passes: int) -> dict[str, Any]:
    db = await open_database(path)
    try:
        for n in range(size):
            await _join(db, f"c_{n}", turns)
        return await _measure(db, size, turns, passes)
    finally:
        await db.close()


def measure(sizes: list[int], turns: int, passes: int) -> dict[str, Any]:
    by_size: dict[str, Any] = {}
    for size in sizes:
        with tempfile.TemporaryDirectory() as scratch:
            load = os.getloadavg()[0]
            result = asyncio.run(_run(Path(scratch) / "warmline.sqlite", size, turns, passes))
            by_size[str(size)] = result | {
                "load_average": [round(load, 2), round(os.getloadavg()[0], 2)]
            }
    return {
        "packet_bytes": len(_packet("c_0", turns, True).model_dump_json()),
        "by_size": by_size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--turns", type=int, default=12, help="messages in each transcript")
    parser.add_argument("--passes", type=int, default=20, help="measured passes per size")
    parser.add_argument("--before", type=Path, help="a checkout of the code before a change")
    parser.add_argument("--result", default="queue_pass")
    parser.add_argument("--side", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    argv = ["--sizes", *map(str, args.sizes), "--turns", str(args.turns)]
    argv += ["--passes", str(args.passes)]
    if args.side:
        print(json.dumps(measure(args.sizes, args.turns, args.passes)))
        return
    result: dict[str, Any] = {
        "benchmark": "queue_pass",
        "when": now_utc(),
        "machine": machine(),
        "engine": "sqlite",
        "sizes": args.sizes,
        "turns": args.turns,
        "passes": args.passes,
    }
    if args.before:
        result["before"] = measure_elsewhere(__file__, args.before.resolve(), argv)
    result["after"] = measure(args.sizes, args.turns, args.passes)
    if args.before:
        result["cpu_p50_ratio"] = {
            size: round(after["cpu_ms_p50"] / result["before"]["by_size"][size]["cpu_ms_p50"], 3)
            for size, after in result["after"]["by_size"].items()
        }
    write_result(args.result, result)


if __name__ == "__main__":
    main()
