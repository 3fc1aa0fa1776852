"""Graph state, checkpointed per conversation.

Everything in it is already redacted: the server redacts at the edge before the
graph runs, so the checkpoint store never holds PII. Values are plain dicts
validated by the models below at each node, which keeps checkpoints readable by
any later version of the code.
"""

import operator
from typing import Annotated, Literal, TypedDict

from pydantic import BaseModel, Field

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


class AgentState(TypedDict, total=False):
    turn: dict[str, object]
    mode: str
    messages: Annotated[list[dict[str, object]], operator.add]
    sentiments: Annotated[list[float], operator.add]
    articles_shown: Annotated[list[dict[str, object]], operator.add]
    bot_turns: int
    bot_since: int
    low_confidence_strikes: int
    unanswered_turns: int
    quiet_while_waiting: bool
    last_seq: int
    signals: dict[str, object]
    hits: list[dict[str, object]]
    query: str
    answer: dict[str, object]
    decision: dict[str, object]
    facts: dict[str, object]
    outcome: dict[str, object]
    replayed: bool
