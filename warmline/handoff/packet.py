"""The HandoffPacket: everything an agent needs to start without asking again."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from warmline.agent.decision import EscalationDecision
from warmline.agent.state import Citation


class TranscriptLine(BaseModel):
    role: Literal["customer", "bot", "agent", "system"]
    text: str
    seq: int


class Summary(BaseModel):
    issue: str
    customer_goal: str
    facts_collected: list[str] = Field(default_factory=list)
    what_the_bot_tried: list[str] = Field(default_factory=list)
    articles_shown: list[Citation] = Field(default_factory=list)
    sentiment_trajectory: list[float] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)
    suggested_next_steps: list[str] = Field(default_factory=list)
    written_by: Literal["extractive", "llm"] = "extractive"


class CustomerProfile(BaseModel):
    language: str = "en"
    segment: str = "standard"
    returning: bool = False
    previous_agent: str | None = None


class HandoffPacket(BaseModel):
    version: Literal[1] = 1
    conversation_id: str
    customer: CustomerProfile
    decision: EscalationDecision
    # Why the bot stepped aside, one plain sentence per reason ("The help center had no
    # confident answer"); `reasons_in_words` keeps the figures behind each, for on demand.
    reasons_plain: list[str] = Field(default_factory=list)
    reasons_in_words: list[str]
    summary: Summary
    transcript: list[TranscriptLine]
    created_at: datetime
    sla_deadline: datetime
