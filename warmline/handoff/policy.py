"""The escalation policy: turn facts in, a decision with its reasons out.

Every reason names the signal, the value it had and the threshold it crossed, so
that the console can say in words why the bot stepped aside and the eval suite can
measure each rule on its own.
"""

from warmline.agent.decision import EscalationDecision, Priority, Reason, TurnFacts
from warmline.config import EscalationSettings

TOPIC_SKILLS = {
    "fraud": "fraud",
    "identity_theft": "fraud",
    "legal_threat": "legal",
    "self_harm": "safety",
    "medical_emergency": "safety",
    "staff_complaint": "supervisor",
}
URGENT_TOPICS = {"self_harm", "medical_emergency"}
TOPIC_WORDS = {
    "fraud": "possible fraud",
    "identity_theft": "possible identity theft",
    "legal_threat": "a legal threat",
    "self_harm": "a customer who may be at risk of self-harm",
    "medical_emergency": "a possible medical emergency",
    "staff_complaint": "a complaint about staff",
}


class EscalationPolicy:
    def __init__(self, settings: EscalationSettings) -> None:
        self.settings = settings

    def assess(self, facts: TurnFacts) -> EscalationDecision:
        reasons = [
            *self._customer_asked(facts),
            *self._sensitive(facts),
            *self._mood(facts),
            *self._bot_struggling(facts),
        ]
        topic = facts.signals.sensitive.topic
        skills = [TOPIC_SKILLS[topic]] if topic else []
        if facts.signals.cancellation.fired():
            skills.append("retention")
        return EscalationDecision(
            escalate=bool(reasons),
            reasons=reasons,
            priority=_priority(reasons, topic),
            skills=skills,
            language=facts.language,
        )

    def _customer_asked(self, facts: TurnFacts) -> list[Reason]:
        request = facts.signals.human_request
        if not (facts.force_human or request.fired()):
            return []
        evidence = (
            "pressed \u201cTalk to a person\u201d" if facts.force_human else request.evidence[0]
        )
        return [
            Reason(
                code="explicit_request", value=evidence, detail="The customer asked for a person."
            )
        ]

    def _sensitive(self, facts: TurnFacts) -> list[Reason]:
        sensitive = facts.signals.sensitive
        if sensitive.topic is None:
            return []
        return [
            Reason(
                code="sensitive_topic",
                value=sensitive.topic,
                detail=f"The message suggests {TOPIC_WORDS[sensitive.topic]}: "
                f"\u201c{sensitive.signal.evidence[0]}\u201d.",
            )
        ]

    def _mood(self, facts: TurnFacts) -> list[Reason]:
        s = self.settings
        signals = facts.signals
        reasons = []
        recent = [*facts.earlier_sentiments[-2:], signals.sentiment]
        drop = max(recent) - signals.sentiment
        if signals.sentiment <= s.negative_sentiment:
            reasons.append(
                Reason(
                    code="negative_sentiment",
                    value=round(signals.sentiment, 3),
                    threshold=s.negative_sentiment,
                    detail="The customer's message reads as strongly negative.",
                )
            )
        elif drop >= s.sentiment_drop and signals.sentiment < 0:
            reasons.append(
                Reason(
                    code="negative_sentiment",
                    value=round(-drop, 3),
                    threshold=-s.sentiment_drop,
                    detail="The customer's mood has soured quickly over the last turns.",
                )
            )
        if signals.frustration.score >= s.frustration:
            reasons.append(
                Reason(
                    code="frustration",
                    value=round(signals.frustration.score, 3),
                    threshold=s.frustration,
                    detail="The customer shows frustration: "
                    + ", ".join(f"\u201c{e}\u201d" for e in signals.frustration.evidence[:3])
                    + ".",
                )
            )
        return reasons

    def _bot_struggling(self, facts: TurnFacts) -> list[Reason]:
        s = self.settings
        reasons = []
        if facts.signals.repetition.score >= s.loop_similarity and facts.bot_turns > 1:
            reasons.append(
                Reason(
                    code="loop",
                    value=facts.signals.repetition.score,
                    threshold=s.loop_similarity,
                    detail="The customer is asking the same thing again.",
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
        return reasons


def _priority(reasons: list[Reason], topic: str | None) -> Priority:
    if topic in URGENT_TOPICS:
        return "urgent"
    codes = {r.code for r in reasons}
    if codes & {"sensitive_topic", "negative_sentiment", "frustration"}:
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
