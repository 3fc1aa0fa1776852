"""`warmline eval compare BASELINE CANDIDATE [--gate]`: what got better, what broke.

Metrics are recomputed over the scenarios both reports played, so a run of part of
a suite (one tag, a quick subset) compares fairly with a full baseline. The gate
fails on any metric that worsened by more than the suite's tolerance for it, and
lists the scenarios whose verdict flipped, so a regression comes with its examples.
"""

from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from warmline.evals.output import table
from warmline.evals.suite.gate import DIRECTIONS
from warmline.evals.suite.run import RunReport
from warmline.evals.suite.score import Metrics, score
from warmline.evals.suite.suite import SuiteError


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
    changed: list[str] = Field(description="Scenarios edited since the baseline: not compared.")
    deltas: list[Delta]
    flips: list[Flip]

    @property
    def regressions(self) -> list[Delta]:
        return [d for d in self.deltas if d.regressed]

    @property
    def failed_gate(self) -> list[str]:
        """Why the gate fails: regressed metrics, or nothing to compare at all."""
        if self.common == 0:
            return ["no scenario in common with the baseline"]
        return [f"{d.metric} worsened beyond tolerance" for d in self.regressions]


def _value(metrics: Metrics, path: str) -> float | None:
    value: object = metrics
    for part in path.split("."):
        value = getattr(value, part)
    return None if value is None else float(value)  # type: ignore[arg-type]


def compare(baseline: RunReport, candidate: RunReport, gate: dict[str, float]) -> Comparison:
    before = {p.id: p for p in baseline.played}
    after = {p.id: p for p in candidate.played}
    shared = [i for i in before if i in after]
    changed = [i for i in shared if before[i].digest != after[i].digest]
    common = [i for i in shared if i not in changed]
    old = score([before[i] for i in common])
    new = score([after[i] for i in common])
    deltas = []
    for metric, higher_is_better in DIRECTIONS.items():
        was, now, tolerance = _value(old, metric), _value(new, metric), gate.get(metric)
        worse = 0.0
        if was is not None and now is not None:
            worse = was - now if higher_is_better else now - was
        elif was is not None:
            worse = float("inf")  # a figure the baseline had is gone: nothing measured it
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
            was_ok=before[i].passed,
            now_ok=after[i].passed,
            detail="; ".join(
                f"{item.name}: {item.detail}" for item in after[i].rubric if not item.passed
            )
            or (after[i].error or ""),
        )
        for i in common
        if before[i].passed != after[i].passed
    ]
    return Comparison(
        common=len(common),
        only_in_baseline=len(set(before) - set(after)),
        only_in_candidate=len(set(after) - set(before)),
        changed=changed,
        deltas=deltas,
        flips=flips,
    )


def load_report(path: Path) -> RunReport:
    try:
        return RunReport.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SuiteError(f"cannot read the report {path}: {exc.strerror}") from exc
    except ValidationError as exc:
        raise SuiteError(f"{path} is not a run report: {exc.error_count()} errors") from exc


def render(comparison: Comparison) -> str:
    rows: list[list[object]] = [
        [
            d.metric,
            d.baseline,
            d.candidate,
            None if d.baseline is None or d.candidate is None else d.candidate - d.baseline,
            d.tolerance,
            "REGRESSED" if d.regressed else "",
        ]
        for d in comparison.deltas
    ]
    lines = [
        f"{comparison.common} scenarios in both reports ({comparison.only_in_baseline} only in "
        f"the baseline, {comparison.only_in_candidate} only in the candidate"
        + (f", {len(comparison.changed)} edited since and left out" if comparison.changed else "")
        + ")",
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
