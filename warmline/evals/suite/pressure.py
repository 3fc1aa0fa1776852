"""The escalation score and re-deciding a played conversation under other thresholds.

Both read the per-turn policy input the runner recorded (`TurnFacts`), so neither
plays a conversation again. The score is how far the strongest threshold signal got
toward its threshold (1.0 = the policy hands over); a request for a person or a
sensitive topic (or any rule that hands over by itself) scores `FORCED`, since no
threshold can hold those back: whether a turn is forced is asked of the policy itself,
with its thresholds out of reach.
"""

from warmline.agent.decision import TurnFacts
from warmline.handoff.policy import EscalationPolicy
from warmline.handoff.policy_file import Policy

FORCED = 10.0
OUT_OF_REACH = {
    "negative_sentiment": -2.0,
    "sentiment_drop": 10.0,
    "frustration": 100.0,
    "loop_similarity": 2.0,
    "low_confidence_strikes": 10_000,
    "turn_limit": 10_000,
}


def with_thresholds(policy: Policy, **changes: float) -> Policy:
    thresholds = policy.thresholds.model_copy(update=changes)
    return policy.model_copy(update={"thresholds": thresholds})


def turn_pressure(facts: TurnFacts, policy: Policy, forced: EscalationPolicy) -> float:
    """`forced` is the policy with its thresholds out of reach."""
    if forced.assess(facts).escalate:
        return FORCED
    t = policy.thresholds
    signals = facts.signals
    sentiment = signals.sentiment
    recent = [*facts.earlier_sentiments[-2:], sentiment]
    parts = [
        sentiment / t.negative_sentiment if sentiment < 0 else 0.0,
        (max(recent) - sentiment) / t.sentiment_drop if sentiment < 0 else 0.0,
        signals.frustration.score / t.frustration,
        signals.repetition.score / t.loop_similarity if facts.bot_turns > 1 else 0.0,
        facts.low_confidence_strikes / t.low_confidence_strikes,
        facts.unanswered_turns / t.turn_limit,
    ]
    return min(max(parts), FORCED)


def escalation_score(turns: list[TurnFacts], policy: Policy) -> float:
    forced = EscalationPolicy(with_thresholds(policy, **OUT_OF_REACH))
    return max((turn_pressure(f, policy, forced) for f in turns), default=0.0)


def redecide(turns: list[TurnFacts], policy: Policy) -> int | None:
    """The turn this policy would hand over at, given what the policy saw on each turn.

    Unanswered-turn strikes depend on the confidence threshold, so they are counted
    again from each turn's confidence rather than taken from the recording.
    """
    judge = EscalationPolicy(policy)
    strikes = 0
    for number, facts in enumerate(turns, start=1):
        if facts.confidence is not None:
            below = facts.confidence < policy.thresholds.low_confidence
            strikes = strikes + 1 if below else 0
        if judge.assess(facts.model_copy(update={"low_confidence_strikes": strikes})).escalate:
            return number
    return None
