"""Dissatisfaction across turns on customer-support chats whose every customer sentence
annotators labelled with an emotion (MAIA-DQE, Mendonça et al., GEM 2023).

    python -m warmline.evals.emotion_eval --maia CLONE --split dev|test

CLONE is a clone (bare or not) of `johndmendonca/MAIA-DQE`. Its licence (CC BY-ND 4.0)
allows sharing the data unchanged, not adapted, so no split of it is kept in this
repository: the dialogues are read from the clone and split by the same hash of the
dialogue id as the other public sets (`evals/signals/public/build.py`).

Customers wrote in German or Portuguese to human agents; each customer turn is read in
the set's English translation (`text_mt`), which is what the English detectors read.
A customer turn is dissatisfied when any of its sentences is labelled frustration or
anger. Two readings of a dialogue are scored. "any turn": dissatisfied when one of its
customer turns is. "after an answer": dissatisfied when a customer turn after the
first is, that is once the service has answered; annotators label most opening
problem statements ("I can't activate speed radars") frustration, which is the
customer's trouble with a product, not with the answers, and a bot that handed every
opening complaint to a person would not be answering. In both, a dialogue is satisfied
when no customer turn shows frustration, anger or disappointment; the others
(disappointment alone, or frustration only in the opening message for the second
reading) are left out, like the ambiguous middle of the STC-3 scores. Each dialogue is played
turn by turn through the detectors and the escalation policy (`public_eval.play`);
"caught in time" counts the dissatisfied dialogues escalated at most two customer turns
after the first dissatisfied one, among those escalated.
"""

import argparse
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from warmline.evals.metrics import BinaryScores
from warmline.evals.public_eval import EscalationScores, play
from warmline.handoff.policy import EscalationPolicy
from warmline.handoff.policy_file import Policy

# data/de_client_01.json is too large for the repository's Git hosting and is absent.
SUBSETS = ("de_client_01", "de_client_02", "pt_br_client_02", "pt_br_client_04", "pt_pt_client_03")
LABELS = "empathy happiness neutral disappointment confusion frustration anger anxiety".split()
DISSATISFIED = {"frustration", "anger"}
UNHAPPY = DISSATISFIED | {"disappointment"}


class Dialogue(BaseModel):
    id: str
    turns: list[str]
    emotions: list[set[str]]

    def first_dissatisfied(self, from_turn: int) -> int | None:
        return next(
            (k for k, e in enumerate(self.emotions) if k >= from_turn and e & DISSATISFIED), None
        )

    @property
    def satisfied(self) -> bool:
        return not any(e & UNHAPPY for e in self.emotions)


class EmotionScores(EscalationScores):
    caught_in_time: float
    escalated_before_first_dissatisfied_turn: int


def _subset(clone: Path, name: str) -> list[dict[str, Any]]:
    path = f"data/{name}.json"
    if (clone / path).is_file():
        return list(json.loads((clone / path).read_text(encoding="utf-8")))
    shown = subprocess.run(
        ["git", "--git-dir", str(clone), "show", f"HEAD:{path}"], capture_output=True, text=True
    )
    return list(json.loads(shown.stdout)) if shown.returncode == 0 and shown.stdout else []


def _split(key: str) -> str:
    return "test" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 else "dev"


def load(clone: Path, split: str) -> list[Dialogue]:
    """The labelled dialogues of `split`, each once (two subsets share dialogues)."""
    seen: dict[str, Dialogue] = {}
    for name in SUBSETS:
        for raw in _subset(clone, name):
            turns = [t for t in raw["turns"] if t["floor"] == "inbound"]
            dialogue = Dialogue(
                id=str(raw["id"]),
                turns=[" ".join(t["text_mt"]) for t in turns],
                emotions=[{LABELS[e] for e in t["Emotion"] if e in range(8)} for t in turns],
            )
            if _split(dialogue.id) == split and dialogue.turns:
                seen.setdefault(dialogue.id, dialogue)
    return list(seen.values())


def _scores(dialogues: list[Dialogue], at: list[int | None], from_turn: int) -> EmotionScores:
    kept = [
        (d.first_dissatisfied(from_turn), k)
        for d, k in zip(dialogues, at, strict=True)
        if d.satisfied or d.first_dissatisfied(from_turn) is not None
    ]
    gold = [first is not None for first, _ in kept]
    at = [k for _, k in kept]
    scores = BinaryScores.of([(g, k is not None) for g, k in zip(gold, at, strict=True)])
    caught = [(k, first) for first, k in kept if k is not None and first is not None]
    satisfied = [k for g, k in zip(gold, at, strict=True) if not g]
    return EmotionScores(
        dialogues=len(kept),
        dissatisfied=sum(gold),
        precision=scores.precision,
        recall=scores.recall,
        f1=scores.f1,
        satisfied_escalated=round(
            sum(k is not None for k in satisfied) / max(len(satisfied), 1), 4
        ),
        caught_in_time=round(sum(k <= f + 2 for k, f in caught) / len(caught), 4)
        if caught
        else 0.0,
        escalated_before_first_dissatisfied_turn=sum(k < f for k, f in caught),
    )


def evaluate(clone: Path, split: str) -> dict[str, dict[str, EmotionScores]]:
    policy = EscalationPolicy(Policy())
    dialogues = load(clone, split)
    played = [play(d.turns, policy) for d in dialogues]
    ours, vader = [k for k, _ in played], [k for _, k in played]
    return {
        reading: {
            "warmline": _scores(dialogues, ours, from_turn),
            "VADER alone": _scores(dialogues, vader, from_turn),
        }
        for reading, from_turn in (("any turn", 0), ("after an answer", 1))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maia", type=Path, required=True, help="a clone of MAIA-DQE")
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    args = parser.parse_args()
    report = {"split": args.split, "dissatisfaction": evaluate(args.maia, args.split)}
    print(json.dumps(report, indent=2, default=lambda m: m.model_dump()))


if __name__ == "__main__":
    main()
