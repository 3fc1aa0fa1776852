"""The escalation decision: the agent's verdict on a turn, with the evidence for it.

It is defined beside the graph (which produces it) and consumed by the handoff
package (which acts on it), so that a person can always read why a bot stepped
aside: which signal fired, at what value, against which threshold.
"""

from typing import Literal

from pydantic import BaseModel, Field

from warmline.guardrails.signals import Signals

ReasonCode = Literal[
    "explicit_request",
    "low_confidence",
    "negative_sentiment",
    "frustration",
    "turn_limit",
    "loop",
    "sensitive_topic",
    "vip",
    "policy_rule",
    "llm_failure",
]
Priority = Literal["low", "normal", "high", "urgent"]
# Each code as a supervisor reads it on the dashboard, where counts stand without details.
REASON_WORDS: dict[ReasonCode, str] = {
    "explicit_request": "The customer asked for a person",
    "low_confidence": "The help center had no confident answer",
    "negative_sentiment": "The customer was upset",
    "frustration": "The customer was frustrated",
    "turn_limit": "Too many questions without an answer",
    "loop": "The conversation went in circles",
    "sensitive_topic": "A sensitive topic came up",
    "vip": "A VIP customer",
    "policy_rule": "A policy rule handed it over",
    "llm_failure": "The language model failed",
}


class Reason(BaseModel):
    code: ReasonCode
    value: float | str | None = None
    threshold: float | None = None
    rule: str | None = None
    detail: str


class EscalationDecision(BaseModel):
    escalate: bool
    reasons: list[Reason] = Field(default_factory=list)
    adjustments: list[Reason] = Field(
        default_factory=list, description="Rules that set priority or skills without escalating."
    )
    priority: Priority = "normal"
    skills: list[str] = Field(default_factory=list)
    language: str = "en"
    segment: str = "standard"


class TurnFacts(BaseModel):
    """What the policy sees of one turn: the guard's signals and the bot's own state."""

    signals: Signals
    force_human: bool = False
    earlier_sentiments: list[float] = Field(default_factory=list)
    confidence: float | None
    low_confidence_strikes: int
    bot_turns: int
    unanswered_turns: int = Field(
        default=0,
        description="Turns since the bot took over (or was last thanked) that the help "
        "center had no confident answer for, in a row or not; answered ones do not count.",
    )
    thanked: bool = Field(
        default=False, description="The customer thanked the bot or said it helped."
    )
    language: str = "en"
    segment: str = "standard"
