"""`warmline eval pii`: redaction against a labeled set with gold spans.

What matters for privacy is whether a value stayed visible, so the headline
numbers are type-agnostic: a gold span counts as redacted when at least 80% of the
letters and digits in it are covered by some detected span (what is left cannot
be read back as the value). Messages with no gold span measure over-redaction:
the share of them that get any placeholder at all. Typed recall (the placeholder names
the right kind of value) is reported beside it, because the agent and the summary
rely on "<EMAIL_1>" meaning an e-mail. Plain Presidio (its default recognizers and
threshold, the same packaged spaCy model) runs on the same messages as the peer.
"""

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from warmline.config import Settings
from warmline.evals.output import dataset_name, table
from warmline.guardrails.redaction import DetectedSpan, Redactor, presidio_engine
from warmline.guardrails.vocabulary import kb_vocabulary

# How Presidio's own entity names map onto the labels of the set, for typed recall.
PRESIDIO_TYPES = {"LOCATION": "ADDRESS", "DATE_TIME": "DATE_OF_BIRTH"}
COVERED = 0.8


class GoldSpan(BaseModel):
    start: int
    end: int
    type: str
    value: str


class PiiMessage(BaseModel):
    id: str
    text: str
    spans: list[GoldSpan]
    tags: list[str] = []
    language: str = "en"


class TypeScores(BaseModel):
    gold: int
    redacted: int
    typed: int
    recall: float
    typed_recall: float
    predicted: int
    false_positives: int
    precision: float


class SystemScores(BaseModel):
    overall_recall: float
    overall_typed_recall: float
    overall_precision: float
    leak_rate: float
    character_leak_rate: float
    false_positives_on_hard_negatives: int
    pii_free_messages: int
    over_redaction_rate: float
    per_type: dict[str, TypeScores]


class PiiReport(BaseModel):
    dataset: str
    messages: int
    gold_spans: int
    warmline: SystemScores
    presidio_default: SystemScores
    leaked: list[str]


# A message's text and the language of the conversation it was written in.
Detector = Callable[[str, str], list[DetectedSpan]]


def load(path: Path) -> list[PiiMessage]:
    return [
        PiiMessage.model_validate_json(line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _covered(message: PiiMessage, spans: list[DetectedSpan]) -> set[int]:
    return {i for s in spans for i in range(s.start, s.end)}


def score(messages: list[PiiMessage], detect: Detector) -> tuple[SystemScores, list[str]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    leaked_chars = total_chars = hard_negative_fp = pii_free = over_redacted = 0
    leaked: list[str] = []
    for message in messages:
        found = detect(message.text, message.language)
        covered = _covered(message, found)
        if not message.spans:
            pii_free += 1
            over_redacted += bool(found)
        for gold in message.spans:
            visible = [i for i in range(gold.start, gold.end) if message.text[i].isalnum()]
            missed = [i for i in visible if i not in covered]
            leaked_chars += len(missed)
            total_chars += len(visible)
            counts[gold.type]["gold"] += 1
            if len(missed) <= (1 - COVERED) * len(visible):
                counts[gold.type]["redacted"] += 1
            else:
                leaked.append(f"{message.id} {gold.type}")
            typed = any(
                PRESIDIO_TYPES.get(s.entity_type, s.entity_type) == gold.type
                and s.start < gold.end
                and gold.start < s.end
                for s in found
            )
            counts[gold.type]["typed"] += typed
        for span in found:
            kind = PRESIDIO_TYPES.get(span.entity_type, span.entity_type)
            counts[kind]["predicted"] += 1
            if not any(span.start < g.end and g.start < span.end for g in message.spans):
                counts[kind]["false_positives"] += 1
                hard_negative_fp += "hard_negative" in message.tags
    per_type = {
        kind: TypeScores(
            gold=c["gold"],
            redacted=c["redacted"],
            typed=c["typed"],
            recall=round(c["redacted"] / c["gold"], 4) if c["gold"] else 1.0,
            typed_recall=round(c["typed"] / c["gold"], 4) if c["gold"] else 1.0,
            predicted=c["predicted"],
            false_positives=c["false_positives"],
            precision=round(1 - c["false_positives"] / c["predicted"], 4)
            if c["predicted"]
            else 1.0,
        )
        for kind, c in sorted(counts.items())
    }
    total = sum(t.gold for t in per_type.values())
    predicted = sum(t.predicted for t in per_type.values())
    false_positives = sum(t.false_positives for t in per_type.values())
    redacted = sum(t.redacted for t in per_type.values())
    return (
        SystemScores(
            overall_recall=round(redacted / total, 4) if total else 1.0,
            overall_typed_recall=round(sum(t.typed for t in per_type.values()) / total, 4)
            if total
            else 1.0,
            overall_precision=round(1 - false_positives / predicted, 4) if predicted else 1.0,
            leak_rate=round(1 - redacted / total, 4) if total else 0.0,
            character_leak_rate=round(leaked_chars / total_chars, 4) if total_chars else 0.0,
            false_positives_on_hard_negatives=hard_negative_fp,
            pii_free_messages=pii_free,
            over_redaction_rate=round(over_redacted / pii_free, 4) if pii_free else 0.0,
            per_type=per_type,
        ),
        leaked,
    )


def presidio_default() -> Detector:
    engine = presidio_engine()

    def detect(text: str, language: str) -> list[DetectedSpan]:
        return [
            DetectedSpan(start=r.start, end=r.end, entity_type=r.entity_type, score=r.score)
            for r in engine.analyze(text, language="en")
        ]

    return detect


def evaluate(path: Path, settings: Settings) -> PiiReport:
    messages = load(path)
    redactor = Redactor(
        settings.pii_entities,
        b"evaluation-only-key",
        settings.pii_allow_patterns,
        settings.pii_company_patterns,
        kb_vocabulary(settings.kb_path),
        settings.company_name,
    )
    ours, leaked = score(messages, redactor.detect)
    peer, _ = score(messages, presidio_default())
    return PiiReport(
        dataset=dataset_name(path),
        messages=len(messages),
        gold_spans=sum(len(m.spans) for m in messages),
        warmline=ours,
        presidio_default=peer,
        leaked=leaked,
    )


def render(report: PiiReport) -> str:
    rows: list[list[object]] = []
    for kind, ours in report.warmline.per_type.items():
        if ours.gold == 0:
            continue
        peer = report.presidio_default.per_type.get(kind)
        rows.append(
            [kind, ours.gold, ours.recall, ours.typed_recall, ours.precision,
             peer.recall if peer else 0.0, peer.typed_recall if peer else 0.0]
        )  # fmt: skip
    w, p = report.warmline, report.presidio_default
    rows.append(["ALL", report.gold_spans, w.overall_recall, w.overall_typed_recall,
                 w.overall_precision, p.overall_recall, p.overall_typed_recall])  # fmt: skip
    return (
        f"{report.dataset}: {report.messages} messages, {report.gold_spans} gold spans\n"
        + table(
            [
                "type",
                "gold",
                "recall",
                "typed recall",
                "precision",
                "presidio recall",
                "presidio typed",
            ],
            rows,
        )
        + f"\nleak rate (spans not fully redacted): warmline {w.leak_rate:.4f}, "
        f"presidio default {p.leak_rate:.4f}"
        + f"\ncharacter leak rate: warmline {w.character_leak_rate:.4f}, "
        f"presidio default {p.character_leak_rate:.4f}"
        + f"\nprecision (detections that are PII): warmline {w.overall_precision:.3f}, "
        f"presidio default {p.overall_precision:.3f}; false positives in hard-negative messages: "
        f"warmline {w.false_positives_on_hard_negatives}, "
        f"presidio default {p.false_positives_on_hard_negatives}"
        + f"\nPII-free messages given a placeholder ({w.pii_free_messages}): "
        f"warmline {w.over_redaction_rate:.4f}, presidio default {p.over_redaction_rate:.4f}"
    )
