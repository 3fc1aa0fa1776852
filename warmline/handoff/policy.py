"""The escalation policy: turn facts in, a decision with its reasons out.

Every reason names the signal, the value it had and the threshold it crossed, so
that the console can say in words why the bot stepped aside and the eval suite can
measure each rule on its own.
"""

from warmline.agent.decision import EscalationDecision, Priority, Reason, TurnFacts
from warmline.config import EscalationSettings

FRUSTRATION_THRESHOLD = 0.66


class EscalationPolicy:
    def __init__(self, settings: EscalationSettings) -> None:
        self.settings = settings

    def assess(self, facts: TurnFacts) -> EscalationDecision:
        s = self.settings
        reasons: list[Reason] = []
        if facts.human_request:
            reasons.append(
                Reason(
                    code="explicit_request",
                    value=facts.human_request_evidence or "asked for a person",
                    detail="The customer asked for a person.",
                )
            )
        if facts.sentiment <= s.negative_sentiment:
            reasons.append(
                Reason(
                    code="negative_sentiment",
                    value=round(facts.sentiment, 3),
                    threshold=s.negative_sentiment,
                    detail="The customer's message reads as strongly negative.",
                )
            )
        if facts.frustration >= FRUSTRATION_THRESHOLD:
            reasons.append(
                Reason(
                    code="frustration",
                    value=round(facts.frustration, 3),
                    threshold=FRUSTRATION_THRESHOLD,
                    detail="The customer shows clear signs of frustration.",
                )
            )
        if facts.low_confidence_strikes >= s.low_confidence_strikes:
            reasons.append(
                Reason(
                    code="low_confidence",
                    value=round(facts.confidence or 0.0, 3),
                    threshold=s.low_confidence,
                    detail=(
                        f"The knowledge base had no confident answer for "
                        f"{facts.low_confidence_strikes} turns in a row."
                    ),
                )
            )
        if facts.bot_turns >= s.turn_limit:
            reasons.append(
                Reason(
                    code="turn_limit",
                    value=facts.bot_turns,
                    threshold=s.turn_limit,
                    detail=f"{facts.bot_turns} bot turns without a resolution.",
                )
            )
        return EscalationDecision(
            escalate=bool(reasons),
            reasons=reasons,
            priority=_priority(reasons),
            language=facts.language,
        )


def _priority(reasons: list[Reason]) -> Priority:
    codes = {r.code for r in reasons}
    if codes & {"negative_sentiment", "frustration"}:
        return "high"
    return "normal"


def reasons_in_words(decision: EscalationDecision) -> list[str]:
    """One sentence per reason, with the number behind it, for the agent's card."""
    words = []
    for reason in decision.reasons:
        if reason.threshold is None:
            words.append(f"{reason.detail} ({reason.value})" if reason.value else reason.detail)
        else:
            words.append(f"{reason.detail} ({reason.value} vs threshold {reason.threshold})")
    return words
