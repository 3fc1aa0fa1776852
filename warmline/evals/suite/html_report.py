"""The run report as one HTML page: figures, the change against the suite's baseline,
plots, failures grouped by what failed, and every scenario's transcript.

Self-contained (inline CSS and SVG, no script, nothing fetched) so it can be opened
from a CI artifact or a laptop offline; the failure filters are radio buttons styled
with CSS. Texts are the redacted ones the report holds.
"""

import re
from collections import defaultdict
from html import escape
from pathlib import Path

from warmline.evals.output import NOT_APPLICABLE, number
from warmline.evals.suite.charts import bars, curve
from warmline.evals.suite.compare import Comparison
from warmline.evals.suite.failures import failure_kinds
from warmline.evals.suite.gate import DIRECTIONS
from warmline.evals.suite.play import Played
from warmline.evals.suite.run import RunReport
from warmline.evals.suite.score import Slice

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1d1d1f;
padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
.grid{display:flex;flex-wrap:wrap;gap:1rem}
.card{border:1px solid #d0d0d5;border-radius:8px;padding:.75rem}
table{border-collapse:collapse}td,th{border:1px solid #d0d0d5;padding:.25rem .5rem;text-align:left}
.fail{color:#a31515}.pass{color:#1d6b32}details{border-bottom:1px solid #e5e5ea;padding:.35rem 0}
.turn{margin:.3rem 0 .3rem 1rem}.who{font-weight:600}.bot{color:#284f7d}
td.num{text-align:right;font-variant-numeric:tabular-nums}.better{color:#1d6b32}
.worse{color:#a31515;font-weight:600}.filters label{margin-right:.9rem;white-space:nowrap}
svg{max-width:100%;height:auto}
"""

_f = number


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "other"


def _figures(report: RunReport) -> str:
    m = report.metrics
    e, r = m.escalation, m.retrieval
    rows = [
        ("handoff precision / recall / F1", f"{e.precision:.3f} / {e.recall:.3f} / {e.f1:.3f}"),
        ("decision accuracy (on time, right reasons)", f"{m.decision_accuracy:.3f}"),
        (
            "timing: on time / early / late",
            f"{m.timing.on_time} / {m.timing.early} / {m.timing.late}",
        ),
        (
            "containment (all / should keep)",
            f"{m.containment:.3f} / {m.containment_when_answerable:.3f}",
        ),
        ("reasons / routing as expected", f"{_f(m.reasons_ok)} / {_f(m.routing_ok)}"),
        (
            "citation correctness / groundedness",
            f"{_f(m.citation_correctness)} / {_f(m.groundedness)}",
        ),
        (
            "retrieval recall@1 / @3 / @5 / MRR",
            f"{_f(r.recall_at_1)} / {_f(r.recall_at_3)} / {_f(r.recall_at_5)} / {_f(r.mrr)}",
        ),
        ("PII leak rate", f"{m.pii_leak_rate:.3f} of {m.pii_values} values"),
        ("summary fact recall", f"{m.fact_recall:.3f} of {m.facts_given} facts"),
        ("QA rubric mean / critical failures", f"{m.qa_mean:.3f} / {m.critical_failures}"),
        (
            "turn latency p50 / p95 / p99",
            f"{m.latency.p50_ms:.0f} / {m.latency.p95_ms:.0f} / {m.latency.p99_ms:.0f} ms",
        ),
    ]
    return (
        "<table>"
        + "".join(f"<tr><th scope=row>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
        + "</table>"
    )


def _confusion(report: RunReport) -> str:
    e = report.metrics.escalation
    return (
        "<table aria-label='confusion matrix'><tr><td></td><th scope=col>handed over</th>"
        "<th scope=col>kept by the bot</th></tr>"
        f"<tr><th scope=row>should hand over</th><td>{e.tp}</td><td>{e.fn}</td></tr>"
        f"<tr><th scope=row>should keep</th><td>{e.fp}</td><td>{e.tn}</td></tr></table>"
    )


def _plots(report: RunReport) -> str:
    m = report.metrics
    current = (m.escalation.recall, m.escalation.precision)
    charts = [
        curve(
            [(p.recall, p.precision) for p in m.escalation_curve],
            "Precision-recall of the escalation score",
            current,
        ),
        bars(
            {t: s.decision_accuracy for t, s in m.by_tag.items()},
            "Decision accuracy by tag",
            "accuracy",
            top=1.0,
        ),
        bars({t: s.qa for t, s in m.by_tag.items()}, "QA rubric by tag", "QA", top=1.0),
        bars(
            {f"{k} ms": float(v) for k, v in m.latency.histogram.items()},
            "Turn latency (ms)",
            "turns",
        ),
    ]
    return "<div class=grid>" + "".join(f"<div class=card>{c}</div>" for c in charts) + "</div>"


def _tags(report: RunReport) -> str:
    head = ("tag", *Slice.COLUMNS)
    rows = "".join(
        f"<tr><th scope=row>{escape(t)}</th>"
        + "".join(f"<td class=num>{_f(v)}</td>" for v in s.row())
        + "</tr>"
        for t, s in report.metrics.by_tag.items()
    )
    return "<table><tr>" + "".join(f"<th scope=col>{h}</th>" for h in head) + f"</tr>{rows}</table>"


def _baseline(comparison: Comparison | None) -> str:
    """Every gated metric beside the suite's baseline, so a change is read as a change."""
    if comparison is None:
        return "<p>No baseline.json in the suite folder: nothing to compare with.</p>"

    def cell(metric: str, value: float | None) -> str:
        counted = metric in ("critical_failures", "errors") or metric.endswith("_ms")
        return _f(round(value) if counted and value is not None else value)

    rows = []
    for d in comparison.deltas:
        delta = None if d.baseline is None or d.candidate is None else d.candidate - d.baseline
        status, css = "", ""
        if d.regressed:
            status, css = "regressed beyond tolerance", "worse"
        elif delta:
            better = (delta > 0) == DIRECTIONS[d.metric]
            status, css = ("better", "better") if better else ("worse, within tolerance", "")
        shown = NOT_APPLICABLE if delta is None else f"{delta:+.3f}"
        rows.append(
            f"<tr><th scope=row>{escape(d.metric)}</th>"
            f"<td class=num>{cell(d.metric, d.baseline)}</td>"
            f"<td class=num>{cell(d.metric, d.candidate)}</td><td class='num {css}'>{shown}</td>"
            f"<td class=num>{cell(d.metric, d.tolerance)}</td><td class={css}>{status}</td></tr>"
        )
    flips = "".join(
        f"<li class={'pass' if f.now_ok else 'fail'}><a href='#{escape(f.id)}'>{escape(f.id)}</a>"
        f" now {'passes' if f.now_ok else 'fails'}{': ' + escape(f.detail) if f.detail else ''}"
        "</li>"
        for f in comparison.flips
    )
    left_out = (
        f"; {len(comparison.changed)} edited since and left out" if comparison.changed else ""
    )
    return (
        f"<p>Over the {comparison.common} scenarios both runs played{left_out}.</p>"
        "<table aria-label='against the baseline'><tr><th scope=col>metric</th>"
        "<th scope=col>baseline</th><th scope=col>this run</th><th scope=col>delta</th>"
        "<th scope=col>tolerance</th><th scope=col>status</th></tr>"
        + "".join(rows)
        + "</table>"
        + (f"<h3>Scenarios that flipped</h3><ul>{flips}</ul>" if flips else "")
    )


def _failures(played: list[Played]) -> tuple[str, str]:
    """Failing scenarios grouped by what failed, and the CSS that makes each group a filter."""
    groups: dict[str, list[str]] = defaultdict(list)
    for p in played:
        for name in failure_kinds(p):
            groups[name].append(p.id)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    failing = sum(not p.passed for p in played)
    radios = [
        ("all", f"every scenario ({len(played)})"),
        ("failed", f"any failure ({failing})"),
        *((_slug(name), f"{name} ({len(ids)})") for name, ids in ordered),
    ]
    filters = "".join(
        f"<label><input type=radio name=show id='show-{key}'{' checked' if key == 'all' else ''}>"
        f" {escape(text)}</label>"
        for key, text in radios
    )
    css = "body:has(#show-failed:checked) details.pass{display:none}" + "".join(
        f"body:has(#show-{_slug(name)}:checked) details:not(.f-{_slug(name)}){{display:none}}"
        for name, _ in ordered
    )
    table = "".join(
        f"<tr><th scope=row>{escape(name)}</th><td class=num>{len(ids)}</td><td>"
        + ", ".join(f"<a href='#{escape(i)}'>{escape(i)}</a>" for i in ids)
        + "</td></tr>"
        for name, ids in ordered
    )
    html = (
        "<table aria-label='failures by reason'><tr><th scope=col>what failed</th>"
        f"<th scope=col>scenarios</th><th scope=col>which</th></tr>{table}</table>"
        if ordered
        else "<p>Every scenario passed every item.</p>"
    )
    return html + f"<h2>Scenarios</h2><p class=filters>Show: {filters}</p>", css


def _scenario(p: Played) -> str:
    verdict = "pass" if p.passed else "fail"
    outcome = (
        f"handed over at turn {p.escalated_at} ({', '.join(p.reasons)})"
        if p.handed_over
        else "kept by the bot"
    )
    expected = f"expected turn {p.expected_at}" if p.expected_at else "expected: bot keeps it"
    turns = "".join(
        f"<div class=turn><span class=who>customer:</span> {escape(t.said)}</div>"
        f"<div class='turn bot'><span class=who>bot ({t.kind}, {t.latency_ms} ms"
        f"{', cites ' + escape(', '.join(t.citations)) if t.citations else ''}):</span> "
        f"{escape(t.reply)}</div>"
        + "".join(
            f"<div class='turn fail'>✗ {escape(c.name)} {escape(c.detail)}</div>"
            for c in t.checks
            if not c.passed
        )
        for t in p.turns
    )
    items = "".join(
        f"<li class={'pass' if i.passed else 'fail'}>{escape(i.name)}"
        f"{' (critical)' if i.critical else ''}: {'pass' if i.passed else 'fail'}"
        f"{' - ' + escape(i.detail) if i.detail else ''}</li>"
        for i in p.rubric
    )
    extra = "".join(
        f"<p>{escape(label)}: {escape(', '.join(values))}</p>"
        for label, values in (
            ("why", p.reason_words),
            ("facts missing from the summary", p.facts_missing),
            ("PII found", p.pii_leaks),
        )
        if values
    )
    return (
        f"<details id='{escape(p.id)}' class='{verdict} "
        + " ".join(f"f-{_slug(name)}" for name in failure_kinds(p))
        + f"'><summary><span class={verdict}>{verdict}</span> "
        f"<b>{escape(p.id)}</b> [{escape(', '.join(p.tags))}] QA {p.qa:.3f} - "
        f"{escape(outcome)}; {escape(expected)}</summary>{turns}<ul>{items}</ul>{extra}"
        f"{'<p class=fail>' + escape(p.error) + '</p>' if p.error else ''}</details>"
    )


def render_html(report: RunReport, baseline: Comparison | None = None) -> str:
    failing = sum(not p.passed for p in report.played)
    failures, filter_css = _failures(report.played)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>Warmline eval: {escape(report.suite)}</title>"
        f"<style>{STYLE}{filter_css}</style></head>"
        f"<body><main><h1>Eval report: {escape(report.suite)}</h1>"
        f"<p>{escape(report.description)}</p><p>{report.metrics.scenarios} scenarios, "
        f"{escape(report.responder)}, {report.seconds:.0f} s, seed {report.seed}, started "
        f"{report.started:%Y-%m-%d %H:%M} UTC; thresholds "
        f"{escape(report.thresholds.model_dump_json())}"
        f"</p><h2>Figures</h2>{_figures(report)}<h2>Against the baseline</h2>{_baseline(baseline)}"
        f"<h2>Handoff decisions</h2>{_confusion(report)}"
        f"<h2>Plots</h2>{_plots(report)}<h2>By tag</h2>{_tags(report)}"
        f"<h2>Failures by reason ({failing} scenarios with a failed item)</h2>{failures}"
        + "".join(_scenario(p) for p in report.played)
        + "</main></body></html>"
    )


def write_html(report: RunReport, path: Path, baseline: Comparison | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report, baseline), encoding="utf-8")
