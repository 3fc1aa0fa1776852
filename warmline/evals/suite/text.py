"""The run report as a terminal summary: the figures first, then what failed and why."""

from warmline.evals.output import table
from warmline.evals.suite.run import RunReport


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
        f"conversations the bot should keep; reasons {m.reasons_ok}, routing {m.routing_ok}",
        f"citations correct {m.citation_correctness}, grounded {m.groundedness}; retrieval "
        f"recall@1 {r.recall_at_1} @3 {r.recall_at_3} @5 {r.recall_at_5} MRR {r.mrr} "
        f"({r.turns} turns)",
        f"PII leak rate {m.pii_leak_rate:.3f} of {m.pii_values} values; summary fact recall "
        f"{m.fact_recall:.3f} of {m.facts_given}",
        f"QA {m.qa_mean:.3f} (critical failures {m.critical_failures}): "
        + ", ".join(f"{k} {v:.2f}" for k, v in m.rubric.items()),
        f"turn latency p50 {m.latency.p50_ms} ms, p95 {m.latency.p95_ms} ms, "
        f"p99 {m.latency.p99_ms} ms over {m.latency.turns} turns",
        *(
            [
                f"LLM judge ({report.judge.model}): tone {report.judge.tone_mean}, helpfulness "
                f"{report.judge.helpfulness_mean} over {report.judge.judged} replies; agrees "
                f"with the tone rules {report.judge.agreement} (kappa {report.judge.kappa})"
            ]
            if report.judge
            else []
        ),
        "",
        table(
            ["tag", "n", "decision", "precision", "recall", "containment", "qa", "leaks"],
            [
                [
                    tag,
                    s.scenarios,
                    s.decision_accuracy,
                    s.precision,
                    s.recall,
                    s.containment,
                    s.qa,
                    s.pii_leaks,
                ]
                for tag, s in m.by_tag.items()
            ],
        ),
    ]
    failed = [p for p in report.played if not p.passed]
    if failed:
        lines += ["", f"{len(failed)} scenarios with a failed rubric item:"]
        for p in failed:
            items = "; ".join(
                f"{i.name}: {i.detail}" if i.detail else i.name for i in p.rubric if not i.passed
            )
            lines.append(f"  {p.id} [{p.tags[0]}] {p.error or items}")
    return "\n".join(lines)
