"""Micro-batching: calls that arrive from several threads while a model is busy run
together as one model call.

A model's cost on a short text is mostly per call (layer overhead, small matrix
products), so the concurrent turns of a compute worker pay it once per batch instead
of once each. Nothing waits for a batch to fill: a call made while the model is idle
runs at once, alone; calls made while a batch runs are collected (up to `max_batch`)
and run as the next one. So a quiet process answers as fast as an unbatched one and a
busy one spends less CPU a call.

The model runs in one thread of the batcher's own, started on first use; callers block
on their result as they did on the model (they are already off the event loop, in
`asyncio.to_thread`). Imports nothing of Warmline's, so any package may use it.
"""

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


class MicroBatcher(Generic[In, Out]):
    """`batcher(item)` is `run_batch([item])[0]`, computed in a batch with the calls
    that wait beside it. `run_batch` must return one result per item, in order, each
    the same (up to float rounding) as it would be alone."""

    def __init__(
        self, run_batch: Callable[[list[In]], Sequence[Out]], max_batch: int, name: str
    ) -> None:
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._name = name
        self._waiting: queue.SimpleQueue[tuple[In, Future[Out]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()
        self.batches = 0
        """Model calls made so far (a test reads it to see that calls were batched)."""

    def __call__(self, item: In) -> Out:
        result: Future[Out] = Future()
        self._waiting.put((item, result))
        self._ensure_running()
        return result.result()

    def _ensure_running(self) -> None:
        with self._starting:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        while True:
            batch = [self._waiting.get()]
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            self._run(batch)

    def _run(self, batch: list[tuple[In, Future[Out]]]) -> None:
        self.batches += 1
        try:
            results = list(self._run_batch([item for item, _ in batch]))
            if len(results) != len(batch):
                raise ValueError(f"{len(results)} results for {len(batch)} items")
        except Exception as exc:
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            # One bad input must not fail the calls that happened to share its batch.
            for one in batch:
                self._run([one])
            return
        for (_, result), value in zip(batch, results, strict=True):
            result.set_result(value)
