"""`warmline eval tune SUITE`: thresholds that meet a recall target with the most containment.

The suite is played once in shadow: the thresholds are set out of reach, so the bot
keeps every conversation that only a threshold would have handed over, and what the
policy saw on every turn is recorded. Any other setting is then decided exactly, by
the product's own policy code over those recordings (`pressure.redecide`), without
playing again: a threshold changes when the bot hands over, never what the customer
said before it did. Requests for a person and sensitive topics hand over in the
shadow run too; no threshold can change those.

Thresholds are chosen on split A by coordinate search (each threshold over its grid
in turn, twice round) and reported on split B, which the search never saw.

`low_confidence` is not searched: it also decides whether a follow-up is searched with
the question before it, which changes the confidence recorded, so a different value
could not be re-decided exactly without playing again. Its strike count is searched.
"""

from pathlib import Path

from pydantic import BaseModel

from warmline.config import Settings
from warmline.evals.metrics import BinaryScores
from warmline.evals.suite.play import Played
from warmline.evals.suite.pressure import OUT_OF_REACH, redecide, with_thresholds
from warmline.evals.suite.run import RunOptions, play_all
from warmline.evals.suite.suite import Suite, SuiteError
from warmline.handoff.policy_file import Policy, Thresholds, load_policy

GRID: dict[str, list[float]] = {
    "low_confidence_strikes": [1, 2, 3],
    "negative_sentiment": [-0.9, -0.8, -0.7, -0.6, -0.5, -0.4],
    "sentiment_drop": [0.6, 0.8, 1.0, 1.2, 1.5],
    "frustration": [0.3, 0.4, 0.5, 0.6, 0.7, 0.9],
    "loop_similarity": [0.4, 0.5, 0.6, 0.7, 0.8],
    "turn_limit": [4, 5, 6, 8, 10, 12],
}
ROUNDS = 2
HOLD_MARGIN = 0.05


class Figures(BaseModel):
    scenarios: int
    recall: float
    precision: float
    f1: float
    containment: float
    on_time: float


class SplitResult(BaseModel):
    current: Figures
    proposed: Figures


class TuneReport(BaseModel):
    suite: str
    target_recall: float
    current: Thresholds
    proposed: Thresholds
    changed: dict[str, tuple[float, float]]
    split_a: SplitResult
    split_b: SplitResult
    holds: bool
    verdict: str


def handed_over_at(played: Played, policy: Policy) -> int | None:
    return redecide([t.facts for t in played.turns if t.facts], policy)


def figures(recordings: list[Played], policy: Policy) -> Figures:
    """A handoff after the latest acceptable turn counts as missed: the customer was failed."""
    decided = [(p, handed_over_at(p, policy)) for p in recordings]
    caught = [
        (p.expected_at is not None, at is not None and at <= (p.latest_at or at))
        if p.expected_at is not None
        else (False, at is not None)
        for p, at in decided
    ]
    scores = BinaryScores.of(caught)
    timely = [
        p.expected_at <= at <= (p.latest_at or p.expected_at)
        for p, at in decided
        if p.expected_at is not None and at is not None
    ]
    return Figures(
        scenarios=len(decided),
        recall=scores.recall,
        precision=scores.precision,
        f1=scores.f1,
        containment=round(sum(at is None for _, at in decided) / len(decided), 4),
        on_time=round(sum(timely) / len(timely), 4) if timely else 0.0,
    )


def _better(a: Figures, b: Figures, target: float) -> bool:
    """Meeting the target first; then most containment; then precision."""
    if (a.recall >= target) != (b.recall >= target):
        return a.recall >= target
    if a.recall < target:
        return a.recall > b.recall
    return (a.containment, a.precision) > (b.containment, b.precision)


def search(recordings: list[Played], policy: Policy, target: float) -> Policy:
    best, best_figures = policy, figures(recordings, policy)
    for _ in range(ROUNDS):
        for name, values in GRID.items():
            for value in values:
                candidate = with_thresholds(best, **{name: value})
                found = figures(recordings, candidate)
                if _better(found, best_figures, target):
                    best, best_figures = candidate, found
    return best


async def record(suite: Suite, settings: Settings, workers: int) -> tuple[list[Played], Policy]:
    """The shadow run; returns what it recorded and the suite's real policy."""
    policy = settings.policy if suite.policy is None else load_policy(suite.policy)
    shadow = with_thresholds(policy, **OUT_OF_REACH)
    suite_in_shadow = suite.model_copy(update={"policy": None})
    played, _ = await play_all(
        suite_in_shadow,
        settings.model_copy(update={"policy": shadow}),
        RunOptions(workers=workers, progress=True),
        out=None,
    )
    return played, policy


async def tune(
    suite: Suite, settings: Settings, target_recall: float | None, workers: int = 4
) -> TuneReport:
    ids = {name: {s.id for s in suite.split(name)} for name in ("a", "b")}
    if not all(ids.values()):
        raise SuiteError("tuning needs two scenarios in a category at least: a split is empty")
    recordings, policy = await record(suite, settings, workers)
    split = {name: [r for r in recordings if r.id in ids[name]] for name in ids}
    target = target_recall if target_recall is not None else figures(split["a"], policy).recall
    proposed = search(split["a"], policy, target)
    results = {
        name: SplitResult(current=figures(rs, policy), proposed=figures(rs, proposed))
        for name, rs in split.items()
    }
    a, b = results["a"], results["b"]
    # Holding means the target recall is met on data the search never saw; and when the
    # target asked for no more recall than today's, that containment was gained there too.
    raised = target > a.current.recall
    holds = b.proposed.recall >= target - HOLD_MARGIN and (
        raised or b.proposed.containment >= b.current.containment
    )
    return TuneReport(
        suite=str(suite.path),
        target_recall=target,
        current=policy.thresholds,
        proposed=proposed.thresholds,
        changed={
            name: (float(before), float(after))
            for (name, before), after in zip(
                policy.thresholds.model_dump().items(),
                proposed.thresholds.model_dump().values(),
                strict=True,
            )
            if before != after
        },
        split_a=results["a"],
        split_b=results["b"],
        holds=holds,
        verdict=(
            f"holds on split B: recall within {HOLD_MARGIN} of the target"
            + ("" if raised else " and containment no worse than today's")
            if holds
            else "does not hold on split B: keep the current thresholds"
        ),
    )


def render(report: TuneReport) -> str:
    lines = [f"target recall {report.target_recall:.3f} (split A); proposed changes:"]
    lines += [f"  {k}: {a} -> {b}" for k, (a, b) in report.changed.items()] or ["  none"]
    for name, result in (("A (tuned on)", report.split_a), ("B (held out)", report.split_b)):
        lines.append(f"split {name}, {result.current.scenarios} scenarios:")
        for label, f in (("current ", result.current), ("proposed", result.proposed)):
            lines.append(
                f"  {label} recall {f.recall:.3f} precision {f.precision:.3f} f1 {f.f1:.3f} "
                f"containment {f.containment:.3f} on time {f.on_time:.3f}"
            )
    lines.append(report.verdict)
    return "\n".join(lines)


def thresholds_toml(thresholds: Thresholds) -> str:
    return "[thresholds]\n" + "".join(f"{k} = {v}\n" for k, v in thresholds.model_dump().items())


def write_proposal(report: TuneReport, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "tune.json").write_text(report.model_dump_json(indent=1) + "\n", encoding="utf-8")
    (out / "proposed-thresholds.toml").write_text(thresholds_toml(report.proposed))
