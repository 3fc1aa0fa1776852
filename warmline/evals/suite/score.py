"""Suite metrics from played scenarios, overall and sliced by tag.

Computed only from `Played` records, so `compare` can recompute them over the
scenarios two reports have in common.
"""

import math
from collections import Counter
from typing import ClassVar

from pydantic import BaseModel, Field

from warmline.evals.metrics import BinaryScores
from warmline.evals.suite.checks import WEIGHTS
from warmline.evals.suite.play import Played
from warmline.evals.suite.pressure import escalation_score
from warmline.handoff.policy_file import Policy

LATENCY_BINS_MS = (50, 100, 200, 400, 800, 1600, 3200)


class Timing(BaseModel):
    on_time: int
    early: int
    late: int
    offsets: dict[str, int]


class Retrieval(BaseModel):
    turns: int
    recall_at_1: float | None
    recall_at_3: float | None
    recall_at_5: float | None
    mrr: float | None


class Latency(BaseModel):
    turns: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    histogram: dict[str, int]


class CurvePoint(BaseModel):
    cutoff: float
    precision: float
    recall: float


class Slice(BaseModel):
    scenarios: int
    decision_accuracy: float
    precision: float | None = Field(
        description="None when nothing in the slice was handed over or nothing should be."
    )
    recall: float | None = Field(description="None when nothing in the slice should be.")
    containment: float
    qa: float
    pii_leaks: int
    latency_p50_ms: float

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "n",
        "decision",
        "precision",
        "recall",
        "containment",
        "QA",
        "PII leaks",
        "p50 ms",
    )

    def row(self) -> list[float | int | None]:
        """The slice's figures in `COLUMNS` order, so every view of the by-tag table agrees."""
        return [
            self.scenarios,
            self.decision_accuracy,
            self.precision,
            self.recall,
            self.containment,
            self.qa,
            self.pii_leaks,
            round(self.latency_p50_ms),
        ]


class Metrics(BaseModel):
    scenarios: int
    errors: int
    escalation: BinaryScores
    decision_accuracy: float
    timing: Timing
    containment: float
    containment_when_answerable: float
    reasons_ok: float | None
    routing_ok: float | None
    groundedness: float | None
    citation_correctness: float | None
    retrieval: Retrieval
    pii_values: int
    pii_leak_rate: float
    facts_given: int
    fact_recall: float
    qa_mean: float
    critical_failures: int
    rubric: dict[str, float]
    latency: Latency
    escalation_curve: list[CurvePoint]
    by_tag: dict[str, Slice]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile: the smallest value with at least q of them at or below."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 1)


def _binary(played: list[Played]) -> BinaryScores:
    return BinaryScores.of((p.expected_at is not None, p.handed_over) for p in played)


def _curve(played: list[Played], policy: Policy) -> list[CurvePoint]:
    scored = [
        (escalation_score([t.facts for t in p.turns if t.facts], policy), p.expected_at)
        for p in played
        if any(t.facts for t in p.turns)
    ]
    points = []
    for cutoff in sorted({score for score, _ in scored}):
        scores = BinaryScores.of((gold is not None, score >= cutoff) for score, gold in scored)
        points.append(
            CurvePoint(cutoff=round(cutoff, 3), precision=scores.precision, recall=scores.recall)
        )
    return points


def _slice(members: list[Played]) -> Slice:
    scores = _binary(members)
    latencies = [t.latency_ms for p in members for t in p.turns]
    return Slice(
        scenarios=len(members),
        decision_accuracy=_share(sum(p.decision_ok for p in members), len(members)) or 0.0,
        precision=scores.precision if scores.tp + scores.fp and scores.support else None,
        recall=scores.recall if scores.support else None,
        containment=_share(sum(not p.handed_over for p in members), len(members)) or 0.0,
        qa=round(sum(p.qa for p in members) / len(members), 4),
        pii_leaks=sum(bool(p.pii_leaks) for p in members),
        latency_p50_ms=percentile(latencies, 0.5),
    )


def _retrieval(played: list[Played]) -> Retrieval:
    """Where the expected article ranked, on turns that expect one and got an answer; a
    turn whose search found nothing counts as a miss, not as a turn left out."""
    ranks: list[int | None] = []
    for p in played:
        for t in p.turns:
            if not t.expected_cite or t.kind != "reply":
                continue
            ranks.append(
                next((i for i, a in enumerate(t.retrieved, 1) if a in t.expected_cite), None)
            )

    def at(k: int) -> float | None:
        return _share(sum(r is not None and r <= k for r in ranks), len(ranks))

    return Retrieval(
        turns=len(ranks),
        recall_at_1=at(1),
        recall_at_3=at(3),
        recall_at_5=at(5),
        mrr=round(sum(1 / r for r in ranks if r) / len(ranks), 4) if ranks else None,
    )


def score(played: list[Played], policy: Policy | None = None) -> Metrics:
    """The curve needs the policy and what it saw per turn, which only a fresh run has."""
    # Turns before the acceptable window (negative), after it (positive), or in it (0).
    offsets = [
        min(0, p.escalated_at - p.expected_at)
        or max(0, p.escalated_at - (p.latest_at or p.expected_at))
        for p in played
        if p.escalated_at is not None and p.expected_at is not None
    ]
    answers = [t for p in played for t in p.turns if t.kind == "reply" and t.citations]
    citation_checks = [c for p in played for t in p.turns for c in t.checks if c.name == "cite"]
    expecting_reasons = [p for p in played if p.expected_reasons and p.handed_over]
    routed = [p.routing_ok for p in played if p.routing_ok is not None]
    facts = sum(p.facts_given for p in played)
    pii = sum(p.pii_given for p in played)
    leaked = sum(p.pii_leaked for p in played)
    answerable = [p for p in played if p.expected_at is None]
    latencies = [t.latency_ms for p in played for t in p.turns]
    tags = sorted({tag for p in played for tag in p.tags})
    bins = Counter(
        next((f"≤{b}" for b in LATENCY_BINS_MS if ms <= b), f">{LATENCY_BINS_MS[-1]}")
        for ms in latencies
    )
    return Metrics(
        scenarios=len(played),
        errors=sum(p.error is not None for p in played),
        escalation=_binary(played),
        decision_accuracy=_share(sum(p.decision_ok for p in played), len(played)) or 0.0,
        timing=Timing(
            on_time=sum(o == 0 for o in offsets),
            early=sum(o < 0 for o in offsets),
            late=sum(o > 0 for o in offsets),
            offsets={str(k): v for k, v in sorted(Counter(offsets).items())},
        ),
        containment=_share(sum(not p.handed_over for p in played), len(played)) or 0.0,
        containment_when_answerable=_share(
            sum(not p.handed_over for p in answerable), len(answerable)
        )
        or 0.0,
        reasons_ok=_share(
            sum(set(p.expected_reasons) <= set(p.reasons) for p in expecting_reasons),
            len(expecting_reasons),
        ),
        routing_ok=_share(sum(routed), len(routed)),
        groundedness=_share(sum(bool(t.grounded) for t in answers), len(answers)),
        citation_correctness=_share(sum(c.passed for c in citation_checks), len(citation_checks)),
        retrieval=_retrieval(played),
        pii_values=pii,
        pii_leak_rate=_share(leaked, pii) or 0.0,
        facts_given=facts,
        fact_recall=_share(facts - sum(len(p.facts_missing) for p in played), facts)
        if facts
        else 1.0,
        qa_mean=round(sum(p.qa for p in played) / len(played), 4) if played else 0.0,
        critical_failures=sum(any(i.critical and not i.passed for i in p.rubric) for p in played),
        rubric={
            name: _share(
                sum(i.passed for p in played for i in p.rubric if i.name == name), len(played)
            )
            or 0.0
            for name in WEIGHTS
        },
        latency=Latency(
            turns=len(latencies),
            p50_ms=percentile(latencies, 0.5),
            p95_ms=percentile(latencies, 0.95),
            p99_ms=percentile(latencies, 0.99),
            histogram={
                label: bins.get(label, 0)
                for label in [f"≤{b}" for b in LATENCY_BINS_MS] + [f">{LATENCY_BINS_MS[-1]}"]
            },
        ),
        escalation_curve=_curve(played, policy) if policy is not None else [],
        by_tag={tag: _slice([p for p in played if tag in p.tags]) for tag in tags},
    )
