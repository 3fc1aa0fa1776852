"""`warmline eval signals`: the guard's signal detectors against a labeled set.

The peer column is what a sentiment-only bot would do: flag a message whenever
VADER's compound score is at or below the policy's negative-sentiment threshold.
Every label is scored against both, on the same messages.
"""

from pathlib import Path

from pydantic import BaseModel

from warmline.evals.metrics import BinaryScores
from warmline.evals.output import dataset_name, table
from warmline.guardrails.signals import compute_signals, vader_score
from warmline.handoff.policy_file import Thresholds


class LabeledMessage(BaseModel):
    id: str
    text: str
    human_request: bool
    sensitive_topic: str | None
    frustration: bool
    cancellation: bool
    tags: list[str] = []


class LabelResult(BaseModel):
    warmline: BinaryScores
    vader_alone: BinaryScores


class Miss(BaseModel):
    id: str
    label: str
    gold: bool | str | None
    predicted: bool | str | None


class SignalsReport(BaseModel):
    dataset: str
    messages: int
    vader_threshold: float
    labels: dict[str, LabelResult]
    sensitive_topic_category_accuracy: float
    misses: list[Miss]


LABELS = ("human_request", "sensitive_topic", "frustration", "cancellation")


def load(path: Path) -> list[LabeledMessage]:
    return [
        LabeledMessage.model_validate_json(line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def evaluate(path: Path, threshold: float | None = None) -> SignalsReport:
    threshold = Thresholds().negative_sentiment if threshold is None else threshold
    messages = load(path)
    ours: dict[str, list[tuple[bool, bool]]] = {label: [] for label in LABELS}
    peer: dict[str, list[tuple[bool, bool]]] = {label: [] for label in LABELS}
    misses: list[Miss] = []
    topic_hits = topic_total = 0
    for message in messages:
        found = compute_signals(message.text)
        negative = vader_score(message.text) <= threshold
        predicted: dict[str, bool | str | None] = {
            "human_request": found.human_request.fired(),
            "sensitive_topic": found.sensitive.topic,
            "frustration": found.frustration.fired(),
            "cancellation": found.cancellation.fired(),
        }
        for label in LABELS:
            gold = getattr(message, label)
            ours[label].append((bool(gold), bool(predicted[label])))
            peer[label].append((bool(gold), negative))
            if gold != predicted[label]:
                misses.append(
                    Miss(id=message.id, label=label, gold=gold, predicted=predicted[label])
                )
        if message.sensitive_topic:
            topic_total += 1
            topic_hits += predicted["sensitive_topic"] == message.sensitive_topic
    return SignalsReport(
        dataset=dataset_name(path),
        messages=len(messages),
        vader_threshold=threshold,
        labels={
            label: LabelResult(
                warmline=BinaryScores.of(ours[label]), vader_alone=BinaryScores.of(peer[label])
            )
            for label in LABELS
        },
        sensitive_topic_category_accuracy=round(topic_hits / topic_total, 4) if topic_total else 1,
        misses=misses,
    )


def render(report: SignalsReport) -> str:
    rows: list[list[object]] = []
    for label, result in report.labels.items():
        w, v = result.warmline, result.vader_alone
        rows.append(
            [
                label,
                w.support,
                w.accuracy,
                w.precision,
                w.recall,
                w.f1,
                v.accuracy,
                v.precision,
                v.recall,
                v.f1,
            ]
        )
    header = [
        "label",
        "positives",
        "acc",
        "prec",
        "recall",
        "f1",
        "vader acc",
        "vader prec",
        "vader recall",
        "vader f1",
    ]
    return (
        f"{report.dataset}: {report.messages} messages "
        f"(VADER alone flags compound <= {report.vader_threshold})\n"
        + table(header, rows)
        + f"\nsensitive topic category accuracy (on sensitive messages): "
        f"{report.sensitive_topic_category_accuracy:.3f}"
    )
