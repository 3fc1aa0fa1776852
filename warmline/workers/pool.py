"""The gateway's side of the compute workers: a pool of processes and the line to them.

`TurnPool.run` takes what `ConversationGraph.run` takes, plus the turn's `Urgency`, so
the service runs a bot turn the same way in-process (`workers = 0`) or in a worker. Each
worker runs up to `slots` turns at once (so their model calls batch, see `process`). A
turn waits in a bounded line for a free slot on any worker, ordered by urgency (a
handoff's turn, then a conversation's first message, then the rest), first come first
served within one urgency, so a customer who asks for a person or has just arrived is not
stuck behind everyone else's follow-up questions. A turn gets `Busy` at once when the
line is full and when no slot frees up within the start deadline, so the caller answers
"busy" instead of leaving the customer waiting (admission control); a handoff's turn is
never refused for a full line (one press each, bounded by the flood window), only for the
deadline. The loop never blocks: each worker's pipe is read by a thread of its own, which hands
messages to the loop; sending a job is one small pickle.

A worker that dies mid-turn (killed, out of memory) closes its pipe: every turn it was
running raises `WorkerLost` (the service runs each once more) and a new worker
takes the dead one's place.
"""

import asyncio
import contextlib
import heapq
import itertools
import logging
import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from warmline.agent.state import AgentState, TurnInput
from warmline.workers.messages import Delta, Done, Failed, Job, Ready
from warmline.workers.process import GraphOpener, serve

log = logging.getLogger("warmline.workers")
_SPAWN = multiprocessing.get_context("spawn")
STOP_S = 10.0


class Busy(Exception):
    """No worker could start this turn in time (or the line to them was full)."""


class WorkerLost(Exception):
    """The worker running this turn exited before answering it."""


class Urgency(IntEnum):
    """A turn's place in the line: lower goes first."""

    HANDOFF = 0
    """A handoff's turn: the customer pressed "Talk to a person" or asked for one."""
    FIRST = 1
    """A conversation's first message: a new customer's first impression."""
    TURN = 2


class TurnRunner(Protocol):
    async def run(
        self,
        conversation_id: str,
        turn: TurnInput,
        on_delta: Callable[[str], None] = ...,
    ) -> AgentState: ...


@dataclass
class _Turn:
    answer: asyncio.Future[AgentState]
    on_delta: Callable[[str], None]


class _Worker:
    """One worker process, the turns it runs (up to its slots), and the thread that reads
    its pipe into the event loop. `freed(worker)` is called each time a turn's outcome
    arrives (a slot is free again, also for a turn whose caller gave up), `lost(worker)`
    once when a started worker exits or sends what cannot be read."""

    def __init__(
        self,
        opener: GraphOpener,
        settings: Any,
        slots: int,
        loop: asyncio.AbstractEventLoop,
        freed: Callable[["_Worker"], None],
        lost: Callable[["_Worker"], None],
    ):
        self._loop = loop
        self._conn, child = _SPAWN.Pipe()
        self.process = _SPAWN.Process(
            target=serve,
            args=(opener, settings, child, slots),
            name="warmline-worker",
            daemon=True,
        )
        self.process.start()
        child.close()
        self.ready: asyncio.Future[None] = loop.create_future()
        self.alive = True
        self._stopped = False
        self._turns: dict[int, _Turn] = {}
        self._freed, self._on_lost = freed, lost
        threading.Thread(target=self._read, name="warmline-worker-pipe", daemon=True).start()

    def _read(self) -> None:
        error: BaseException | None = None
        while True:
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                break
            except Exception as exc:  # an exception type that pickles there but not here
                # Whose outcome it was is unknown, so every turn in flight fails with it.
                error = RuntimeError(f"unreadable message from a worker: {exc}")
                break
            self._call(self._deliver, message)
        self._call(self._lost, error)

    def _call(self, callback: Callable[..., None], *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # a closed loop: the gateway is shutting down
            self._loop.call_soon_threadsafe(callback, *args)

    def _deliver(self, message: object) -> None:
        if isinstance(message, Ready) and not self.ready.done():
            self.ready.set_result(None)
        elif isinstance(message, Delta):
            if (turn := self._turns.get(message.job)) is not None:
                turn.on_delta(message.text)
        elif isinstance(message, Done | Failed):
            if (turn := self._turns.pop(message.job, None)) is None:
                return
            if not turn.answer.done():  # else its caller gave up (cancelled)
                if isinstance(message, Failed):
                    turn.answer.set_exception(message.error)
                else:
                    turn.answer.set_result(message.state or {})
            self._freed(self)

    def _lost(self, error: BaseException | None) -> None:
        """Every turn in flight fails (`WorkerLost` when the process exited)."""
        self.alive = False
        failure = error or WorkerLost(f"worker {self.process.pid} exited ({self.process.exitcode})")
        ready = self.ready
        started = ready.done() and not ready.cancelled() and ready.exception() is None
        if not self.ready.done():
            self.ready.set_exception(failure)
        turns, self._turns = self._turns, {}
        for turn in turns.values():
            if not turn.answer.done():
                turn.answer.set_exception(failure)
        if started and not self._stopped:
            self._on_lost(self)

    async def run(self, job: Job, on_delta: Callable[[str], None]) -> AgentState:
        answer: asyncio.Future[AgentState] = self._loop.create_future()
        self._turns[job.id] = _Turn(answer, on_delta)
        try:
            self._conn.send(job)
        except OSError as exc:
            self._turns.pop(job.id, None)
            raise WorkerLost(f"worker {self.process.pid} unreachable") from exc
        return await answer

    def stop(self) -> None:
        """Ask the worker to finish: it exits after its turns on the `None` it reads next.

        Closing the pipe alone is not enough: the reading thread still holds it open in
        `recv`, so the worker would never see the end of it and wait out `STOP_S`.
        """
        self.alive, self._stopped = False, True
        with contextlib.suppress(OSError):
            self._conn.send(None)
        self._conn.close()


class TurnPool:
    def __init__(
        self,
        opener: GraphOpener,
        settings: Any,
        size: int,
        line: int,
        start_within_s: float,
        slots: int = 1,
    ) -> None:
        """`opener(settings)` runs in each worker and opens its graph; each worker runs up
        to `slots` turns at once; `line` turns may wait for a free slot, each at most
        `start_within_s` seconds."""
        self._opener, self._settings = opener, settings
        self._size, self._line, self._start_within_s = size, line, start_within_s
        self._slots = slots
        self._workers: list[_Worker] = []
        # One entry per free slot, naming its worker: taking one is dispatching to it.
        self._idle: list[_Worker] = []
        # Turns waiting for a slot: (urgency, arrival, the future a worker is handed in).
        # A turn that stops waiting cancels its future and is dropped when it comes up.
        self._queue: list[tuple[int, int, asyncio.Future[_Worker]]] = []
        self._waiting = 0
        self._arrivals = itertools.count()
        self._ids = itertools.count(1)
        self._starting: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Start every worker and wait until each has opened its graph."""
        self._open(await asyncio.gather(*(self._started_worker() for _ in range(self._size))))

    async def _started_worker(self) -> _Worker:
        loop = asyncio.get_running_loop()
        worker = _Worker(
            self._opener, self._settings, self._slots, loop, self._release, self._replace
        )
        self._workers.append(worker)
        await worker.ready
        return worker

    def _open(self, workers: list[_Worker]) -> None:
        """Free the workers' slots in turn, so that the first turns spread over the
        workers instead of filling the first one."""
        for _ in range(self._slots):
            for worker in workers:
                self._release(worker)

    async def _add(self) -> None:
        self._open([await self._started_worker()])

    async def run(
        self,
        conversation_id: str,
        turn: TurnInput,
        on_delta: Callable[[str], None] = lambda _: None,
        urgency: Urgency = Urgency.TURN,
        since: float | None = None,
    ) -> AgentState:
        """Run the turn in a worker with a free slot; `since` (the event loop's time) is
        when the customer's message arrived, from which the start deadline counts
        (default: now). The slot comes back when the worker answers, even if this call
        was cancelled meanwhile (the worker still runs it); a worker that dies fails its
        turns with `WorkerLost` and is replaced."""
        worker = await self._admit(urgency, since)
        return await worker.run(Job(next(self._ids), conversation_id, turn), on_delta)

    async def _admit(self, urgency: Urgency, since: float | None) -> _Worker:
        while self._idle:
            # A worker that died while idle is replaced, not handed a turn.
            if (worker := self._idle.pop()).alive:
                return worker
            self._replace(worker)
        if urgency is not Urgency.HANDOFF and self._waiting >= self._line:
            raise Busy(f"{self._waiting} turns already wait for a worker")
        loop = asyncio.get_running_loop()
        place: asyncio.Future[_Worker] = loop.create_future()
        heapq.heappush(self._queue, (urgency, next(self._arrivals), place))
        self._waiting += 1
        try:
            start_by = (loop.time() if since is None else since) + self._start_within_s
            async with asyncio.timeout_at(start_by):
                return await place
        except BaseException as stopped:
            if place.done() and not place.cancelled():
                # Handed a slot just as the wait ended: it goes to the next in line.
                self._release(place.result())
            place.cancel()
            if isinstance(stopped, TimeoutError):
                raise Busy(f"no worker free within {self._start_within_s:g} s") from None
            raise
        finally:
            self._waiting -= 1
            if len(self._queue) > 2 * self._waiting + 16:
                # Drop the places of turns that stopped waiting, so the heap stays bounded.
                self._queue = [entry for entry in self._queue if not entry[2].done()]
                heapq.heapify(self._queue)

    def _release(self, worker: _Worker) -> None:
        """A free slot goes to the most urgent turn still waiting, else back to idle."""
        if not worker.alive:
            self._replace(worker)
            return
        while self._queue:
            place = heapq.heappop(self._queue)[2]
            if not place.done():
                place.set_result(worker)
                return
        self._idle.append(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        if worker not in self._workers:  # replaced already (its free slots are still queued)
            return
        self._workers.remove(worker)
        task = asyncio.create_task(self._add())
        self._starting.add(task)
        task.add_done_callback(self._started)

    def _started(self, task: asyncio.Task[None]) -> None:
        self._starting.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a worker failed to start: %s", task.exception())

    async def close(self) -> None:
        """Stop every worker, waiting a while for each to finish its turn and exit."""
        for task in self._starting:
            task.cancel()
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()
        await asyncio.gather(*(asyncio.to_thread(_finish, worker.process) for worker in workers))


def _finish(process: BaseProcess) -> None:
    """Wait `STOP_S` for a stopped worker to exit, then kill it."""
    process.join(STOP_S)
    if process.is_alive():
        process.kill()
        process.join()
