"""`warmline eval handoff`: scripted conversations through the real service.

Each scenario's customer turns go through the same path a widget's messages take
(guard, redaction, store, graph, policy, packet) until the bot hands over or the
script ends. Scored: whether it handed over (precision/recall/F1), how many turns
early or late, the routing it asked for (skills, priority), and the summary's fact
recall: of the facts the customer had given by the handoff, how many the packet's
summary carries (verbatim, or as the placeholder their value was redacted to). The
transcript is left out of that count on purpose: it holds everything, so it would
make any summary look complete.
"""

import json
import tempfile
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field

from warmline.config import Settings
from warmline.evals.metrics import BinaryScores
from warmline.evals.output import table
from warmline.guardrails.redaction import PlaceholderBook
from warmline.server.runtime import running
from warmline.server.service import ConversationService


class Expectation(BaseModel):
    skills: list[str] | None = None
    priority: str | None = None


class Scenario(BaseModel):
    id: str
    category: str
    turns: list[str] = Field(min_length=1)
    request_human_at: int | None = None
    escalate_at: int | None = None
    facts: list[str] = Field(default_factory=list)
    expect: Expectation | None = None
    note: str = ""


class Outcome(BaseModel):
    id: str
    category: str
    expected_at: int | None
    escalated_at: int | None
    reasons: list[str] = Field(default_factory=list)
    summary_written_by: str | None = None
    facts_given: int = 0
    facts_missing: list[str] = Field(default_factory=list)
    skills_ok: bool | None = None
    priority_ok: bool | None = None


class Timing(BaseModel):
    on_time: int
    early: int
    late: int
    mean_offset: float = Field(description="Mean of escalated_at - escalate_at (negative: early).")
    offsets: dict[str, int]


class CategoryScores(BaseModel):
    scenarios: int
    decision_accuracy: float
    fact_recall: float | None


class HandoffReport(BaseModel):
    dataset: str
    scenarios: int
    summary_builder: str
    summaries_written_by: dict[str, int]
    escalation: BinaryScores
    timing: Timing
    fact_recall: float
    facts_given: int
    routing_accuracy: dict[str, float | None]
    categories: dict[str, CategoryScores]
    outcomes: list[Outcome]


def load(path: Path) -> list[Scenario]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Scenario.model_validate_json(line) for line in lines if line.strip()]


async def _play(service: ConversationService, scenario: Scenario) -> Outcome:
    conversation = await service.start()
    escalated_at = None
    for number, text in enumerate(scenario.turns, start=1):
        await service.customer_message(
            conversation.id,
            text,
            f"{scenario.id}-{number}",
            force_human=number == scenario.request_human_at,
        )
        await service.drain()
        if (await service.get(conversation.id)).mode != "bot":
            escalated_at = number
            break
    outcome = Outcome(
        id=scenario.id,
        category=scenario.category,
        expected_at=scenario.escalate_at,
        escalated_at=escalated_at,
    )
    entry = await service.queue.entry(conversation.id)
    if entry is None:
        return outcome
    packet = entry.packet
    outcome.reasons = [r.code for r in packet.decision.reasons]
    outcome.summary_written_by = packet.summary.written_by
    said = " ".join(scenario.turns[: escalated_at or len(scenario.turns)])
    given = [fact for fact in scenario.facts if fact in said]
    outcome.facts_given = len(given)
    book = PlaceholderBook(await service.placeholders.load(conversation.id))
    summary = packet.summary.model_dump_json().lower()
    for fact in given:
        redacted = _redacted(service, fact, book)
        if fact.lower() not in summary and redacted.lower() not in summary:
            outcome.facts_missing.append(redacted)
    if scenario.expect is not None:
        if scenario.expect.skills is not None:
            outcome.skills_ok = sorted(scenario.expect.skills) == sorted(packet.decision.skills)
        if scenario.expect.priority is not None:
            outcome.priority_ok = scenario.expect.priority == packet.decision.priority
    return outcome


def _redacted(service: ConversationService, fact: str, book: PlaceholderBook) -> str:
    """The fact as the conversation's redaction wrote it (reports never hold the value)."""
    verdict = service.guard.inspect(fact, book)
    return verdict.redaction.text if verdict.redaction else "<REFUSED>"


async def evaluate(
    path: Path, settings: Settings, data_dir: Path | None = None, limit: int | None = None
) -> HandoffReport:
    """Plays the scenarios in a data folder of their own (a fresh one unless given)."""
    scenarios = load(path)[:limit]
    with tempfile.TemporaryDirectory() as folder:
        isolated = settings.model_copy(update={"data_dir": data_dir or Path(folder)})
        async with running(isolated) as runtime:
            outcomes = [await _play(runtime.service, s) for s in scenarios]
    return _score(path, outcomes, "llm" if settings.llm.base_url else "extractive")


def _score(path: Path, outcomes: list[Outcome], builder: str) -> HandoffReport:
    timed = [
        o.escalated_at - o.expected_at
        for o in outcomes
        if o.escalated_at is not None and o.expected_at is not None
    ]
    given = sum(o.facts_given for o in outcomes)
    found = given - sum(len(o.facts_missing) for o in outcomes)
    categories: dict[str, CategoryScores] = {}
    for category in sorted({o.category for o in outcomes}):
        members = [o for o in outcomes if o.category == category]
        facts = sum(o.facts_given for o in members)
        categories[category] = CategoryScores(
            scenarios=len(members),
            decision_accuracy=round(
                sum((o.escalated_at is None) == (o.expected_at is None) for o in members)
                / len(members),
                4,
            ),
            fact_recall=round(1 - sum(len(o.facts_missing) for o in members) / facts, 4)
            if facts
            else None,
        )
    return HandoffReport(
        dataset=str(path),
        scenarios=len(outcomes),
        summary_builder=builder,
        summaries_written_by=dict(
            Counter(o.summary_written_by for o in outcomes if o.summary_written_by)
        ),
        escalation=BinaryScores.of(
            (o.expected_at is not None, o.escalated_at is not None) for o in outcomes
        ),
        timing=Timing(
            on_time=sum(t == 0 for t in timed),
            early=sum(t < 0 for t in timed),
            late=sum(t > 0 for t in timed),
            mean_offset=round(sum(timed) / len(timed), 3) if timed else 0.0,
            offsets={str(k): v for k, v in sorted(Counter(timed).items())},
        ),
        fact_recall=round(found / given, 4) if given else 1.0,
        facts_given=given,
        routing_accuracy={
            "skills": _share([o.skills_ok for o in outcomes]),
            "priority": _share([o.priority_ok for o in outcomes]),
        },
        categories=categories,
        outcomes=outcomes,
    )


def _share(checks: list[bool | None]) -> float | None:
    scored = [c for c in checks if c is not None]
    return round(sum(scored) / len(scored), 4) if scored else None


def render(report: HandoffReport) -> str:
    e, t = report.escalation, report.timing
    lines = [
        f"{report.scenarios} scenarios from {report.dataset} ({report.summary_builder} summary; "
        f"written by {json.dumps(report.summaries_written_by)})",
        "",
        table(
            ["escalation", "precision", "recall", "f1", "tp", "fp", "fn", "tn"],
            [["handed over", e.precision, e.recall, e.f1, e.tp, e.fp, e.fn, e.tn]],
        ),
        "",
        f"timing of correct handoffs: {t.on_time} on time, {t.early} early, {t.late} late "
        f"(turn offsets {json.dumps(t.offsets)}, mean {t.mean_offset:+.2f})",
        f"summary fact recall: {report.fact_recall:.3f} of {report.facts_given} facts",
        f"routing: skills {report.routing_accuracy['skills']}, "
        f"priority {report.routing_accuracy['priority']}",
        "",
        table(
            ["category", "scenarios", "decision accuracy", "fact recall"],
            [
                [
                    name,
                    c.scenarios,
                    c.decision_accuracy,
                    "-" if c.fact_recall is None else c.fact_recall,
                ]
                for name, c in report.categories.items()
            ],
        ),
    ]
    wrong = [
        o
        for o in report.outcomes
        if (o.escalated_at is None) != (o.expected_at is None) or o.facts_missing
    ]
    if wrong:
        lines += ["", "misses:"]
        lines += [
            f"  {o.id} [{o.category}] expected {o.expected_at}, handed over at "
            f"{o.escalated_at} {o.reasons or ''}"
            + (f" missing facts {o.facts_missing}" if o.facts_missing else "")
            for o in wrong
        ]
    return "\n".join(lines)
