"""A worker process's life: open the graph and the guard, say ready, run the turns and
inspections the gateway sends (several at once, as tasks on one event loop) until it
closes the pipe or says stop (or dies, which closes it too, so no worker outlives its
gateway). Work in flight when told to stop is finished first. A closed pipe means the
gateway is gone: the worker says so in one log line, drops what it would still send, and
exits cleanly once its work in flight is done.

Several at once is what lets the models batch: query embeddings asked for from the
executor's threads at the same time run as one model call, and so do the spaCy analyses
of messages inspected at the same time (`warmline.batching`, `nlp_batching`). The
gateway never sends more than the worker's slots of each kind. Inspections have threads
of their own, so a message's inspection never waits for a thread behind a turn's steps.

A worker with nothing to do may be asked to encode a message for its query while another
worker inspects it (`Encode`): the model and spaCy then run at once, in two processes,
and the gateway hands the encoding to the message's turn when the inspection left the
words as they were, so the turn's worker does not call the model for them. In one
process they gained nothing: the model and spaCy shared its interpreter's lock.

Started with the "spawn" method: a forked copy of a gateway that already runs threads
(the event loop's executor, torch) may inherit a held lock.
"""

import asyncio
import contextlib
import logging
import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from warmline.agent.graph import ConversationGraph
from warmline.guardrails.guard import Guard
from warmline.guardrails.inspection import inspect_message
from warmline.guardrails.limits import InputRejected, clean_text
from warmline.heap import freeze_what_startup_loaded
from warmline.retrieval.embedder import QueryEncoding, use_one_thread
from warmline.workers.messages import (
    Delta,
    Done,
    Encode,
    Encoded,
    Failed,
    Inspect,
    Inspected,
    Job,
    Ready,
)


@dataclass(frozen=True)
class QueryEncoder:
    """The graph's query encodings as workers trade them: `encode` makes one that is kept
    nowhere (the words may hold what redaction takes out), `remember` keeps one a turn is
    handed as its words' own, so the graph finds it instead of calling the model."""

    encode: Callable[[str], QueryEncoding]
    remember: Callable[[str, QueryEncoding], None]


@dataclass
class Compute:
    """What a worker computes with: the graph for bot turns, the guard for inspections,
    and the graph's query encoder when a message's encoding may be made early."""

    graph: ConversationGraph
    guard: Guard
    queries: QueryEncoder | None = None


ComputeOpener = Callable[[Any], AbstractAsyncContextManager[Compute]]
log = logging.getLogger("warmline.worker")
SPARE_THREADS = 4
"""Executor threads beyond one a slot: a turn's thread may wait on a batched embedding
while other turns' steps (search, the answer) need threads of their own."""


class _Gateway:
    """The pipe to the gateway, as this worker writes to it. Once the gateway's end is
    closed (it stopped or died, so nobody reads any more), what is sent is dropped and
    the worker says so once, rather than a traceback for each piece of an answer and
    each outcome that finds the pipe broken. Used from the event loop's thread only."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.gone = False

    def send(self, message: object) -> None:
        if self.gone:
            return
        try:
            self._conn.send(message)
        except (BrokenPipeError, ConnectionResetError):
            self.left()

    def left(self) -> None:
        if not self.gone:
            self.gone = True
            log.warning(
                "worker %d: the gateway is gone (its end of the pipe is closed); "
                "finishing the work in flight, sending nothing more, then exiting",
                os.getpid(),
            )


def _lower_priority(by: int) -> None:
    """Below the serving process's priority (the gateway that spawned it): on saturated
    cores the process that holds the sockets runs first whenever it has work, and this one
    takes the rest. Linux keeps a nice value per thread and a new thread inherits its
    creator's; the spawn's start-up may already have started some (a library's, at
    import), so every thread there is now is lowered, before this one starts any."""
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        os.nice(by)
        return
    for task in tasks.iterdir():
        with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
            thread = int(task.name)
            os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + by)


def serve(
    opener: ComputeOpener,
    settings: Any,
    conn: Connection,
    slots: int = 1,
    inspect_slots: int = 1,
    nice: int = 0,
) -> None:
    if nice:
        _lower_priority(nice)
    # One thread for torch's intra-op pool and the BLAS that numpy and scipy load: spinning
    # threads cost 65% more CPU per embedding and are 10x slower on shared cores. The
    # environment alone is too late here: unpickling `serve` in the spawned process
    # imported the graph, and with it torch and both BLAS libraries.
    use_one_thread()
    asyncio.run(_serve(opener, settings, conn, slots, inspect_slots))


async def _serve(
    opener: ComputeOpener, settings: Any, conn: Connection, slots: int, inspect_slots: int
) -> None:
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(slots + SPARE_THREADS, "warmline-turn"))
    inspecting = ThreadPoolExecutor(inspect_slots, "warmline-inspect")
    gateway = _Gateway(conn)
    async with opener(settings) as compute:
        freeze_what_startup_loaded()
        jobs: asyncio.Queue[Job | Inspect | Encode | None] = asyncio.Queue()
        threading.Thread(target=_read, args=(conn, loop, jobs, gateway), daemon=True).start()
        gateway.send(Ready())
        running: set[asyncio.Task[None]] = set()
        while (job := await jobs.get()) is not None:
            if isinstance(job, Inspect):
                work = _inspect(compute.guard, job, gateway, inspecting)
            elif isinstance(job, Encode):
                work = _encode(compute, job, gateway)
            else:
                work = _turn(compute, job, gateway)
            task = asyncio.create_task(work)
            running.add(task)
            task.add_done_callback(running.discard)
        await asyncio.gather(*running)
    inspecting.shutdown()


def _read(
    conn: Connection,
    loop: asyncio.AbstractEventLoop,
    jobs: "asyncio.Queue[Job | Inspect | Encode | None]",
    gateway: _Gateway,
) -> None:
    """Hand each job the gateway sends to the loop; `None` when it says stop or is gone."""
    while True:
        gone = False
        try:
            job: Job | Inspect | Encode | None = conn.recv()
        except (EOFError, OSError):  # the gateway is gone without saying stop
            job, gone = None, True
        with contextlib.suppress(RuntimeError):  # the loop has ended (its graph failed)
            if gone:
                loop.call_soon_threadsafe(gateway.left)
            loop.call_soon_threadsafe(jobs.put_nowait, job)
        if job is None:
            return


async def _inspect(
    guard: Guard, job: Inspect, gateway: _Gateway, threads: ThreadPoolExecutor
) -> None:
    loop = asyncio.get_running_loop()
    try:
        inspection = await loop.run_in_executor(
            threads,
            inspect_message,
            guard,
            job.text,
            job.entries,
            job.language,
            job.read_request,
        )
    except Exception as exc:  # the guard itself fails closed; this is a bug's last stop
        log.exception("inspection failed in a worker")
        _reply(gateway, Failed(job.id, exc))
        return
    _reply(gateway, Inspected(job.id, inspection))


async def _encode(compute: Compute, job: Encode, gateway: _Gateway) -> None:
    """The message's words cleaned as its inspection cleans them, and their encoding."""
    try:
        cleaned = clean_text(job.text, compute.guard.max_chars)
    except InputRejected:  # refused: the inspection says why
        _reply(gateway, Encoded(job.id, None, None))
        return
    if compute.queries is None:
        _reply(gateway, Encoded(job.id, None, None))
        return
    try:
        encoding = await asyncio.to_thread(compute.queries.encode, cleaned)
    except Exception as exc:  # the turn encodes its words itself
        log.exception("query encoding failed in a worker")
        _reply(gateway, Failed(job.id, exc))
        return
    _reply(gateway, Encoded(job.id, cleaned, encoding))


async def _turn(compute: Compute, job: Job, gateway: _Gateway) -> None:
    if job.encoding is not None and compute.queries is not None:
        compute.queries.remember(job.turn.text, job.encoding)
    _reply(gateway, await _run(compute.graph, job, gateway))


async def _run(graph: ConversationGraph, job: Job, gateway: _Gateway) -> Done | Failed:
    try:
        state = await graph.run(
            job.conversation_id, job.turn, lambda text: gateway.send(Delta(job.id, text))
        )
    except Exception as exc:
        log.exception("turn failed in a worker", extra={"conversation_id": job.conversation_id})
        return Failed(job.id, exc)
    return Done(job.id, state)


def _reply(gateway: _Gateway, message: Done | Inspected | Encoded | Failed) -> None:
    """Send the outcome; an exception that does not pickle goes as its text."""
    try:
        gateway.send(message)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        gateway.send(Failed(message.job, RuntimeError(f"unsendable result: {exc}")))
