"""The escalation policy as data: rules, priorities, skills, business hours, bad files."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from warmline.agent.decision import TurnFacts
from warmline.config import REPO_ROOT
from warmline.guardrails.signals import compute_signals
from warmline.handoff.policy import EscalationPolicy, reasons_in_words
from warmline.handoff.policy_file import BusinessHours, load_policy

POLICY = load_policy(REPO_ROOT / "policy.toml")


def assess(text: str, segment: str = "standard", **facts: object) -> TurnFacts:
    return TurnFacts.model_validate(
        {
            "signals": compute_signals(text),
            "confidence": 0.9,
            "low_confidence_strikes": 0,
            "bot_turns": 1,
            "segment": segment,
        }
        | facts
    )


def test_a_sensitive_topic_rule_escalates_with_its_skill_and_priority() -> None:
    decision = EscalationPolicy(POLICY).assess(
        assess("Someone used my card to buy two cameras, I never ordered them")
    )
    assert decision.escalate
    reason = next(r for r in decision.reasons if r.code == "sensitive_topic")
    assert (reason.value, reason.rule) == ("fraud", "fraud")
    assert decision.skills == ["fraud"] and decision.priority == "high"


def test_vip_raises_priority_only_when_the_bot_hands_over() -> None:
    policy = EscalationPolicy(POLICY)
    calm = policy.assess(assess("How long does shipping take?", segment="vip"))
    assert not calm.escalate and calm.priority == "normal" and calm.adjustments == []
    asked = policy.assess(assess("can I talk to a real person please", segment="vip"))
    assert asked.escalate and asked.priority == "high"
    assert [(a.code, a.rule) for a in asked.adjustments] == [("vip", "vip")]
    assert any("sets priority high" in line for line in reasons_in_words(asked))


def test_cancellation_routes_to_retention_and_a_request_for_a_person_is_always_honoured() -> None:
    decision = EscalationPolicy(POLICY).assess(
        assess("I want to cancel Lumen Plus, let me speak to a human")
    )
    assert [r.code for r in decision.reasons] == ["explicit_request"]
    assert decision.skills == ["retention"]
    no_rules = EscalationPolicy(POLICY.model_copy(update={"rules": []}))
    assert no_rules.assess(assess("agent please")).escalate


def test_business_hours_know_when_the_team_is_in() -> None:
    hours = BusinessHours(timezone="Europe/London", mon="09:00-17:00", sat="10:00-12:00")
    monday_noon = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert hours.is_open(monday_noon)
    monday_night = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    assert not hours.is_open(monday_night)
    opening = hours.next_opening(monday_night)
    assert opening is not None and (opening.weekday(), opening.hour) == (5, 10)


def test_a_broken_policy_file_names_the_field(tmp_path: Path) -> None:
    broken = tmp_path / "policy.toml"
    broken.write_text('[thresholds]\nturn_limt = 3\n[business_hours]\nmon = "20:00-08:00"\n')
    with pytest.raises(ValidationError) as error:
        load_policy(broken)
    text = str(error.value)
    assert "turn_limt" in text and "closes before it opens" in text


def test_every_priority_needs_an_sla(tmp_path: Path) -> None:
    partial = tmp_path / "policy.toml"
    partial.write_text("[queue]\nsla_minutes = { urgent = 1 }\n")
    with pytest.raises(ValidationError, match="missing"):
        load_policy(partial)


def test_an_old_escalation_setting_is_refused_not_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from warmline.config import Settings

    monkeypatch.setenv("WARMLINE_ESCALATION__TURN_LIMIT", "6")
    with pytest.raises(ValidationError, match=r"policy\.toml"):
        Settings()
