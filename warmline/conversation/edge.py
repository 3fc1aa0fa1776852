"""A handoff decided at the edge: "Talk to a person", or a message whose words ask for one.

Whether a message's words ask is read with its inspection (`guardrails.inspection`, in
a compute worker when there are any); a press needs no reading at all. Such a turn has
one possible outcome in the bot's mode (the policy always hands over an explicit
request), so the serving process need not wait for a compute worker's turn to learn it:
it reads the conversation's memory from the graph's checkpoint, runs the signal
detectors on the words (no embedding: the written rules already found the request),
asks the same policy the graph asks, and the handoff is queued in the message's own
transaction. The graph still runs the turn afterwards, off the agent's critical path, to
record it in the conversation's memory and complete the packet (`ConversationService`).
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import cast

from warmline.agent.context import AgentContext
from warmline.agent.decision import EscalationDecision
from warmline.agent.graph import ConversationGraph
from warmline.agent.nodes import guard_input, turn_facts, turn_signals
from warmline.agent.state import AgentState, Message, TurnInput
from warmline.storage.conversations import Conversation
from warmline.storage.database import Connection

# The words stored for a press of "Talk to a person": the server's own, so nothing to redact.
ASK_FOR_PERSON = "I'd like to talk to a person."
HANDS_OVER_FROM = ("bot", "resolved")


@dataclass(frozen=True)
class EdgeHandoff:
    """The policy's decision at the edge, and the state it decided on: the conversation's
    memory with this turn's message and signals, as the graph would have it."""

    state: AgentState
    decision: EscalationDecision
    seen: int
    """The last message the graph's memory holds: later ones still wait for their turns."""

    def with_unseen(self, unseen: list[Message]) -> AgentState:
        """The state with the customer's messages the graph has not taken yet (their turns
        still wait in line) before this one, so the packet has everything they wrote."""
        messages = self.state.get("messages", [])
        return self.state | {"messages": [*messages[:-1], *unseen, *messages[-1:]]}


def _with_turn(memory: AgentState, turn: TurnInput) -> AgentState:
    """The memory after the graph's first node took the turn (its own code, so a chat back
    from a person starts afresh here as it does there)."""
    update = guard_input({**memory, "turn": turn})
    added: list[Message] = update.pop("messages", [])
    state = cast(AgentState, memory | update)
    return state | {"turn": turn, "messages": [*memory.get("messages", []), *added]}


def _turn(conversation: Conversation, text: str, force_human: bool) -> TurnInput | None:
    """The turn the message starts, or None when the conversation is already with a
    person or waiting for one (the graph answers it)."""
    if conversation.mode not in HANDS_OVER_FROM:
        return None
    return TurnInput(
        seq=conversation.last_seq + 1,
        text=text,
        mode="bot",
        force_human=force_human,
        language=conversation.language,
        segment=conversation.segment,
    )


async def decide_at_edge(
    graph: ConversationGraph, conversation: Conversation, text: str, force_human: bool
) -> EdgeHandoff | None:
    """The handoff of a message that asks for a person, or None when the graph must answer
    it (the conversation is already with a person or waiting for one, or the policy keeps
    it, which it never does for an explicit request with the shipped policy)."""
    turn = _turn(conversation, text, force_human)
    if turn is None:
        return None
    read = graph.memory_reader()
    if read is None:
        memory = await graph.memory(conversation.id)
        return await asyncio.to_thread(_decide, memory, turn, graph.context)
    # The memory's read and the decision in one call to a thread: under load each round
    # trip through the event loop waits for the loop's turn.
    return await asyncio.to_thread(lambda: _decide(read(conversation.id), turn, graph.context))


def press_decision(
    graph: ConversationGraph,
) -> Callable[[Connection, Conversation], Awaitable[EdgeHandoff | None]] | None:
    """The edge's decision on a press as a block of the press's read, called on its
    connection's thread (`ConversationLog.arrival_then`; it reads nothing of that
    connection and never waits): the synchronous checkpoint reader reads the memory and
    the policy decides, in the same call as the press's read, so a press makes one hop
    through a busy event loop fewer. None without a synchronous reader (PostgreSQL): the
    read, then `decide_at_edge`."""
    read = graph.memory_reader()
    if read is None:
        return None

    async def decide(conn: Connection, conversation: Conversation) -> EdgeHandoff | None:
        turn = _turn(conversation, ASK_FOR_PERSON, True)
        return None if turn is None else _decide(read(conversation.id), turn, graph.context)

    return decide


def _decide(memory: AgentState, turn: TurnInput, context: AgentContext) -> EdgeHandoff | None:
    """The graph's first node, then its `signals` and `assess` nodes without the embedding
    (in a thread: the detectors are CPU work)."""
    state = _with_turn(memory, turn)
    seen = memory.get("last_seq", 0)
    signals = turn_signals(state, None, context.company_name)
    state = state | {
        "signals": signals,
        "sentiments": [*state.get("sentiments", []), signals.sentiment],
    }
    decision = context.assess(turn_facts(state, context.low_confidence))
    return EdgeHandoff(state, decision, seen) if decision.escalate else None
