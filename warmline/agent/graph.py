"""Wire the nodes into the conversation graph, and run it one turn at a time.

read → (silent | answer | assess [→ answer]) → end

`read` records the message and reads its signals; `answer` searches, drafts the answer
and asks the policy for its verdict on it, carrying it out (the reply, or the handoff);
`assess` asks the policy before any search. A bot turn is two of LangGraph's steps (see
`nodes` for why they are so few).

While the customer waits for a person (mode `queued`) a turn goes read → answer:
the help center's confident answer, or nothing, and never a second handoff (see
`waiting`); once they ask for only a person, it stays silent.

A turn that carries a handoff signal (a request for a person, a sensitive topic) meets
the policy in `assess` before searching, which saves a search when the policy hands
over; when the policy keeps it, `assess` sends it on to `answer`, and it is answered
(and its answer judged) like any other.

A turn is one durable write: the checkpoint is saved when the run ends
(`durability="exit"`), not after each step. A process that dies mid-turn leaves the
previous turn's checkpoint; a run that raises, or is cancelled (a shutdown that stops
waiting for it), is saved as far as it went, which after `read` is the message without
its answer. Either way the server's pending marker runs the turn again, and `read` goes
on from what the checkpoint holds (`nodes.guard_input`).
"""

from collections.abc import Callable
from typing import Any, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from warmline.agent import nodes
from warmline.agent.context import AgentContext
from warmline.agent.state import AgentState, TurnInput

Graph = CompiledStateGraph[AgentState, AgentContext, AgentState, AgentState]


def build_graph(checkpointer: BaseCheckpointSaver[Any] | None = None) -> Graph:
    graph = StateGraph(AgentState, context_schema=AgentContext)
    graph.add_node("read", nodes.read)
    graph.add_node("answer", nodes.answer)
    graph.add_node("assess", nodes.assess)
    graph.add_node("stay_silent", nodes.stay_silent)

    graph.add_edge(START, "read")
    graph.add_conditional_edges(
        "read",
        nodes.after_read,
        {"replayed": END, "stay_silent": "stay_silent", "assess": "assess", "answer": "answer"},
    )
    graph.add_edge("answer", END)
    graph.add_conditional_edges("assess", nodes.after_assess, {"decided": END, "answer": "answer"})
    graph.add_edge("stay_silent", END)
    return graph.compile(checkpointer=checkpointer)


class ConversationGraph:
    """The compiled graph with its dependencies: what the server runs a turn with."""

    def __init__(
        self,
        context: AgentContext,
        checkpointer: BaseCheckpointSaver[Any] | None = None,
        reader: BaseCheckpointSaver[Any] | None = None,
    ) -> None:
        """`reader`: a synchronous saver on the same checkpoints, with which a thread
        reads a conversation's memory in one call (`memory_reader`)."""
        self.context = context
        self.compiled = build_graph(checkpointer)
        self._reading = build_graph(reader) if reader is not None else None

    async def run(
        self,
        conversation_id: str,
        turn: TurnInput,
        on_delta: Callable[[str], None] = lambda _: None,
    ) -> AgentState:
        """Run one turn; the answer's pieces go to `on_delta` as the LLM writes them.

        Returns the finished state (memory and this turn's working values), taken from
        the run itself rather than read back from the checkpoint.

        The answer's pieces are asked for only with an LLM, their one writer: a run that
        asks for them keeps a task waiting on the stream beside each step and runs each
        step as a task of its own, about a third of the tasks a turn starts on the loop
        the worker's turns share; without one, LangGraph runs the steps in its own pass.
        """
        config: RunnableConfig = {"configurable": {"thread_id": conversation_id}}
        final: AgentState = {}
        async for part in self.compiled.astream(
            {"turn": turn},
            config=config,
            context=self.context,
            stream_mode=["custom", "values"] if self.context.llm is not None else ["values"],
            durability="exit" if self.compiled.checkpointer else None,
            version="v2",
        ):
            if part["type"] == "values":
                final = part["data"]
            elif part["type"] == "custom" and isinstance(part["data"], dict):
                on_delta(part["data"]["delta"])
        return final

    async def memory(self, conversation_id: str) -> AgentState:
        """What the checkpoint holds of a conversation (its memory, no working values)."""
        config: RunnableConfig = {"configurable": {"thread_id": conversation_id}}
        # The checkpoint holds the memory fields of `AgentState`.
        return cast(AgentState, (await self.compiled.aget_state(config)).values)

    def memory_reader(self) -> Callable[[str], AgentState] | None:
        """A function that reads a conversation's memory on the calling thread (never the
        event loop's), if there is a synchronous reader; else None: use `memory`."""
        reading = self._reading
        if reading is None:
            return None

        def read(conversation_id: str) -> AgentState:
            config: RunnableConfig = {"configurable": {"thread_id": conversation_id}}
            return cast(AgentState, reading.get_state(config).values)

        return read
