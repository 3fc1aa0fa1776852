"""The gateway's side of the compute workers: a pool of processes and the line to them.

`TurnPool.run` has the signature of `ConversationGraph.run`, so the service runs a bot
turn the same way in-process (`workers = 0`) or in a worker. Each worker runs up to
`slots` turns at once (so their model calls batch, see `process`); a turn waits in a
bounded line for a free slot on any worker (first come, first served); it gets `Busy` at
once when the line is full and when no slot frees up within the start deadline, so the
caller answers "busy" instead of leaving the customer waiting (admission control). The
loop never blocks: each worker's pipe is read by a thread of its own, which hands
messages to the loop; sending a job is one small pickle.

A worker that dies mid-turn (killed, out of memory) closes its pipe: every turn it was
running raises `WorkerLost` (the service answers each as a failed turn) and a new worker
takes the dead one's place.
"""

import asyncio
import contextlib
import itertools
import logging
import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass
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
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._waiting = 0
        self._ids = itertools.count(1)
        self._starting: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Start every worker and wait until each has opened its graph."""
        self._open(await asyncio.gather(*(self._started_worker() for _ in range(self._size))))

    async def _started_worker(self) -> _Worker:
        loop = asyncio.get_running_loop()
        worker = _Worker(
            self._opener, self._settings, self._slots, loop, self._idle.put_nowait, self._replace
        )
        self._workers.append(worker)
        await worker.ready
        return worker

    def _open(self, workers: list[_Worker]) -> None:
        """Put the workers' slots in the line's queue in turn, so that the first turns
        spread over the workers instead of filling the first one."""
        for _ in range(self._slots):
            for worker in workers:
                self._idle.put_nowait(worker)

    async def _add(self) -> None:
        self._open([await self._started_worker()])

    async def run(
        self,
        conversation_id: str,
        turn: TurnInput,
        on_delta: Callable[[str], None] = lambda _: None,
    ) -> AgentState:
        """Run the turn in a worker with a free slot. The slot comes back when the worker
        answers, even if this call was cancelled meanwhile (the worker still runs it); a
        worker that dies fails its turns with `WorkerLost` and is replaced."""
        worker = await self._admit()
        return await worker.run(Job(next(self._ids), conversation_id, turn), on_delta)

    async def _admit(self) -> _Worker:
        if self._idle.empty() and self._waiting >= self._line:
            raise Busy(f"{self._waiting} turns already wait for a worker")
        self._waiting += 1
        try:
            async with asyncio.timeout(self._start_within_s):
                # A worker that died while idle is replaced, not handed a turn.
                while not (worker := await self._idle.get()).alive:
                    self._replace(worker)
                return worker
        except TimeoutError:
            raise Busy(f"no worker free within {self._start_within_s:g} s") from None
        finally:
            self._waiting -= 1

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
