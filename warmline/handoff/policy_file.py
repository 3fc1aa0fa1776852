"""The escalation policy as data: the schema of `policy.toml`, validated on load.

A support lead changes thresholds, rules, hours and queue timings in one reviewed
file instead of in code; a typo in it stops the server at start-up with the field's
name rather than silently escalating the wrong conversations.
"""

import tomllib
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warmline.agent.decision import Priority, ReasonCode

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(Strict):
    low_confidence: float = 0.5
    low_confidence_strikes: int = 2
    negative_sentiment: float = -0.6
    sentiment_drop: float = 0.8
    frustration: float = 0.5
    loop_similarity: float = 0.6
    turn_limit: int = 8


class Condition(Strict):
    """Every listed field must match (each list is any-of); an empty condition never does."""

    sensitive_topic: list[str] = Field(default_factory=list)
    intent: list[Literal["cancellation", "urgency"]] = Field(default_factory=list)
    segment: list[str] = Field(default_factory=list)
    reason: list[ReasonCode] = Field(default_factory=list)


class Rule(Strict):
    name: str
    when: Condition
    escalate: bool = False
    priority: Priority | None = None
    skills: list[str] = Field(default_factory=list)


class BusinessHours(Strict):
    timezone: str = "UTC"
    mon: str | None = None
    tue: str | None = None
    wed: str | None = None
    thu: str | None = None
    fri: str | None = None
    sat: str | None = None
    sun: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    @field_validator(*WEEKDAYS)
    @classmethod
    def _span(cls, value: str | None) -> str | None:
        if value is not None:
            _parse_span(value)
        return value

    def span(self, day: Weekday) -> tuple[time, time] | None:
        value: str | None = getattr(self, day)
        return _parse_span(value) if value else None

    def is_open(self, when: datetime) -> bool:
        local = when.astimezone(ZoneInfo(self.timezone))
        span = self.span(WEEKDAYS[local.weekday()])
        return span is not None and span[0] <= local.time() < span[1]

    def next_opening(self, when: datetime) -> datetime | None:
        """When the team is next in, in the policy's time zone (None: never open)."""
        local = when.astimezone(ZoneInfo(self.timezone))
        for days in range(8):
            day = local + timedelta(days=days)
            span = self.span(WEEKDAYS[day.weekday()])
            if span is None:
                continue
            opening = day.replace(hour=span[0].hour, minute=span[0].minute, second=0, microsecond=0)
            if opening > local:
                return opening
        return None


def _parse_span(value: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a span like 08:00-20:00") from exc
    if end <= start:
        raise ValueError(f"{value!r} closes before it opens")
    return start, end


class QueuePolicy(Strict):
    sla_minutes: dict[Priority, float] = {"urgent": 2, "high": 5, "normal": 15, "low": 60}
    aging_minutes: float = Field(5, gt=0)
    preferred_agent_minutes: float = Field(2, ge=0)
    auto_assign: bool = False
    agent_reconnect_grace_seconds: float = Field(30, ge=0)
    sla_check_seconds: float = Field(5, gt=0)

    @field_validator("sla_minutes")
    @classmethod
    def _every_priority(cls, value: dict[Priority, float]) -> dict[Priority, float]:
        missing = [p for p in ("low", "normal", "high", "urgent") if p not in value]
        if missing:
            raise ValueError(f"sla_minutes needs every priority; missing {missing}")
        if any(minutes <= 0 for minutes in value.values()):
            raise ValueError("sla_minutes must be positive")
        return value


class Policy(Strict):
    thresholds: Thresholds = Thresholds()
    rules: list[Rule] = Field(default_factory=list)
    business_hours: BusinessHours | None = None
    queue: QueuePolicy = QueuePolicy()


def load_policy(path: Path) -> Policy:
    with path.open("rb") as file:
        return Policy.model_validate(tomllib.load(file))
