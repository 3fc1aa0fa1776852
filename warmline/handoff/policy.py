"""The escalation policy: turn facts in, a decision with its reasons out.

Every reason names the signal, the value it had and the threshold it crossed, so
that the console can say in words why the bot stepped aside and the eval suite can
measure each rule on its own.
"""

from warmline.agent.decision import EscalationDecision, Priority, Reason, TurnFacts
from warmline.handoff.policy_file import Condition, Policy, Rule

PRIORITY_ORDER: tuple[Priority, ...] = ("low", "normal", "high", "urgent")
TOPIC_WORDS = {
    "fraud": "possible fraud",
    "identity_theft": "possible identity theft",
    "legal_threat": "a legal threat",
    "self_harm": "a customer who may be at risk of self-harm",
    "medical_emergency": "a possible medical emergency",
    "staff_complaint": "a complaint about staff",
}


class EscalationPolicy:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.settings = policy.thresholds

    def assess(self, facts: TurnFacts) -> EscalationDecision:
        reasons = [
            *self._customer_asked(facts),
            *self._mood(facts),
            *self._bot_struggling(facts),
        ]
        codes: set[str] = {r.code for r in reasons}
        matched = [
            (rule, found)
            for rule in self.policy.rules
            if (found := _matches(rule.when, facts, codes)) is not None
        ]
        reasons += [
            self._rule_reason(rule, found, facts) for rule, found in matched if rule.escalate
        ]
        escalate = bool(reasons)
        adjustments = [
            Reason(
                code="vip" if rule.when.segment else "policy_rule",
                value=found,
                rule=rule.name,
                detail=_adjustment_words(rule),
            )
            for rule, found in matched
            if not rule.escalate and escalate
        ]
        priorities = [rule.priority for rule, _ in matched if rule.priority and escalate]
        priorities = priorities or ["normal"]
        skills = [skill for rule, _ in matched for skill in rule.skills]
        return EscalationDecision(
            escalate=escalate,
            reasons=reasons,
            adjustments=adjustments,
            priority=max(priorities, key=PRIORITY_ORDER.index),
            skills=list(dict.fromkeys(skills)) if escalate else [],
            language=facts.language,
            segment=facts.segment,
        )

    def _rule_reason(self, rule: Rule, found: str, facts: TurnFacts) -> Reason:
        topic = facts.signals.sensitive.topic
        if rule.when.sensitive_topic and topic:
            return Reason(
                code="sensitive_topic",
                value=topic,
                rule=rule.name,
                detail=f"The message suggests {TOPIC_WORDS.get(topic, topic)}: "
                f"\u201c{facts.signals.sensitive.signal.evidence[0]}\u201d.",
            )
        return Reason(
            code="policy_rule",
            value=found,
            rule=rule.name,
            detail=f"Policy rule \u201c{rule.name}\u201d hands this over ({found}).",
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

    def _mood(self, facts: TurnFacts) -> list[Reason]:
        """Unhappiness with us that persists or grows, never one word or one swear.

        Sentiment counts as a trend: this message reads negative and either the one
        before did too (VADER scores a bare "no" as negative, and a single such message
        says nothing about the service), or one of the three before read positive and
        this one is `sentiment_drop` or more below it: the mood soured while we
        answered. Frustration counts when the customer says something about the service
        or the answer ("useless", "third time asking", "that's not what I asked"); tone
        alone (swearing, capitals) does not.
        """
        s = self.settings
        signals = facts.signals
        reasons = []
        trend = self._sentiment_trend(facts)
        if trend:
            reasons.append(
                Reason(
                    code="negative_sentiment",
                    value=round(signals.sentiment, 3),
                    threshold=s.negative_sentiment,
                    detail=trend,
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

    def _sentiment_trend(self, facts: TurnFacts) -> str:
        """The trend in words when this negative message continues or ends a fall, else ""."""
        s = self.settings
        now = facts.signals.sentiment
        if now > s.negative_sentiment:
            return ""
        previous = facts.earlier_sentiments[-1:]
        if previous and previous[0] <= s.negative_sentiment / 2:
            return (
                f"The customer's last two messages read as negative "
                f"({previous[0]:.2f}, then {now:.2f})."
            )
        recent = facts.earlier_sentiments[-3:]
        best = max(recent, default=0.0)
        if best > 0 and best - now >= s.sentiment_drop and not facts.thanked:
            return (
                f"The customer's mood fell from {best:.2f} to {now:.2f} "
                f"within their last {len(recent) + 1} messages."
            )
        return ""

    def _bot_struggling(self, facts: TurnFacts) -> list[Reason]:
        """The bot failing the customer: asked the same again, no answer twice in a row, or
        too many questions without an answer. Answered questions never count (a customer
        with eight questions the help center answers is served, not stuck), and a customer
        who thanks the bot is telling it that it helped."""
        if facts.thanked:
            return []
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
        if facts.unanswered_turns >= s.turn_limit:
            reasons.append(
                Reason(
                    code="turn_limit",
                    value=facts.unanswered_turns,
                    threshold=s.turn_limit,
                    detail=f"{facts.unanswered_turns} questions the help center had no answer for.",
                )
            )
        return reasons


def _matches(when: Condition, facts: TurnFacts, codes: set[str]) -> str | None:
    """What made the condition true, in words, or None when it does not hold."""
    signals = facts.signals
    intents = {name for name in ("cancellation", "urgency") if getattr(signals, name).fired()}
    checks: list[tuple[list[str], set[str], str]] = [
        (when.sensitive_topic, {t for t in [signals.sensitive.topic] if t}, "topic"),
        (list(when.intent), intents, "intent"),
        (when.segment, {facts.segment}, "segment"),
        (list(when.reason), codes, "signal"),
    ]
    found = []
    for wanted, present, label in checks:
        if not wanted:
            continue
        hits = sorted(set(wanted) & present)
        if not hits:
            return None
        found.append(f"{label} {', '.join(hits)}")
    return "; ".join(found) or None


def _adjustment_words(rule: Rule) -> str:
    effects = ([f"priority {rule.priority}"] if rule.priority else []) + [
        f"skill {skill}" for skill in rule.skills
    ]
    return f"Policy rule \u201c{rule.name}\u201d sets " + " and ".join(effects) + "."


def reasons_in_words(decision: EscalationDecision) -> list[str]:
    """One sentence per reason, with the number behind it, for the agent's card."""
    words = []
    for reason in [*decision.reasons, *decision.adjustments]:
        if reason.threshold is None:
            words.append(f"{reason.detail} ({reason.value})" if reason.value else reason.detail)
        else:
            words.append(f"{reason.detail} ({reason.value} vs threshold {reason.threshold})")
    return words
