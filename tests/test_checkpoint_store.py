"""The embedded checkpoint store: its calls run on a thread of its own, and closing it
waits for the call in flight."""

import asyncio
import sqlite3
import threading
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import empty_checkpoint

from warmline.storage.checkpoints import ThreadedSqliteSaver, open_checkpoints

CLOSE_CHANCE_S = 0.5  # how long the close is given to (wrongly) finish first


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
