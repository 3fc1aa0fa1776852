"""A worker process's life: open the graph, say ready, run turns one at a time until the
gateway closes the pipe (or dies, which closes it too, so no worker outlives its gateway).

Started with the "spawn" method: a forked copy of a gateway that already runs threads
(the event loop's executor, torch) may inherit a held lock.
"""

import asyncio
import logging
import os
import pickle
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from multiprocessing.connection import Connection
from typing import Any

from warmline.agent.graph import ConversationGraph
from warmline.workers.messages import Delta, Done, Failed, Job, Ready

GraphOpener = Callable[[Any], AbstractAsyncContextManager[ConversationGraph]]
log = logging.getLogger("warmline.worker")


def serve(opener: GraphOpener, settings: Any, conn: Connection) -> None:
    # One intra-op thread, set before anything imports torch: spinning threads cost 65% more
    # CPU per embedding and are 10x slower when the cores are shared (issue 19's profile).
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    with asyncio.Runner() as runner:
        stack = AsyncExitStack()
        graph = runner.run(stack.enter_async_context(opener(settings)))
        conn.send(Ready())
        try:
            while (job := _next(conn)) is not None:
                _reply(conn, runner.run(_run(graph, job, conn)))
        finally:
            runner.run(stack.aclose())


def _next(conn: Connection) -> Job | None:
    try:
        job: Job | None = conn.recv()
    except (EOFError, OSError):  # the gateway is gone
        return None
    return job


async def _run(graph: ConversationGraph, job: Job, conn: Connection) -> Done | Failed:
    try:
        state = await graph.run(
            job.conversation_id, job.turn, lambda text: conn.send(Delta(job.id, text))
        )
    except Exception as exc:
        log.exception("turn failed in a worker", extra={"conversation_id": job.conversation_id})
        return Failed(job.id, exc)
    return Done(job.id, state)


def _reply(conn: Connection, message: Done | Failed) -> None:
    """Send the outcome; an exception that does not pickle goes as its text."""
    try:
        conn.send(message)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        conn.send(Failed(message.job, RuntimeError(f"unsendable result: {exc}")))
