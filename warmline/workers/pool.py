"""The gateway's side of the compute workers: a pool of processes and the lines to them.

`TurnPool.run` takes what `ConversationGraph.run` takes, plus the turn's `Urgency`, so
the service runs a bot turn the same way in-process (`workers = 0`) or in a worker;
`TurnPool.inspect` likewise inspects a customer's message (redaction, the request rules)
before it is stored, so that CPU work leaves the process that holds the sockets too.
`TurnPool.inspect_and_encode` also has a worker with nothing to do (another than the
inspecting one) encode the message for its query meanwhile, and `run` hands that
encoding to the turn, whose worker then does not call the model for the same words
after the message is stored: one model call either way, made beside the inspection
instead of after it, on a core that was idle. With no idle worker nothing is encoded
early (the work is not queued behind turns), so a saturated pool does the work it did.

Each worker runs up to `slots` turns and `inspect_slots` inspections at once (so their
model calls batch, see `process`). Turns and inspections wait in two lines of their own
(`_Lane`): an inspection takes tens of milliseconds and gates the message's
acknowledgement, so it never waits behind a bot turn. In each line work waits for a free
slot on any worker, ordered by urgency (a handoff's turn, then a conversation's first
message, then the rest), first come first served within one urgency, so a customer who
asks for a person or has just arrived is not stuck behind everyone else's follow-up
questions; a waiting job's urgency may be raised (`Standing`: a question whose customer
then asks for a person). A job gets `Busy` at once when its line is full or when, from how long
jobs have recently held a slot and how many go before it, it would start after the start
deadline or end after the answer deadline (both counted from the customer's message), and
when no slot frees up by the start deadline after all, so the caller answers "busy"
instead of leaving the customer waiting or answering late (admission control); a
handoff's turn is never refused for a full line or an expected wait (one press each,
bounded by the flood window), only for the deadline. Workers run below this process's
scheduling priority (`nice`), so the sockets are served first on saturated cores. The
loop never blocks: each worker's pipe is read by a thread of its own, which hands
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
import math
import multiprocessing
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum
from multiprocessing.process import BaseProcess
from typing import Any, Generic, Protocol, TypeVar

from warmline.agent.state import AgentState, TurnInput
from warmline.guardrails.inspection import Inspection
from warmline.guardrails.redaction import PlaceholderEntry
from warmline.retrieval.embedder import QueryEncoding
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
from warmline.workers.process import ComputeOpener, serve

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


class Standing:
    """A job's urgency, which may go up while the job waits in its line: a customer's
    question still waiting for a worker when they press "Talk to a person" is the first
    step of that handoff (messages are answered in order, so the press's turn waits behind
    the question's), and moves to a handoff's place (`raise_to`)."""

    def __init__(self, urgency: Urgency) -> None:
        self.urgency = urgency
        self.moved: Callable[[Urgency], None] | None = None
        """Set by the line while the job waits in it, and told the urgency it had."""

    def raise_to(self, urgency: Urgency) -> None:
        """Go ahead of the lower urgencies from now on (no lower `urgency` moves it back);
        a job already handed to a worker just keeps it."""
        if urgency >= self.urgency:
            return
        was, self.urgency = self.urgency, urgency
        if self.moved is not None:
            self.moved(was)


class TurnRunner(Protocol):
    async def run(
        self,
        conversation_id: str,
        turn: TurnInput,
        on_delta: Callable[[str], None] = ...,
    ) -> AgentState: ...


Result = TypeVar("Result")


@dataclass
class _Pending(Generic[Result]):
    answer: asyncio.Future[Result]
    on_delta: Callable[[str], None]
    lane: "_Lane | None"
    """None for an early encoding, which takes no slot (`TurnPool.inspect_and_encode`)."""
    started: float


class _Worker:
    """One worker process, the jobs it runs (up to its slots of each kind), and the thread
    that reads its pipe into the event loop. A job's lane is told each time its outcome
    arrives (a slot is free again, also for a job whose caller gave up), `lost(worker)`
    once when a started worker exits or sends what cannot be read."""

    def __init__(
        self,
        opener: ComputeOpener,
        settings: Any,
        slots: tuple[int, int],
        nice: int,
        loop: asyncio.AbstractEventLoop,
        lost: Callable[["_Worker"], None],
    ):
        self._loop = loop
        self._conn, child = _SPAWN.Pipe()
        self.process = _SPAWN.Process(
            target=serve,
            args=(opener, settings, child, *slots, nice),
            name="warmline-worker",
            daemon=True,
        )
        self.process.start()
        child.close()
        self.ready: asyncio.Future[None] = loop.create_future()
        self.alive = True
        self._stopped = False
        self._jobs: dict[int, _Pending[Any]] = {}
        self._on_lost = lost
        threading.Thread(target=self._read, name="warmline-worker-pipe", daemon=True).start()

    def idle(self) -> bool:
        """Started, alive, and running nothing at all."""
        ready = self.ready
        started = ready.done() and not ready.cancelled() and ready.exception() is None
        return started and self.alive and not self._jobs

    def _read(self) -> None:
        error: BaseException | None = None
        while True:
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                break
            except Exception as exc:  # an exception type that pickles there but not here
                # Whose outcome it was is unknown, so every job in flight fails with it.
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
            if (job := self._jobs.get(message.job)) is not None:
                job.on_delta(message.text)
        elif isinstance(message, Done | Inspected | Encoded | Failed):
            if (job := self._jobs.pop(message.job, None)) is None:
                return
            if not job.answer.done():  # else its caller gave up (cancelled)
                if isinstance(message, Failed):
                    job.answer.set_exception(message.error)
                elif isinstance(message, Inspected):
                    job.answer.set_result(message.inspection)
                elif isinstance(message, Encoded):
                    job.answer.set_result(message)
                else:
                    job.answer.set_result(message.state or {})
            if job.lane is not None:
                job.lane.finished(job.started)
                job.lane.release(self)

    def _lost(self, error: BaseException | None) -> None:
        """Every job in flight fails (`WorkerLost` when the process exited)."""
        self.alive = False
        failure = error or WorkerLost(f"worker {self.process.pid} exited ({self.process.exitcode})")
        ready = self.ready
        started = ready.done() and not ready.cancelled() and ready.exception() is None
        if not self.ready.done():
            self.ready.set_exception(failure)
        jobs, self._jobs = self._jobs, {}
        for job in jobs.values():
            if job.lane is not None:
                job.lane.finished(None)
            if not job.answer.done():
                job.answer.set_exception(failure)
        if started and not self._stopped:
            self._on_lost(self)

    async def run(
        self, lane: "_Lane | None", job: Job | Inspect | Encode, on_delta: Callable[[str], None]
    ) -> Any:
        return await self.send(lane, job, on_delta)

    def send(
        self, lane: "_Lane | None", job: Job | Inspect | Encode, on_delta: Callable[[str], None]
    ) -> "asyncio.Future[Any]":
        """Send the job now; its outcome to come."""
        answer: asyncio.Future[Any] = self._loop.create_future()
        started = lane.now() if lane is not None else 0.0
        self._jobs[job.id] = _Pending(answer, on_delta, lane, started)
        try:
            self._conn.send(job)
        except OSError as exc:
            self._jobs.pop(job.id, None)
            if lane is not None:
                lane.finished(None)
            raise WorkerLost(f"worker {self.process.pid} unreachable") from exc
        return answer

    def stop(self) -> None:
        """Ask the worker to finish: it exits after its jobs on the `None` it reads next.

        Closing the pipe alone is not enough: the reading thread still holds it open in
        `recv`, so the worker would never see the end of it and wait out `STOP_S`.
        """
        self.alive, self._stopped = False, True
        with contextlib.suppress(OSError):
            self._conn.send(None)
        self._conn.close()


EARLY_WAIT_S = 1.0
"""How long a turn waits for its message's early encoding at most: it runs alone on an
idle worker and takes milliseconds; past this, that worker is stuck and the turn's own
worker encodes the words."""


class EarlyEncoding:
    """A message's query encoding, being made by an idle worker while another inspects
    the message (`TurnPool.inspect_and_encode`); `run` hands it to the message's turn."""

    def __init__(self, made: "asyncio.Future[Encoded]") -> None:
        self._made = made
        made.add_done_callback(_seen)

    async def of(self, words: str) -> QueryEncoding | None:
        """The encoding if it was made of `words` (the words stored, which the turn
        reads); else None, and the turn's worker encodes its words itself: redaction
        changed them, the worker died or stalled, or the model failed."""
        try:
            made = await asyncio.wait_for(asyncio.shield(self._made), EARLY_WAIT_S)
        except Exception:
            return None
        return made.encoding if made.text == words else None


def _seen(made: "asyncio.Future[Encoded]") -> None:
    """Mark a failed encoding's exception as read: a turn that is not run never asks."""
    if not made.cancelled():
        made.exception()


SERVICE_WEIGHT = 0.2
"""How much each finished job moves the lane's estimate of the time a job holds a slot
(an exponentially weighted mean: recent jobs count most, as the load changes)."""


class _Lane:
    """One kind of job's line to the workers: a free slot is an entry naming its worker
    (taking one is dispatching to it); jobs wait for one by urgency, then arrival.

    Admission control: a job that must wait is refused at once (`Busy`) when the line is
    full, or when it would start after its start deadline or end after its answer deadline
    (both counted from the customer's message) by the expected wait: the jobs that go
    before it, plus one, times the recent time a job holds a slot, shared among the slots
    in use. So under overload the customer hears "busy" at once instead of after the
    deadline, and what is accepted is answered in time. A job refused by the estimate would
    have waited; one admitted on it that still waits too long is refused at its deadline.
    A handoff's turn is never refused before its deadline.
    """

    def __init__(
        self,
        kind: str,
        line: int,
        start_within_s: float,
        replace: Callable[[_Worker], None],
        answer_within_s: float = math.inf,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """`clock` is the time `since` is given in (default: the event loop's)."""
        self._kind, self._line, self._start_within_s = kind, line, start_within_s
        self._answer_within_s = answer_within_s
        self._replace = replace
        self._clock = clock
        self._idle: list[_Worker] = []
        # Jobs waiting for a slot: (urgency, arrival, the future a worker is handed in).
        # A job that stops waiting cancels its future and is dropped when it comes up.
        self._queue: list[tuple[int, int, asyncio.Future[_Worker]]] = []
        self._waiting = 0
        self._waiting_by: Counter[int] = Counter()
        self._running = 0  # jobs handed to a worker and not finished yet
        self._holds: float | None = None  # recent seconds a job holds its slot
        self._arrivals = itertools.count()

    def now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def finished(self, started: float | None) -> None:
        """A job handed to a worker is over; `started` (when it was handed over) is None
        when its worker died, which says nothing of how long jobs take."""
        self._running -= 1
        if started is None:
            return
        held = self.now() - started
        last = self._holds
        self._holds = held if last is None else last + SERVICE_WEIGHT * (held - last)

    def expected_wait(self, urgency: "Urgency") -> float | None:
        """Seconds until a job of this urgency would get a slot, if none is free: those that
        go before it, and itself, each holding a slot for the recent time, over the slots in
        use (None before any job has finished)."""
        if self._holds is None:
            return None
        ahead = sum(count for level, count in self._waiting_by.items() if level <= urgency)
        return (ahead + 1) * self._holds / max(1, self._running)

    def _dispatched(self, worker: _Worker) -> _Worker:
        self._running += 1
        return worker

    def _refuse_if_late(self, urgency: "Urgency", since: float, now: float) -> None:
        wait = self.expected_wait(urgency)
        if wait is None or self._holds is None:
            return
        start, end = now + wait, now + wait + self._holds
        if start > since + self._start_within_s or end > since + self._answer_within_s:
            raise Busy(
                f"{self._kind} would start in {wait:.1f} s and take {self._holds:.1f} s "
                f"({now - since:.1f} s after the message)"
            )

    async def admit(self, urgency: "Urgency | Standing", since: float | None) -> _Worker:
        """A free slot's worker, once one is free for this job: at once if one is idle,
        else in its turn by urgency (a `Standing` raised meanwhile moves it up)."""
        while self._idle:
            # A worker that died while idle is replaced, not handed a job.
            if (worker := self._idle.pop()).alive:
                return self._dispatched(worker)
            self._replace(worker)
        standing = urgency if isinstance(urgency, Standing) else Standing(urgency)
        urgency = standing.urgency
        now = self.now()
        since = now if since is None else since
        if urgency is not Urgency.HANDOFF:
            if self._waiting >= self._line:
                raise Busy(f"{self._waiting} {self._kind} already wait for a worker")
            self._refuse_if_late(urgency, since, now)
        loop = asyncio.get_running_loop()
        place: asyncio.Future[_Worker] = loop.create_future()
        arrival = next(self._arrivals)
        heapq.heappush(self._queue, (urgency, arrival, place))
        self._waiting += 1
        self._waiting_by[urgency] += 1

        def moved(was: Urgency) -> None:
            """Raised: the same place (its future) under its new urgency; the entry under
            the old one is skipped when it comes up, that future being done by then."""
            self._waiting_by[was] -= 1
            self._waiting_by[standing.urgency] += 1
            heapq.heappush(self._queue, (standing.urgency, arrival, place))

        standing.moved = moved
        try:
            start_by = loop.time() + (since + self._start_within_s - now)
            async with asyncio.timeout_at(start_by):
                return self._dispatched(await place)
        except BaseException as stopped:
            if place.done() and not place.cancelled():
                # Handed a slot just as the wait ended: it goes to the next in line.
                self.release(place.result())
            place.cancel()
            if isinstance(stopped, TimeoutError):
                raise Busy(f"no worker free within {self._start_within_s:g} s") from None
            raise
        finally:
            standing.moved = None
            self._waiting -= 1
            self._waiting_by[standing.urgency] -= 1
            if len(self._queue) > 2 * self._waiting + 16:
                # Drop the places of jobs that stopped waiting, so the heap stays bounded.
                self._queue = [entry for entry in self._queue if not entry[2].done()]
                heapq.heapify(self._queue)

    def release(self, worker: _Worker) -> None:
        """A free slot goes to the most urgent job still waiting, else back to idle."""
        if not worker.alive:
            self._replace(worker)
            return
        while self._queue:
            place = heapq.heappop(self._queue)[2]
            if not place.done():
                place.set_result(worker)
                return
        self._idle.append(worker)


class TurnPool:
    def __init__(
        self,
        opener: ComputeOpener,
        settings: Any,
        size: int,
        line: int,
        start_within_s: float,
        slots: int = 1,
        inspect_slots: int = 1,
        answer_within_s: float = math.inf,
        nice: int = 0,
    ) -> None:
        """`opener(settings)` runs in each worker and opens its graph and guard; each worker
        runs up to `slots` turns and `inspect_slots` inspections at once, `nice` below this
        process's scheduling priority; `line` jobs of each kind may wait for a free slot,
        each at most `start_within_s` seconds from the customer's message, and none that
        is expected to start later than that or end later than `answer_within_s`."""
        self._opener, self._settings = opener, settings
        self._size, self._slots, self._nice = size, (slots, inspect_slots), nice
        self._workers: list[_Worker] = []
        self._turns = _Lane("turns", line, start_within_s, self._replace, answer_within_s)
        self._inspections = _Lane(
            "inspections", line, start_within_s, self._replace, answer_within_s
        )
        self._ids = itertools.count(1)
        self._starting: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Start every worker and wait until each has opened its graph. If one fails to,
        the others are stopped and its error raised, as they are when the start is
        cancelled: left running, they would outlive a pool that nobody closes. A failure
        to stop them is logged: the start's error is the one its caller must hear (a
        cancellation while they stop is still raised in its place)."""
        try:
            started = await asyncio.gather(
                *(self._started_worker() for _ in range(self._size)), return_exceptions=True
            )
            for outcome in started:
                if isinstance(outcome, BaseException):
                    raise outcome
        except BaseException:
            try:
                await self.close()
            except Exception:
                log.exception("workers not all stopped after the pool failed to start")
            raise
        self._open([worker for worker in started if isinstance(worker, _Worker)])

    async def _started_worker(self) -> _Worker:
        loop = asyncio.get_running_loop()
        worker = _Worker(self._opener, self._settings, self._slots, self._nice, loop, self._replace)
        self._workers.append(worker)
        await worker.ready
        return worker

    def _open(self, workers: list[_Worker]) -> None:
        """Free the workers' slots in turn, so that the first jobs spread over the
        workers instead of filling the first one."""
        for lane, slots in ((self._turns, self._slots[0]), (self._inspections, self._slots[1])):
            for _ in range(slots):
                for worker in workers:
                    lane.release(worker)

    async def _add(self) -> None:
        self._open([await self._started_worker()])

    async def run(
        self,
        conversation_id: str,
        turn: TurnInput,
        on_delta: Callable[[str], None] = lambda _: None,
        urgency: Urgency | Standing = Urgency.TURN,
        since: float | None = None,
        early: EarlyEncoding | None = None,
    ) -> AgentState:
        """Run the turn in a worker with a free slot, in its turn by `urgency` (a `Standing`
        its caller may raise while the turn waits); `since` (the event loop's time) is
        when the customer's message arrived, from which the start deadline counts
        (default: now); `early` is its message's encoding if one was being made beside
        the inspection, waited for (before taking a slot: it was started first and runs
        on an idle core) and handed to the turn when it is of the turn's words. The slot
        comes back when the worker answers, even if this call was cancelled meanwhile
        (the worker still runs it); a worker that dies fails its turns with `WorkerLost`
        and is replaced."""
        encoding = await early.of(turn.text) if early is not None else None
        worker = await self._turns.admit(urgency, since)
        job = Job(next(self._ids), conversation_id, turn, encoding)
        state: AgentState = await worker.run(self._turns, job, on_delta)
        return state

    async def inspect_and_encode(
        self,
        text: str,
        entries: list[PlaceholderEntry],
        language: str | None,
        read_request: bool,
        urgency: Urgency = Urgency.TURN,
        since: float | None = None,
        encode: bool = True,
    ) -> tuple[Inspection, EarlyEncoding | None]:
        """Inspect a customer's message in a worker (see `guardrails.inspection`), with
        the same admission as a turn in a line of its own: `Busy` when the line is full
        or no slot frees up within the start deadline from `since`. With `encode`, the
        message's query encoding starts at the same moment on a worker that runs nothing
        at all, if there is one besides the inspecting worker (None if not: the encoding
        waits for no one), for `run` to hand to its turn."""
        worker = await self._inspections.admit(urgency, since)
        job = Inspect(next(self._ids), text, entries, language, read_request)
        inspected = worker.send(self._inspections, job, lambda _: None)
        early = self._encode_beside(worker, text) if encode else None
        inspection: Inspection = await inspected
        return inspection, early

    def _encode_beside(self, inspecting: _Worker, text: str) -> EarlyEncoding | None:
        idle = next((w for w in self._workers if w is not inspecting and w.idle()), None)
        if idle is None:
            return None
        try:
            made = idle.send(None, Encode(next(self._ids), text), lambda _: None)
        except WorkerLost:
            return None
        return EarlyEncoding(made)

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
        """Stop every worker, waiting a while for each to finish its turn and exit, else
        killing it. The wait runs to its end even if the caller is cancelled meanwhile (a
        second Ctrl-C while a cancelled start or a shutdown closes the pool): cut short,
        it would leave a worker that cannot hear the stop (stuck loading, or in a turn)
        running with no pool left to kill it. Likewise a worker that could not be reaped
        does not stop the others' reaping: the failure is raised once all are done."""
        for task in self._starting:
            task.cancel()
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()
        await _to_the_end(_reap([worker.process for worker in workers]))


async def _to_the_end(cleanup: Awaitable[Any]) -> None:
    """Await `cleanup` until it has finished, however often the caller is cancelled
    meanwhile (it may be cleaning up after a cancellation already); a cancellation that
    arrived is raised once it has. The cleanup's own failure is raised when nothing
    cancelled the caller; otherwise it is logged and chained to the cancellation, which
    still propagates: raised in its place, it would cut short a shutdown that the
    cancellation tells to stop."""
    task = asyncio.ensure_future(cleanup)
    cancelled: asyncio.CancelledError | None = None
    while not task.done():
        try:
            await asyncio.wait([task])  # waits without cancelling `task` when cancelled
        except asyncio.CancelledError as stopped:
            cancelled = stopped
    if cancelled is None:
        task.result()
        return
    failure = None if task.cancelled() else task.exception()
    if failure is None:
        raise cancelled
    log.error("cleanup failed while cancelled", exc_info=failure)
    raise cancelled from failure


async def _reap(processes: list[BaseProcess]) -> None:
    """`_finish` every process at once, each to its end whatever becomes of the others,
    so one that cannot be reaped leaves no other unreaped; then raise its failure (or,
    of several, all of them together)."""
    outcomes = await asyncio.gather(
        *(asyncio.to_thread(_finish, process) for process in processes), return_exceptions=True
    )
    failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    if len(failures) == 1:
        raise failures[0]
    if failures:
        raise BaseExceptionGroup("workers not reaped", failures)


def _finish(process: BaseProcess) -> None:
    """Wait `STOP_S` for a stopped worker to exit, then kill it."""
    process.join(STOP_S)
    if process.is_alive():
        process.kill()
        process.join()
