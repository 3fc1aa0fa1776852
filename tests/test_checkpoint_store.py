"""The embedded checkpoint store: its calls run on a thread of its own, closing it
waits for the call in flight, and processes opening a new one at once all open it."""

import asyncio
import multiprocessing
import sqlite3
import threading
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import empty_checkpoint

from warmline.storage.checkpoints import ThreadedSqliteSaver, open_checkpoints

CLOSE_CHANCE_S = 0.5  # how long the close is given to (wrongly) finish first
SPAWN = multiprocessing.get_context("spawn")
STARTERS = 4  # worker processes opening the same new store together
ROUNDS = 600  # 10 to 28 rounds in 600 failed before the setup was taken in turn
ROUND_WAIT_S = 120.0  # bounds a hang only: the starters wait for each other every round


async def test_closing_the_store_waits_for_a_write_its_cancelled_turn_left_running(
    tmp_path: Path,
) -> None:
    """A turn cancelled at shutdown leaves its write running in the store's thread;
    closing the connection under it lost the write, or crashed the whole process when
    the close came between two of its statements. The store closes once the write is
    done, and the write is kept."""
    path = tmp_path / "checkpoints.sqlite"
    stack = AsyncExitStack()
    saver = await stack.enter_async_context(open_checkpoints(path, None, 2))
    assert isinstance(saver, ThreadedSqliteSaver)
    started, go_on = threading.Event(), threading.Event()
    put = saver.put

    def held(*args: Any) -> Any:
        started.set()
        go_on.wait()
        return put(*args)

    saver.put = held  # type: ignore[method-assign,assignment]
    config: RunnableConfig = {"configurable": {"thread_id": "c1", "checkpoint_ns": ""}}
    writing = asyncio.create_task(saver.aput(config, empty_checkpoint(), {}, {}))
    await asyncio.to_thread(started.wait)
    writing.cancel()
    closing = asyncio.create_task(stack.aclose())
    try:
        done, _ = await asyncio.wait({closing}, timeout=CLOSE_CHANCE_S)
        assert not done, "the connection closed under the write"
    finally:
        go_on.set()  # a failed check must not leave the write's thread waiting
    await closing
    stored = sqlite3.connect(path).execute("SELECT COUNT(*) FROM checkpoints").fetchone()
    assert stored == (1,)


def open_new_stores_together(
    root: str, rounds: int, together: Any, failures: "multiprocessing.Queue[str]"
) -> None:
    """In a worker-like process: in each round, open the round's new store as the other
    starters do at the same moment, write a checkpoint to it, and report any failure."""

    async def opened(path: Path) -> None:
        async with open_checkpoints(path, None, 1) as saver:
            config: RunnableConfig = {"configurable": {"thread_id": "c", "checkpoint_ns": ""}}
            await saver.aput(config, empty_checkpoint(), {}, {})

    for round_ in range(rounds):
        together.wait(ROUND_WAIT_S)
        try:
            asyncio.run(opened(Path(root) / str(round_) / "checkpoints.sqlite"))
        except Exception as exc:
            failures.put(f"round {round_}: {exc!r}")
    failures.put("done")


def test_worker_processes_opening_a_new_store_together_all_open_it(tmp_path: Path) -> None:
    """A pool's workers start together and each opens the checkpoint store; on a new
    file some failed with "database is locked", and the pool did not start."""
    together = SPAWN.Barrier(STARTERS)
    failures: multiprocessing.Queue[str] = SPAWN.Queue()
    starters = [
        SPAWN.Process(
            target=open_new_stores_together, args=(str(tmp_path), ROUNDS, together, failures)
        )
        for _ in range(STARTERS)
    ]
    for starter in starters:
        starter.start()
    reports = [failures.get(timeout=ROUNDS * ROUND_WAIT_S) for _ in range(STARTERS)]
    while reports.count("done") < STARTERS:
        reports.append(failures.get(timeout=ROUND_WAIT_S))
    for starter in starters:
        starter.join()
    assert [r for r in reports if r != "done"] == []
    written = sqlite3.connect(tmp_path / "0" / "checkpoints.sqlite").execute(
        "SELECT COUNT(*) FROM checkpoints"
    )
    assert written.fetchone() == (STARTERS,)
