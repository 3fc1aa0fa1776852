"""A stand-in graph and guard for worker-pool tests, in a module of its own: each worker
process imports it to open them, and importing the test module would import conftest's
server stack too (seconds a worker)."""

import asyncio
import os
import re
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from warmline.agent.state import AgentState, TurnInput
from warmline.guardrails.company import DEFAULT_COMPANY
from warmline.guardrails.guard import Guard
from warmline.guardrails.redaction import PlaceholderBook, Redaction
from warmline.retrieval.embedder import QueryEncoding, TokenVectors
from warmline.workers.process import Compute, QueryEncoder


@dataclass
class Gate:
    """Shared with the worker: a turn that says "hold" waits until the test opens it,
    and releases `entered` (a semaphore) when it starts waiting, if given one. `stalls`
    (a semaphore) counts the inspections of "wait to be read" that stall for ever instead,
    until their worker dies (not on the shared event: a sleeper that dies there blocks its
    `set`). `died` (an event) is set by the first turn of "die after a piece", which streams
    a piece and dies; run again, that turn streams and answers."""

    open: Any
    entered: Any = None
    stalls: Any = None
    died: Any = None


class StubQueries:
    """A query encoder without a model: the words the worker was handed an encoding for."""

    def __init__(self) -> None:
        self.handed: set[str] = set()

    def encode(self, text: str) -> QueryEncoding:
        ids = np.arange(len(text.split()), dtype=np.int64)
        vectors = np.ones((len(ids), 2), dtype=np.float32)
        return QueryEncoding(np.ones(2, dtype=np.float32), TokenVectors(ids, vectors))

    def remember(self, text: str, encoding: QueryEncoding) -> None:
        self.handed.add(text)


HANDED = " (encoded beside its inspection)"


class EchoGraph:
    """Answers with the message and the worker's process id (and `HANDED` when the turn
    was handed its words' encoding); "hold" waits for the gate, "stall" for ever,
    "crash" dies, "die after a piece" dies the first time after streaming; "threads"
    answers with the threads torch, then each BLAS library, runs an operation on;
    "frozen" with the objects the garbage collector no longer walks."""

    def __init__(self, gate: Gate, queries: StubQueries) -> None:
        self.gate = gate
        self.queries = queries

    async def run(
        self, conversation_id: str, turn: TurnInput, on_delta: Callable[[str], None]
    ) -> AgentState:
        if turn.text in ("hold", "stall") and self.gate.entered is not None:
            self.gate.entered.release()
        if turn.text == "hold":
            await asyncio.to_thread(self.gate.open.wait)
        if turn.text == "stall":  # until the worker dies (not on the shared event: a
            await asyncio.Event().wait()  # sleeper that dies there blocks its `set`)
        if turn.text == "crash":
            os._exit(3)
        if turn.text == "die after a piece" and not self.gate.died.is_set():
            on_delta("first piece")  # in the pipe before the worker dies
            self.gate.died.set()
            os._exit(3)
        if turn.text == "frozen":
            import gc

            return {"turn": turn, "outcome": {"text": str(gc.get_freeze_count())}}
        if turn.text == "threads":
            import torch
            from threadpoolctl import threadpool_info

            blas = {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}
            return {"turn": turn, "outcome": {"text": f"{torch.get_num_threads()} {blas}"}}
        on_delta("first piece")
        # A reply the service can store, so a server's customer gets it as the bot's answer.
        text = f"{turn.text} from {os.getpid()}"
        if turn.text in self.queries.handed:
            text += HANDED
        answer = {"for_seq": turn.seq, "kind": "reply", "text": text}
        return {"turn": turn, "outcome": answer}


CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")


class CardRedactor:
    """Masks card numbers; "wait to be read" waits for the gate first, or stalls (in the
    worker's inspection thread, so the worker's other work goes on)."""

    company_name = DEFAULT_COMPANY  # the company the inspection's request rules read for

    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    def redact(self, text: str, book: PlaceholderBook, language: str | None = None) -> Redaction:
        if text == "wait to be read":
            # The stall is claimed before `entered` tells the test, which may kill this
            # worker at once: claimed after, a worker killed in between leaves it to the
            # replacement, whose reading then stalls too.
            stalls = self.gate.stalls is not None and self.gate.stalls.acquire(False)
            if self.gate.entered is not None:
                self.gate.entered.release()
            if stalls:
                threading.Event().wait()
            self.gate.open.wait()
        masked = CARD.sub("<CARD_1>", text)
        return Redaction(text=masked, findings=[], new_entries=[], vault_items=[])


@asynccontextmanager
async def echo_graph(gate: Gate) -> AsyncIterator[Compute]:
    queries = StubQueries()
    graph: Any = EchoGraph(gate, queries)
    redactor: Any = CardRedactor(gate)
    yield Compute(graph, Guard(redactor, 4_000), QueryEncoder(queries.encode, queries.remember))


@asynccontextmanager
async def first_opens(settings: tuple[Gate, str]) -> AsyncIterator[Compute]:
    """The echo graph in the first worker to claim the file `settings[1]`; every other
    worker fails to open, as one does whose store is unusable."""
    gate, claim = settings
    os.close(os.open(claim, os.O_CREAT | os.O_EXCL))  # FileExistsError past the first
    async with echo_graph(gate) as compute:
        yield compute


@asynccontextmanager
async def stuck_loading(gate: Gate) -> AsyncIterator[Compute]:
    """The echo graph once the test opens the gate: until then the worker is stuck
    loading, as one whose model or store hangs, and reads nothing the gateway sends (so
    a stop is not heard: only a kill ends it)."""
    await asyncio.to_thread(gate.open.wait)
    async with echo_graph(gate) as compute:
        yield compute


class CountingGraph:
    """The real graph, whose finished state also says how many query encodings the
    worker's model made while the turn ran (`model_calls`)."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph

    async def run(
        self, conversation_id: str, turn: TurnInput, on_delta: Callable[[str], None]
    ) -> AgentState:
        from warmline.retrieval import embedder

        before = embedder._queries.batches
        state = await self.graph.run(conversation_id, turn, on_delta)
        return cast(AgentState, {**state, "model_calls": embedder._queries.batches - before})


@asynccontextmanager
async def counting_compute(settings: Any) -> AsyncIterator[Compute]:
    """The product's worker compute with a `CountingGraph` (its import is the server's
    stack, so only the workers that use it pay for it)."""
    from warmline.server.runtime import worker_compute

    async with worker_compute(settings) as compute:
        compute.graph = cast(Any, CountingGraph(compute.graph))
        yield compute
