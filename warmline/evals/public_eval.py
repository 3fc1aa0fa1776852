"""The judgement detectors on public sets written by others, beside naive peers.

    python -m warmline.evals.public_eval --split dev|test [--no-model]

- requests for a person: Rasa's demo bots' `human_handoff` examples against every
  other example of theirs and CLINC150's queries (`evals/signals/public/human_request_*`),
  and the Bot Framework samples' `Escalate` intent in English, German and Spanish
  against every other intent of theirs (`human_request_bf_*`), and NLU++'s `handoff`
  intent against the rest of its banking and hotel examples (`human_request_nlupp_*`),
  and IBM Watson Assistant's Customer Care sample skill, `General_Connect_to_Agent`
  against its other intents and test rows (`human_request_watson_*`);
  HINT3's queries to three commercial bots, negatives only, are scored apart from the
  others (`human_request_hint3_*`: the false-positive rate on real customer queries);
  the peer is a plain keyword rule, and `--before COMMIT` adds that commit's detector on
  the same rows and embeddings;
- dissatisfaction across turns: STC-3 customer-helpdesk dialogues whose customer
  satisfaction 19 annotators scored (`dialogues_*`), played turn by turn through the
  detectors and the escalation policy as the live graph does; the peer is VADER alone
  (any customer message at or below the policy's negative-sentiment threshold); on the
  development split, also the escalation rate of the middle dialogues the sets leave out,
  by leaning band (`dialogues_leaning_dev.jsonl`), which no rule was written on;
- sensitive topics: the fraud topic against CLINC150's `report_fraud` intent on the
  same queries; the peer is a keyword rule.

Only the development split is for tuning; the test split is scored once a change is final.
"""

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from warmline.agent.facts import facts_of_turn
from warmline.evals.metrics import BinaryScores
from warmline.guardrails.human_request import detect_human_request
from warmline.guardrails.signals import compute_signals, sentiment, vader_score
from warmline.guardrails.spelling import fold
from warmline.handoff.policy import EscalationPolicy
from warmline.handoff.policy_file import Policy

PUBLIC = Path(__file__).resolve().parents[2] / "evals" / "signals" / "public"
KEYWORD_REQUEST = re.compile(
    r"\b(?:human|person|agent|representative|operator|someone|somebody|real person|manager|"
    r"supervisor|staff)\b",
    re.IGNORECASE,
)
KEYWORD_FRAUD = re.compile(
    r"\b(?:fraud\w*|scam\w*|hacked|stolen|unauthori[sz]ed|identity theft)\b", re.IGNORECASE
)
FRAUD_TOPICS = {"fraud", "identity_theft"}


class Rates(BaseModel):
    recall: float
    false_positive_rate: float
    precision: float
    positives: int
    negatives: int

    @classmethod
    def of(cls, pairs: list[tuple[bool, bool]]) -> "Rates":
        scores = BinaryScores.of(pairs)
        negatives = sum(1 for gold, _ in pairs if not gold)
        false_positives = sum(1 for gold, found in pairs if found and not gold)
        return cls(
            recall=scores.recall,
            false_positive_rate=round(false_positives / negatives, 4) if negatives else 0.0,
            precision=scores.precision,
            positives=scores.support,
            negatives=negatives,
        )


class EscalationScores(BaseModel):
    """Dialogues escalated against dialogues annotators found dissatisfied."""

    dialogues: int
    dissatisfied: int
    precision: float
    recall: float
    f1: float
    satisfied_escalated: float


class DialogueScores(EscalationScores):
    caught_by_second_turn: float


class BandRate(BaseModel):
    """How many dialogues of a band of mean satisfaction are escalated (no label to score)."""

    dialogues: int
    escalated: float


def _rows(path: Path) -> list[dict[str, object]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


REQUEST_SETS = (
    "human_request",
    "human_request_bf",
    "human_request_nlupp",
    "human_request_watson",
    "human_request_hint3",
)
# Run with an earlier commit's package on PYTHONPATH: reads the texts (JSON), their
# embeddings (.npy) and whether the model reads each (JSON) named in argv, prints that
# code's verdicts as a JSON list; as for the current code, only English rows get the model,
# and none without it (`--no-model`).
_BEFORE_DRIVER = """
import json, sys
import numpy as np
from warmline.guardrails.human_request import detect_human_request
from warmline.guardrails.spelling import fold
texts = json.load(open(sys.argv[1], encoding="utf-8"))
vectors = np.load(sys.argv[2])
model_reads = json.load(open(sys.argv[3], encoding="utf-8"))
print(json.dumps([
    detect_human_request(fold(t), v if e else None).fired()
    for t, v, e in zip(texts, vectors, model_reads)
]))
"""


def _before_verdicts(
    commit: str, texts: list[str], vectors: npt.NDArray[np.float32], model_reads: list[bool]
) -> list[bool]:
    """`commit`'s detector (its `warmline` package, from `git archive`) on the same texts
    and embeddings, the model on the same rows as the current code's (`model_reads`: the
    English ones, none with `--no-model`), so the comparison differs only in the code."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit, "warmline"],
            cwd=PUBLIC.parents[2],
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        (Path(folder) / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
        np.save(Path(folder) / "vectors.npy", vectors)
        (Path(folder) / "model_reads.json").write_text(json.dumps(model_reads), encoding="utf-8")
        out = subprocess.run(
            [sys.executable, "-c", _BEFORE_DRIVER, "texts.json", "vectors.npy", "model_reads.json"],
            cwd=folder,
            env={**os.environ, "PYTHONPATH": folder},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return [bool(v) for v in json.loads(out)]


def _request_groups(row: dict[str, object]) -> list[str]:
    source = str(row["source"])
    if source == "botframework-solutions":
        return ["all", "botframework", f"botframework {row['lang']}"]
    if source.startswith("nlu++"):
        return ["all", "nlu++"]
    if source.startswith("watson"):
        return ["all", "watson"]
    if source.startswith("hint3"):
        # Negatives only (its agent intents were left out), so apart from "all": the
        # false-positive rate on real queries to other companies' bots.
        return ["hint3 (negatives only)"]
    return ["all", "rasa+clinc150"]


def human_requests(
    split: str, use_model: bool, before: str | None = None
) -> dict[str, dict[str, Rates]]:
    """Each detector on the request sets together ("all"), on each set, and on each
    language of the multilingual one."""
    rows = [r for name in REQUEST_SETS for r in _rows(PUBLIC / f"{name}_{split}.jsonl")]
    texts = [str(r["text"]) for r in rows]
    vectors = None
    if use_model or before:
        from warmline.retrieval.embedder import Embedder

        vectors = Embedder().embed(texts)
    # The product gives the request model English conversations only (see agent/nodes.py);
    # rows in another language get the rules, as there.
    english = [r.get("lang", "en") == "en" for r in rows]
    earlier = (
        _before_verdicts(before, texts, vectors, [e and use_model for e in english])
        if before and vectors is not None
        else None
    )
    verdicts: dict[str, list[list[tuple[bool, bool]]]] = {}
    for i, (row, text) in enumerate(zip(rows, texts, strict=True)):
        gold = bool(row["human_request"])
        folded = fold(text)
        vector = vectors[i] if vectors is not None and use_model and english[i] else None
        found = [
            detect_human_request(folded, vector).fired(),
            detect_human_request(folded).fired(),
            bool(KEYWORD_REQUEST.search(text)),
        ]
        found += [earlier[i]] if earlier is not None else []
        for group in _request_groups(row):
            lists = verdicts.setdefault(group, [[] for _ in found])
            for kept, fired in zip(lists, found, strict=True):
                kept.append((gold, fired))
    names = ("warmline", "warmline rules alone", "keyword rule", f"code at {before}")
    return {
        group: {name: Rates.of(pairs) for name, pairs in zip(names, lists, strict=False)}
        for group, lists in verdicts.items()
    }


def sensitive_fraud(split: str) -> dict[str, Rates]:
    rows = [r for r in _rows(PUBLIC / f"human_request_{split}.jsonl") if r["source"] == "clinc150"]
    ours, keyword = [], []
    for row in rows:
        text = str(row["text"])
        gold = row["intent"] == "report_fraud"
        topic = compute_signals(text).sensitive.topic
        ours.append((gold, topic in FRAUD_TOPICS))
        keyword.append((gold, bool(KEYWORD_FRAUD.search(text))))
    return {"warmline": Rates.of(ours), "keyword rule": Rates.of(keyword)}


def _dialogue_scores(outcomes: list[tuple[bool, int | None]]) -> DialogueScores:
    """`outcomes`: (dissatisfied, customer turn of the first escalation or None)."""
    pairs = [(gold, turn is not None) for gold, turn in outcomes]
    scores = BinaryScores.of(pairs)
    satisfied = [turn for gold, turn in outcomes if not gold]
    caught = [turn for gold, turn in outcomes if gold and turn is not None]
    return DialogueScores(
        dialogues=len(outcomes),
        dissatisfied=scores.support,
        precision=scores.precision,
        recall=scores.recall,
        f1=scores.f1,
        satisfied_escalated=round(sum(t is not None for t in satisfied) / len(satisfied), 4),
        caught_by_second_turn=round(sum(t <= 1 for t in caught) / len(caught), 4) if caught else 0,
    )


def play(turns: list[str], policy: EscalationPolicy) -> tuple[int | None, int | None]:
    """The customer turn at which Warmline first escalates, and at which VADER alone first
    reads negative (any message at or below the policy's threshold), or None: each turn
    is assessed as the live graph assesses one without knowledge-base confidence."""
    escalated_at = vader_at = None
    for k, text in enumerate(turns):
        found = compute_signals(text, turns[:k])
        facts = facts_of_turn(
            found,
            text,
            earlier_sentiments=[sentiment(t) for t in turns[:k]],
            confidence=None,
            low_confidence=policy.settings.low_confidence,
            strikes=0,
            unanswered=0,
            bot_turns=k + 1,
        )
        if escalated_at is None and policy.assess(facts).escalate:
            escalated_at = k
        if vader_at is None and vader_score(text) <= policy.settings.negative_sentiment:
            vader_at = k
    return escalated_at, vader_at


def dialogues(split: str) -> dict[str, DialogueScores]:
    policy = EscalationPolicy(Policy())
    ours: list[tuple[bool, int | None]] = []
    vader: list[tuple[bool, int | None]] = []
    for row in _rows(PUBLIC / f"dialogues_{split}.jsonl"):
        turns = [str(t) for t in row["customer_turns"]]  # type: ignore[attr-defined]
        gold = bool(row["dissatisfied"])
        escalated_at, vader_at = play(turns, policy)
        ours.append((gold, escalated_at))
        vader.append((gold, vader_at))
    return {"warmline": _dialogue_scores(ours), "VADER alone": _dialogue_scores(vader)}


def leaning(split: str) -> dict[str, BandRate]:
    """The escalation rate of each leaning band of the STC-3 dialogues the labelled sets
    leave out (`dialogues_leaning_<split>.jsonl`, development half only): a check of how
    the rules carry to dialogues nobody wrote them on. Empty when the file is absent."""
    path = PUBLIC / f"dialogues_leaning_{split}.jsonl"
    if not path.is_file():
        return {}
    policy = EscalationPolicy(Policy())
    bands: dict[str, list[bool]] = {}
    for row in _rows(path):
        turns = [str(t) for t in row["customer_turns"]]  # type: ignore[attr-defined]
        bands.setdefault(str(row["band"]), []).append(play(turns, policy)[0] is not None)
    return {
        band: BandRate(dialogues=len(found), escalated=round(sum(found) / len(found), 4))
        for band, found in sorted(bands.items())
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument("--no-model", action="store_true", help="rules only (no embeddings)")
    parser.add_argument("--only", choices=["requests", "dialogues", "sensitive"])
    parser.add_argument("--before", help="also score this commit's request detector")
    args = parser.parse_args()
    report: dict[str, object] = {"split": args.split}
    if args.only in (None, "requests"):
        report["human_request"] = human_requests(args.split, not args.no_model, args.before)
    if args.only in (None, "dialogues"):
        report["dissatisfaction"] = dialogues(args.split)
        report["leaning_bands_escalated"] = leaning(args.split)
    if args.only in (None, "sensitive"):
        report["fraud_topic"] = sensitive_fraud(args.split)
    print(
        json.dumps(
            report,
            indent=2,
            default=lambda m: m.model_dump(),
        )
    )


if __name__ == "__main__":
    main()
