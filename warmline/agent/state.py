"""Graph state: the conversation's memory, checkpointed once per turn, and the turn's
working values, typed and never checkpointed.

Everything in it is already redacted: the server redacts at the edge before the
graph runs, so the checkpoint store never holds PII.

Two kinds of field, told apart by their channel:
- memory (messages, counters, the last outcome) is what the next turn needs. It is
  JSON-shaped (numbers, strings, typed dicts) so that any later version of the code
  can read an old checkpoint, and it holds references (chunk ids), not the chunks.
- working values (the turn's input, signals, hits, answer, verdict) are typed objects
  passed from node to node in `UntrackedValue` channels: built once, never re-parsed,
  never serialised. A turn cut short loses nothing: the server's pending marker runs
  it again from the message in its event log, and the working values are made again.
"""

import operator
from typing import Annotated, Any, Literal, TypedDict, cast, get_type_hints

from langgraph.channels import UntrackedValue
from pydantic import BaseModel, Field

from warmline.agent.decision import EscalationDecision
from warmline.guardrails.signals import Signals
from warmline.retrieval.store import Hit

Mode = Literal["bot", "queued", "human", "resolved"]


class TurnInput(BaseModel):
    seq: int
    text: str
    mode: Mode
    force_human: bool = False
    language: str = "en"
    segment: str = "standard"


class Citation(BaseModel):
    title: str
    url: str
    article_id: str


class Answer(BaseModel):
    text: str
    citations: list[Citation] = Field(default_factory=list)
    confidence: float | None = None


class Outcome(BaseModel):
    """What the server does with a finished turn."""

    for_seq: int
    kind: Literal["reply", "escalate", "silent"]
    text: str = ""
    citations: list[Citation] = Field(default_factory=list)
    decision: dict[str, object] | None = None
    while_waiting: bool = Field(
        default=False, description="Answered by the bot while the customer waits for a person."
    )


class Message(TypedDict):
    role: Literal["customer", "bot"]
    text: str
    seq: int


class ShownArticle(TypedDict):
    """A citation as the memory keeps it (`Citation.model_dump()`), for the handoff packet."""

    title: str
    url: str
    article_id: str


class AgentState(TypedDict, total=False):
    # The turn's working values: typed, passed between nodes, never checkpointed.
    turn: Annotated[TurnInput, UntrackedValue(TurnInput)]
    replayed: Annotated[bool, UntrackedValue(bool)]
    signals: Annotated[Signals, UntrackedValue(Signals)]
    hits: Annotated[list[Hit], UntrackedValue(list)]
    answer: Annotated[Answer | None, UntrackedValue(object)]
    decision: Annotated[EscalationDecision, UntrackedValue(EscalationDecision)]
    # The conversation's memory, checkpointed at the end of each turn.
    mode: Mode
    messages: Annotated[list[Message], operator.add]
    sentiments: Annotated[list[float], operator.add]
    articles_shown: Annotated[list[ShownArticle], operator.add]
    bot_turns: int
    bot_since: int
    low_confidence_strikes: int
    unanswered_turns: int
    quiet_while_waiting: bool
    last_seq: int
    # The last turn's record, for a replayed turn and for the evaluation suite: the
    # query searched, the ids of the chunks found (best first), the answer's confidence,
    # the policy's input (`TurnFacts`, JSON) and the outcome (`Outcome`, JSON).
    query: str
    retrieved: list[str]
    confidence: float | None
    facts: dict[str, Any]
    outcome: dict[str, Any]


APPENDED = frozenset(
    name
    for name, hint in get_type_hints(AgentState, include_extras=True).items()
    if operator.add in getattr(hint, "__metadata__", ())
)
"""The fields whose updates are appended to what the state holds (`operator.add`)."""


def applied(state: AgentState, update: dict[str, Any]) -> AgentState:
    """`state` as LangGraph leaves it after `update`: a node that runs two steps in one
    hands the second the state the first left, as a step boundary would."""
    before: dict[str, Any] = dict(state)
    merged = before | update
    for name in APPENDED & update.keys():
        merged[name] = [*before.get(name, []), *update[name]]
    return cast(AgentState, merged)


def joined(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """One update saying what `first` then `second` said (appended fields in order)."""
    together = {**first, **second}
    for name in APPENDED & first.keys() & second.keys():
        together[name] = [*first[name], *second[name]]
    return together
