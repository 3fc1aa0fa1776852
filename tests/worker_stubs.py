"""A stand-in graph for worker-pool tests, in a module of its own: each worker process
imports it to open the graph, and importing the test module would import conftest's
server stack too (seconds a worker)."""

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from warmline.agent.graph import ConversationGraph
from warmline.agent.state import AgentState, TurnInput


@dataclass
class Gate:
    """Shared with the worker: a turn that says "hold" waits until the test opens it,
    and releases `entered` (a semaphore) when it starts waiting, if given one."""

    open: Any
    entered: Any = None


class EchoGraph:
    """Answers with the worker's process id; "hold" waits for the gate, "stall" for ever,
    "crash" dies."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate

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
        on_delta("first piece")
        return {"outcome": {"text": f"{turn.text} from {os.getpid()}"}}


@asynccontextmanager
async def echo_graph(gate: Gate) -> AsyncIterator[ConversationGraph]:
    graph: Any = EchoGraph(gate)
    yield graph
