"""Write throughput of the embedded SQLite engine, before and after the single writer.

"Before" is the engine as it was at the baseline commit (one connection, a lock held
across each transaction, `synchronous=FULL`, one COMMIT per transaction), loaded from
git; "after" is the current one (one writer with group commit, WAL with
`synchronous=NORMAL`, read connections). Both run the same workload in the same run,
on fresh files in one temporary directory, alternating which goes first, so the
machine's load falls on both alike; the summary is the median over rounds.

The workload is what a customer message costs the service: a transaction that
appends an event and advances its conversation's sequence, with the conversation
created first; `concurrency` coroutines each write their own conversation, and one
more coroutine reads the newest events the whole time (the reads a socket's resume
makes). Writes benchmarks/results/sqlite_writes.json.

Usage: .venv/bin/python benchmarks/sqlite_writes.py [--transactions 2000] [--rounds 6]
"""

import argparse
import asyncio
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from types import ModuleType
from typing import Any

from harness import machine, now_utc, summary_ms, write_result

from warmline.storage.database import Database
from warmline.storage.sqlite import SqliteConnection, SqliteDatabase, spelled
from warmline.storage.statements import Statement, sql

BASELINE = "9e172be"
ROOT = Path(__file__).resolve().parent.parent


def baseline_engine() -> ModuleType:
    """The baseline's `warmline/storage/sqlite.py`, imported under another name."""
    source = subprocess.run(
        ["git", "show", f"{BASELINE}:warmline/storage/sqlite.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "sqlite_baseline.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("sqlite_baseline", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SEQ = sql("UPDATE conversations SET last_seq = :seq, pending_seq = :seq WHERE id = :id")
EVENT = sql(
    "INSERT INTO events (conversation_id, seq, type, ts, client_msg_id, data) "
    "VALUES (:id, :seq, 'message', '2026-12-04T00:00:00Z', :client_msg_id, :data)"
)
CONVERSATION = sql(
    "INSERT INTO conversations (id, created_at) VALUES (:id, '2026-12-04T00:00:00Z')"
)
LATEST = sql("SELECT seq, data FROM events ORDER BY rowid DESC LIMIT 20")


async def execute(conn: Any, statement: Statement, **params: Any) -> None:
    """A statement on either engine: the current one takes it as it is, the baseline (which
    predates statements) takes SQLite's spelling with the values in order."""
    if isinstance(conn, SqliteConnection):
        await conn.execute(statement, **params)
    else:
        await conn.execute(*spelled(statement, params))


async def message(db: Database, conversation_id: str, seq: int) -> None:
    async with db.transaction() as conn:
        await execute(conn, SEQ, seq=seq, id=conversation_id)
        data = '{"text": "' + "a customer message " * 8 + '"}'
        await execute(conn, EVENT, id=conversation_id, seq=seq, client_msg_id=f"m{seq}", data=data)


async def writer(db: Database, conversation_id: str, count: int, latencies: list[float]) -> None:
    async with db.transaction() as conn:
        await execute(conn, CONVERSATION, id=conversation_id)
    for seq in range(1, count + 1):
        started = time.perf_counter()
        await message(db, conversation_id, seq)
        latencies.append(time.perf_counter() - started)


async def reader(db: Database, stop: asyncio.Event, latencies: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        if isinstance(db, SqliteDatabase):
            await db.fetch_all(LATEST)
        else:
            await db.fetch_all(spelled(LATEST, {})[0])  # type: ignore[arg-type]
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.005)


async def measure(db: Database, transactions: int, concurrency: int) -> dict[str, Any]:
    writes: list[float] = []
    reads: list[float] = []
    stop = asyncio.Event()
    reading = asyncio.create_task(reader(db, stop, reads))
    cpu, started = time.process_time(), time.perf_counter()
    await asyncio.gather(
        *(writer(db, f"c{n}", transactions // concurrency, writes) for n in range(concurrency))
    )
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    stop.set()
    await reading
    return {
        "transactions": len(writes),
        "transactions_per_s": round(len(writes) / wall, 1),
        "cpu_ms_per_transaction": round(cpu * 1000 / len(writes), 3),
        "write": summary_ms(writes),
        "read_while_writing": summary_ms(reads),
    }


async def run(transactions: int, rounds: int, levels: list[int]) -> dict[str, Any]:
    engines: dict[str, Any] = {"before": baseline_engine().SqliteDatabase, "after": SqliteDatabase}
    results: dict[str, dict[str, list[dict[str, Any]]]] = {
        name: {str(level): [] for level in levels} for name in engines
    }
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(rounds):
            # Alternate which engine goes first, so neither always meets a warmer cache.
            order = list(engines) if round_ % 2 == 0 else list(reversed(engines))
            for level in levels:
                for name in order:
                    path = Path(folder) / f"{name}-{round_}-{level}.sqlite"
                    db = await engines[name].open(path)
                    try:
                        results[name][str(level)].append(await measure(db, transactions, level))
                    finally:
                        await db.close()
    summary: dict[str, dict[str, float]] = {}
    for key in map(str, levels):
        figures = summary[key] = {}
        for name in engines:
            runs = results[name][key]
            figures[f"{name}_transactions_per_s"] = median(r["transactions_per_s"] for r in runs)
            figures[f"{name}_write_p95_ms"] = median(r["write"]["p95_ms"] for r in runs)
            figures[f"{name}_read_p95_ms"] = median(r["read_while_writing"]["p95_ms"] for r in runs)
        figures["throughput_after_to_before"] = round(
            figures["after_transactions_per_s"] / figures["before_transactions_per_s"], 2
        )
    return {"median_by_concurrency": summary, "runs": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transactions", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 64])
    args = parser.parse_args()
    load_before = os.getloadavg()
    figures = asyncio.run(run(args.transactions, args.rounds, args.concurrency))
    write_result(
        "sqlite_writes",
        {
            "when": now_utc(),
            "machine": machine(),
            "python": sys.version.split()[0],
            "baseline": BASELINE,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "transactions_per_level": args.transactions,
            **figures,
        },
    )


if __name__ == "__main__":
    main()
