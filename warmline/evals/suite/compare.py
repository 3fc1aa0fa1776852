"""`warmline eval compare BASELINE CANDIDATE [--gate]`: what got better, what broke.

Metrics are recomputed over the scenarios both reports played, so a run of part of
a suite (one tag, a quick subset) compares fairly with a full baseline. The gate
fails on any metric that worsened by more than the suite's tolerance for it, and
lists the scenarios whose verdict flipped, so a regression comes with its examples.
"""

from pathlib import Path

from pydantic import BaseModel

from warmline.evals.output import table
from warmline.evals.suite.play import Played
from warmline.evals.suite.run import RunReport
from warmline.evals.suite.score import Metrics, score

# Metrics compared, and whether higher is better.
DIRECTIONS: dict[str, bool] = {
    "escalation.precision": True,
    "escalation.recall": True,
    "escalation.f1": True,
    "decision_accuracy": True,
    "containment": True,
    "containment_when_answerable": True,
    "reasons_ok": True,
    "routing_ok": True,
    "citation_correctness": True,
    "groundedness": True,
    "retrieval.recall_at_5": True,
    "retrieval.mrr": True,
    "pii_leak_rate": False,
    "fact_recall": True,
    "qa_mean": True,
    "critical_failures": False,
    "errors": False,
    "latency.p95_ms": False,
}
# Used when the suite sets no [gate]: the decision, safety and grounding figures.
DEFAULT_GATE = {
    "escalation.f1": 0.03,
    "decision_accuracy": 0.03,
    "pii_leak_rate": 0.0,
    "fact_recall": 0.02,
    "qa_mean": 0.03,
    "critical_failures": 0,
    "errors": 0,
}


class Delta(BaseModel):
    metric: str
    baseline: float | None
    candidate: float | None
    tolerance: float | None
    regressed: bool


class Flip(BaseModel):
    id: str
    was_ok: bool
    now_ok: bool
    detail: str


class Comparison(BaseModel):
    common: int
    only_in_baseline: int
    only_in_candidate: int
    deltas: list[Delta]
    flips: list[Flip]

    @property
    def regressions(self) -> list[Delta]:
        return [d for d in self.deltas if d.regressed]


def _value(metrics: Metrics, path: str) -> float | None:
    value: object = metrics
    for part in path.split("."):
        value = getattr(value, part)
    return None if value is None else float(value)  # type: ignore[arg-type]


def _ok(p: Played) -> bool:
    return p.error is None and all(i.passed for i in p.rubric)


def compare(baseline: RunReport, candidate: RunReport, gate: dict[str, float]) -> Comparison:
    before = {p.id: p for p in baseline.played}
    after = {p.id: p for p in candidate.played}
    common = [i for i in before if i in after]
    old = score([before[i] for i in common], baseline.thresholds)
    new = score([after[i] for i in common], candidate.thresholds)
    deltas = []
    for metric, higher_is_better in DIRECTIONS.items():
        was, now, tolerance = _value(old, metric), _value(new, metric), gate.get(metric)
        worse = 0.0
        if was is not None and now is not None:
            worse = was - now if higher_is_better else now - was
        deltas.append(
            Delta(
                metric=metric,
                baseline=was,
                candidate=now,
                tolerance=tolerance,
                regressed=tolerance is not None and worse > tolerance + 1e-9,
            )
        )
    flips = [
        Flip(
            id=i,
            was_ok=_ok(before[i]),
            now_ok=_ok(after[i]),
            detail="; ".join(
                f"{item.name}: {item.detail}" for item in after[i].rubric if not item.passed
            )
            or (after[i].error or ""),
        )
        for i in common
        if _ok(before[i]) != _ok(after[i])
    ]
    return Comparison(
        common=len(common),
        only_in_baseline=len(set(before) - set(after)),
        only_in_candidate=len(set(after) - set(before)),
        deltas=deltas,
        flips=flips,
    )


def load_report(path: Path) -> RunReport:
    return RunReport.model_validate_json(path.read_text(encoding="utf-8"))


def render(comparison: Comparison) -> str:
    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.4g}"

    rows: list[list[object]] = [
        [
            d.metric,
            cell(d.baseline),
            cell(d.candidate),
            cell(None if d.baseline is None or d.candidate is None else d.candidate - d.baseline),
            cell(d.tolerance),
            "REGRESSED" if d.regressed else "",
        ]
        for d in comparison.deltas
    ]
    lines = [
        f"{comparison.common} scenarios in both reports ({comparison.only_in_baseline} only in "
        f"the baseline, {comparison.only_in_candidate} only in the candidate)",
        "",
        table(["metric", "baseline", "candidate", "delta", "tolerance", ""], rows),
    ]
    broke = [f for f in comparison.flips if f.was_ok]
    fixed = [f for f in comparison.flips if f.now_ok]
    if broke:
        lines += ["", f"{len(broke)} scenarios now fail:"]
        lines += [f"  {f.id}: {f.detail}" for f in broke]
    if fixed:
        lines += ["", f"{len(fixed)} scenarios now pass: " + ", ".join(f.id for f in fixed)]
    return "\n".join(lines)
