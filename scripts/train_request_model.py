"""Fit the request-for-a-person model over MiniLM embeddings; write its weights.

Trains on development data only: the public development split
(`evals/signals/public/human_request_dev.jsonl`; in English, German and Spanish,
`human_request_bf_dev.jsonl`; NLU++'s `human_request_nlupp_dev.jsonl`), the sets written with the
detectors (`evals/signals/dev_*.jsonl`) and generated paraphrases
(`evals/signals/paraphrases/`). The public test splits are never read here. The
threshold is the lowest whose out-of-fold false-positive rate on the public
development split, together with the rules, stays within `--max-fpr`.

    .venv/bin/python scripts/train_request_model.py [--max-fpr 0.005]
"""

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

from warmline.guardrails.human_request import detect_human_request
from warmline.guardrails.spelling import fold
from warmline.retrieval.embedder import Embedder

ROOT = Path(__file__).resolve().parents[1]
SIGNALS = ROOT / "evals" / "signals"
OUT = ROOT / "warmline" / "guardrails" / "request_model.json"


def _rows(path: Path) -> list[tuple[str, bool]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(r["text"], bool(r["human_request"])) for r in map(json.loads, filter(None, lines))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-fpr", type=float, default=0.005)
    parser.add_argument("--c", type=float, default=4.0)
    args = parser.parse_args()
    public = [
        r for name in ("human_request", "human_request_bf", "human_request_nlupp")
        for r in _rows(SIGNALS / "public" / f"{name}_dev.jsonl")
    ]  # fmt: skip
    own = [r for p in sorted(SIGNALS.glob("dev_*.jsonl")) for r in _rows(p)]
    own += [r for p in sorted((SIGNALS / "paraphrases").glob("*.jsonl")) for r in _rows(p)]
    rows = public + own
    texts = [t for t, _ in rows]
    labels = np.array([y for _, y in rows])
    vectors = Embedder().embed(texts)
    rules = np.array([detect_human_request(fold(t)).fired() for t in texts])
    scores = np.zeros(len(rows))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
    for train, held in folds.split(vectors, labels):
        model = LogisticRegression(C=args.c, class_weight="balanced", max_iter=3000)
        model.fit(vectors[train], labels[train])
        scores[held] = model.predict_proba(vectors[held])[:, 1]
    on_public = np.arange(len(public))
    negatives = on_public[~labels[on_public]]
    positives = on_public[labels[on_public]]
    threshold = 0.99
    for candidate in np.arange(0.99, 0.3, -0.01):
        fired = rules | (scores >= candidate)
        if fired[negatives].mean() > args.max_fpr:
            break
        threshold = float(candidate)
    fired = rules | (scores >= threshold)
    print(
        f"threshold {threshold:.2f}: out-of-fold public dev recall "
        f"{fired[positives].mean():.3f} (rules alone {rules[positives].mean():.3f}), "
        f"FPR {fired[negatives].mean():.4f} (rules alone {rules[negatives].mean():.4f})"
    )
    model = LogisticRegression(C=args.c, class_weight="balanced", max_iter=3000)
    model.fit(vectors, labels)
    OUT.write_text(
        json.dumps(
            {
                "weights": [round(float(w), 6) for w in model.coef_[0]],
                "bias": round(float(model.intercept_[0]), 6),
                "threshold": round(threshold, 2),
                "trained_on": len(rows),
            }
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
