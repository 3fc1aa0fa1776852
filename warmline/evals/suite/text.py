"""The run report as a terminal summary: the figures first, then what failed and why."""

from warmline.evals.output import number, table
from warmline.evals.suite.failures import failure_kinds
from warmline.evals.suite.run import RunReport
from warmline.evals.suite.score import Slice


def render(report: RunReport) -> str:
    m = report.metrics
    e, r = m.escalation, m.retrieval
    lines = [
        f"{m.scenarios} scenarios from {report.suite} in {report.seconds:.0f} s "
        f"({report.responder}, {report.workers} workers, seed {report.seed}); errors {m.errors}",
        "",
        table(
            ["handoff", "precision", "recall", "f1", "tp", "fp", "fn", "tn"],
            [["decision", e.precision, e.recall, e.f1, e.tp, e.fp, e.fn, e.tn]],
        ),
        f"timing of correct handoffs: {m.timing.on_time} on time, {m.timing.early} early, "
        f"{m.timing.late} late; decision accuracy {m.decision_accuracy:.3f}",
        f"containment {m.containment:.3f} overall, {m.containment_when_answerable:.3f} of "
        f"conversations the bot should keep; reasons {number(m.reasons_ok)}, "
        f"routing {number(m.routing_ok)}",
        f"citations correct {number(m.citation_correctness)}, grounded "
        f"{number(m.groundedness)}; retrieval recall@1 {number(r.recall_at_1)} "
        f"@3 {number(r.recall_at_3)} @5 {number(r.recall_at_5)} MRR {number(r.mrr)} "
        f"({r.turns} turns)",
        f"PII leak rate {m.pii_leak_rate:.3f} of {m.pii_values} values; summary fact recall "
        f"{m.fact_recall:.3f} of {m.facts_given}",
        f"QA {m.qa_mean:.3f} (critical failures {m.critical_failures}): "
        + ", ".join(f"{k} {v:.2f}" for k, v in m.rubric.items()),
        f"turn latency p50 {m.latency.p50_ms} ms, p95 {m.latency.p95_ms} ms, "
        f"p99 {m.latency.p99_ms} ms over {m.latency.turns} turns",
        *(
            [
                f"LLM judge ({report.judge.model}): tone {number(report.judge.tone_mean)}, "
                f"helpfulness {number(report.judge.helpfulness_mean)} over "
                f"{report.judge.judged} replies; agrees with the tone rules "
                f"{number(report.judge.agreement)} (kappa {number(report.judge.kappa)})"
            ]
            if report.judge
            else []
        ),
        "",
        table(["tag", *Slice.COLUMNS], [[tag, *s.row()] for tag, s in m.by_tag.items()]),
    ]
    groups: dict[str, list[str]] = {}
    for p in report.played:
        for kind in failure_kinds(p):
            groups.setdefault(kind, []).append(p.id)
    if groups:
        failing = sum(not p.passed for p in report.played)
        lines += ["", f"{failing} scenarios with a failed item, by what failed:"]
        for kind, ids in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
            lines.append(f"  {kind} ({len(ids)}): {', '.join(ids)}")
    return "\n".join(lines)
