"""Wire the nodes into the conversation graph.

guard_input → signals → (silent | retrieve → answer → assess | assess) → reply | escalate

While the customer waits for a person (mode `queued`) a turn goes signals → retrieve →
answer → reply_while_waiting: the help center's confident answer, or nothing, and never
a second handoff (see `waiting`); once they ask for only a person, it stays silent.

A turn that looks like a handoff (a request for a person, a sensitive topic) goes to
`assess` before searching, which saves a search when the policy hands over; when the
policy keeps it, `assess` sends it on to `retrieve` and it is answered like any other.
"""

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from warmline.agent import nodes
from warmline.agent.nodes import GraphDeps
from warmline.agent.state import AgentState


def build_graph(
    deps: GraphDeps, checkpointer: BaseCheckpointSaver[Any] | None = None
) -> CompiledStateGraph[Any, Any, Any, Any]:
    graph: StateGraph[AgentState, None, AgentState, AgentState] = StateGraph(AgentState)
    graph.add_node("guard_input", nodes.guard_input)
    bound = nodes.DependentNodes(deps)
    graph.add_node("signals", bound.signals)
    graph.add_node("retrieve", bound.retrieve)
    graph.add_node("answer", bound.answer)
    graph.add_node("assess", bound.assess)
    graph.add_node("reply_while_waiting", bound.reply_while_waiting)
    graph.add_node("reply", nodes.reply)
    graph.add_node("escalate", nodes.escalate)
    graph.add_node("stay_silent", nodes.stay_silent)

    graph.add_edge(START, "guard_input")
    graph.add_conditional_edges(
        "guard_input", nodes.after_guard, {"replayed": END, "signals": "signals"}
    )
    graph.add_conditional_edges(
        "signals",
        nodes.after_signals,
        {"stay_silent": "stay_silent", "assess": "assess", "retrieve": "retrieve"},
    )
    graph.add_edge("retrieve", "answer")
    graph.add_conditional_edges(
        "answer",
        nodes.after_answer,
        {"assess": "assess", "reply_while_waiting": "reply_while_waiting"},
    )
    graph.add_conditional_edges(
        "assess",
        nodes.after_assess,
        {"escalate": "escalate", "reply": "reply", "retrieve": "retrieve"},
    )
    for last in ("reply", "escalate", "stay_silent", "reply_while_waiting"):
        graph.add_edge(last, END)
    return graph.compile(checkpointer=checkpointer)
