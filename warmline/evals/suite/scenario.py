"""The scenario format: a customer's script and what a careful supervisor expects of the bot.

One JSON object per line. Turns are only the customer's side, written so they make
sense whatever the bot answered; expectations sit on the turn they are about (cite
this article, say or never say this) or on the whole conversation (hand over by this
turn, for these reasons, to these skills; keep these facts in the summary; never
show these personal values). `warmline eval schema` prints the JSON Schema, and
`evals/suites/scenario.schema.json` holds it for editors.
"""

import hashlib

from pydantic import BaseModel, ConfigDict, Field, model_validator

from warmline.agent.decision import Priority, ReasonCode


class Strict(BaseModel):
    """A typo in a scenario file is an error, not an expectation silently ignored."""

    model_config = ConfigDict(extra="forbid")


class TurnExpectation(Strict):
    cite: list[str] = Field(
        default_factory=list,
        description="Article ids: the answer must cite at least one, and retrieval is "
        "scored on where the first of them ranks (recall@k, MRR).",
    )
    contains: list[str] = Field(
        default_factory=list, description="Phrases the reply must all contain (any case)."
    )
    not_contains: list[str] = Field(
        default_factory=list, description="Phrases the reply must never contain (any case)."
    )


class Turn(Strict):
    say: str = Field(min_length=1, description="What the customer types.")
    press_human: bool = Field(False, description="The customer presses Talk to a person.")
    expect: TurnExpectation = Field(default_factory=TurnExpectation)


class Routing(Strict):
    skills: list[str] | None = None
    priority: Priority | None = None


class Scenario(Strict):
    id: str = Field(pattern=r"^[\w.-]+$")
    tags: list[str] = Field(
        min_length=1, description="The first tag is the scenario's category; all are slices."
    )
    turns: list[Turn] = Field(min_length=1)
    language: str = "en"
    segment: str = Field("standard", description="As a host site would sign it (vip, ...).")
    escalate_at: int | None = Field(
        None,
        ge=1,
        description="The first turn after which a careful supervisor hands over; null: "
        "the bot should handle the whole conversation.",
    )
    escalate_by: int | None = Field(
        None, ge=1, description="The latest acceptable turn (default: escalate_at)."
    )
    reasons: list[ReasonCode] = Field(
        default_factory=list, description="Reason codes the handoff must carry (any order)."
    )
    routing: Routing | None = None
    facts: list[str] = Field(
        default_factory=list,
        description="Facts given by the handoff turn that the summary must keep (verbatim, "
        "or as the placeholder the value was redacted to).",
    )
    pii: list[str] = Field(
        default_factory=list,
        description="Personal values in the turns that must never appear in anything the "
        "bot says, stores or hands over.",
    )
    note: str = ""

    @model_validator(mode="after")
    def _turns_exist(self) -> "Scenario":
        for name in ("escalate_at", "escalate_by"):
            turn = getattr(self, name)
            if turn is not None and turn > len(self.turns):
                raise ValueError(f"{name}={turn} but the script has {len(self.turns)} turns")
        if self.escalate_by is not None and (
            self.escalate_at is None or self.escalate_by < self.escalate_at
        ):
            raise ValueError("escalate_by needs an escalate_at at or before it")
        said = " ".join(t.say for t in self.turns)
        for value in [*self.facts, *self.pii]:
            if value not in said:
                raise ValueError(f"{value!r} is not in any turn")
        return self

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]

    @property
    def category(self) -> str:
        return self.tags[0]

    @property
    def latest_turn(self) -> int | None:
        return self.escalate_by or self.escalate_at
