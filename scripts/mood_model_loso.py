"""Whether a learned dialogue model would escalate dissatisfied customers better than the
policy's rules, measured leave one set out on the development splits only.

    python scripts/mood_model_loso.py --maia CLONE

Each customer turn of STC-3's and MAIA-DQE's development dialogues becomes one row of
what the product knows at that turn: its sentiment and the lowest and the count of
negative ones so far, its frustration score and the highest and the count so far, the
repetition score, thanks, whether it is the opening message, how far into the dialogue
it is, whether the rules escalate and whether a person was asked for, VADER's raw score
and the message's length. A logistic regression (scikit-learn, classes balanced) is
trained on one set's turns, each labelled with its dialogue's outcome, and played on
the other set turn by turn: a dialogue is escalated at the first turn whose probability
reaches the threshold ("model"), or also where the rules escalate ("model or rules").
The rules alone are printed beside it, on the same dialogues. Two sets of a few hundred
dialogues from different services are what there is, so this says whether a model is
worth shipping, not what it would score.
"""

import argparse
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

from warmline.agent.facts import facts_of_turn
from warmline.evals import emotion_eval
from warmline.evals.public_eval import PUBLIC, _rows
from warmline.guardrails.signals import compute_signals, vader_score
from warmline.handoff.policy import EscalationPolicy
from warmline.handoff.policy_file import Policy

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)


class Played:
    """One dialogue: its turns' features, its gold outcome, and where the rules escalate."""

    def __init__(self, turns: list[str], dissatisfied: bool, policy: EscalationPolicy) -> None:
        self.dissatisfied = dissatisfied
        self.rules_at: int | None = None
        rows: list[list[float]] = []
        moods: list[float] = []
        frustrations: list[float] = []
        negative = policy.settings.negative_sentiment
        for k, text in enumerate(turns):
            found = compute_signals(text, turns[:k])
            facts = facts_of_turn(
                found,
                text,
                earlier_sentiments=list(moods),
                confidence=None,
                low_confidence=policy.settings.low_confidence,
                strikes=0,
                unanswered=0,
                bot_turns=k + 1,
            )
            thanked = facts.thanked
            escalate = policy.assess(facts).escalate
            if escalate and self.rules_at is None:
                self.rules_at = k
            moods.append(found.sentiment)
            frustrations.append(found.frustration.score)
            rows.append(
                [
                    found.sentiment,
                    min(moods),
                    sum(m <= negative for m in moods),
                    sum(m < negative / 2 for m in moods),
                    found.frustration.score,
                    max(frustrations),
                    sum(f >= policy.settings.frustration for f in frustrations),
                    found.repetition.score,
                    float(thanked),
                    float(k == 0),
                    min(k, 5) / 5,
                    float(escalate),
                    float(found.human_request.fired()),
                    vader_score(text),
                    float(np.log1p(len(text)) / 6),
                ]
            )
        self.features: npt.NDArray[np.float64] = np.array(rows)


def stc3(policy: EscalationPolicy) -> list[Played]:
    return [
        Played([str(t) for t in row["customer_turns"]], bool(row["dissatisfied"]), policy)  # type: ignore[attr-defined]
        for row in _rows(PUBLIC / "dialogues_dev.jsonl")
    ]


def maia(clone: Path, from_turn: int, policy: EscalationPolicy) -> list[Played]:
    """MAIA-DQE's development dialogues as `emotion_eval` reads them ("any turn" at 0,
    "after an answer" at 1); those in neither class are left out, as there."""
    return [
        Played(d.turns, d.first_dissatisfied(from_turn) is not None, policy)
        for d in emotion_eval.load(clone, "dev")
        if d.satisfied or d.first_dissatisfied(from_turn) is not None
    ]


def score(outcomes: Iterable[tuple[bool, int | None]]) -> str:
    pairs = list(outcomes)
    caught = sum(gold and at is not None for gold, at in pairs)
    wrong = sum(not gold and at is not None for gold, at in pairs)
    positives = sum(gold for gold, _ in pairs)
    precision = caught / max(caught + wrong, 1)
    recall = caught / max(positives, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    satisfied = wrong / max(len(pairs) - positives, 1)
    return f"F1 {f1:.3f}  recall {recall:.3f}  satisfied escalated {satisfied:.1%}"


def first_at(model: LogisticRegression, dialogue: Played, threshold: float) -> int | None:
    p = model.predict_proba(dialogue.features)[:, 1]
    return next((k for k, pk in enumerate(p) if pk >= threshold), None)


def earliest(*turns: int | None) -> int | None:
    return min((t for t in turns if t is not None), default=None)


def compare(name: str, train: list[Played], held_out: list[Played]) -> None:
    x = np.vstack([d.features for d in train])
    y = np.concatenate([[d.dissatisfied] * len(d.features) for d in train])
    model = LogisticRegression(max_iter=2000, class_weight="balanced").fit(x, y)
    rules = score((d.dissatisfied, d.rules_at) for d in held_out)
    print(f"\n{name}\n  rules alone              {rules}")
    for t in THRESHOLDS:
        alone = [(d.dissatisfied, first_at(model, d, t)) for d in held_out]
        both = [(d.dissatisfied, earliest(d.rules_at, first_at(model, d, t))) for d in held_out]
        print(f"  model at {t:.1f}             {score(alone)}")
        print(f"  model or rules at {t:.1f}    {score(both)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maia", type=Path, required=True, help="a clone of MAIA-DQE")
    args = parser.parse_args()
    policy = EscalationPolicy(Policy())
    stc = stc3(policy)
    any_turn, after_answer = maia(args.maia, 0, policy), maia(args.maia, 1, policy)
    compare("trained on MAIA-DQE (any turn), played on STC-3", any_turn, stc)
    compare("trained on STC-3, played on MAIA-DQE (any turn)", stc, any_turn)
    compare("trained on STC-3, played on MAIA-DQE (after an answer)", stc, after_answer)


if __name__ == "__main__":
    main()
