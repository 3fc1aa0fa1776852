"""The event loop's work a turn: a worker's turns share one loop, so each task a turn
starts on it is CPU the worker spends beside the turn's own work."""

import asyncio
from collections import Counter
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from test_graph import Stubs, _context, _input

from warmline.agent.graph import ConversationGraph


async def test_a_turn_without_an_llm_keeps_no_task_waiting_for_streamed_pieces() -> None:
    """Only the LLM streams an answer's pieces. A run that asks LangGraph for them keeps a
    task waiting on the stream beside each step and runs each step as a task of its own
    (three of each a turn); without an LLM the turn asks for the states alone, and its
    steps run in the loop's pass, while its answer is the same."""
    loop = asyncio.get_running_loop()
    started: Counter[str] = Counter()

    def counted(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> "asyncio.Future[Any]":
        started[getattr(coro, "__qualname__", repr(coro))] += 1
        return asyncio.Task(coro, loop=loop, **kwargs)

    graph = ConversationGraph(_context(Stubs(escalate=False)), InMemorySaver())
    await graph.run("c1", _input("where do I see my invoices?"))
    loop.set_task_factory(counted)
    try:
        state = await graph.run("c1", _input("and my receipts?", seq=2))
    finally:
        loop.set_task_factory(None)
    assert state["outcome"]["kind"] == "reply" and state["messages"][-1]["role"] == "bot"
    assert started["AsyncQueue.wait"] == 0, started
    assert started["arun_with_retry"] == 0, started
