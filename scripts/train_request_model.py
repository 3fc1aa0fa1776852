"""Fit the request-for-a-person model over MiniLM embeddings, character n-grams and
words and word pairs; write its weights.

Trains on development data only: the public development split
(`evals/signals/public/human_request_dev.jsonl`; in English, German and Spanish,
`human_request_bf_dev.jsonl`; NLU++'s `human_request_nlupp_dev.jsonl`; IBM Watson
Assistant's Customer Care sample, `human_request_watson_dev.jsonl`; HINT3's
`human_request_hint3_dev.jsonl`, negatives only), the sets written with the
detectors (`evals/signals/dev_*.jsonl`) and generated paraphrases
(`evals/signals/paraphrases/`). The public test splits are never read here. The
threshold is the lowest whose out-of-fold false-positive rate on the public
development split, together with the rules, stays within `--max-fpr`: 0.25% by default,
since out of fold 0.5% bought no request over it (recall 0.985 both, at 0.24% against
0.48%; see evals/README.md).

    .venv/bin/python scripts/train_request_model.py [--max-fpr 0.0025]

The n-grams are scikit-learn's TF-IDF over `char_wb` pieces, the words its default
`word` analyser's; `request_model` recomputes both from the written vocabularies
(their inverse document frequencies and weights).
"""

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

from warmline.guardrails.human_request import detect_human_request, model_may_read
from warmline.guardrails.spelling import fold
from warmline.retrieval.embedder import Embedder

ROOT = Path(__file__).resolve().parents[1]
SIGNALS = ROOT / "evals" / "signals"
OUT = ROOT / "warmline" / "guardrails" / "request_model.json"
NGRAMS = (2, 4)
WORDS = (1, 2)
PUBLIC_SETS = ("human_request", "human_request_bf", "human_request_nlupp", "human_request_watson")


Vectorisers = tuple[TfidfVectorizer, TfidfVectorizer]


def _features(vectorisers: Vectorisers, texts: list[str], vectors: np.ndarray) -> csr_matrix:
    ngrams, words = vectorisers
    return hstack([csr_matrix(vectors), ngrams.transform(texts), words.transform(texts)]).tocsr()


def _fit(
    texts: list[str], vectors: np.ndarray, labels: np.ndarray, c: float
) -> tuple[Vectorisers, LogisticRegression]:
    """The vocabularies (n-grams in at least three messages, words and word pairs in at
    least two) and the model over the embedding beside their TF-IDF."""
    ngrams = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, min_df=3, sublinear_tf=True)
    words = TfidfVectorizer(ngram_range=WORDS, min_df=2, sublinear_tf=True)
    vectorisers = (ngrams.fit(texts), words.fit(texts))
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    return vectorisers, model.fit(_features(vectorisers, texts, vectors), labels)


def _scores(
    vectorisers: Vectorisers, model: LogisticRegression, texts: list[str], vectors: np.ndarray
) -> np.ndarray:
    return np.asarray(model.predict_proba(_features(vectorisers, texts, vectors))[:, 1])


def _recall_at(scores: np.ndarray, labels: np.ndarray, fpr: float) -> float:
    """The share of positives scored above every negative but the top `fpr` of them."""
    negatives = np.sort(scores[~labels])[::-1]
    allowed = int(fpr * len(negatives))
    bar = negatives[allowed] if allowed < len(negatives) else -np.inf
    return float((scores[labels] > bar).mean())


def _leave_one_set_out(
    texts: list[str],
    vectors: np.ndarray,
    labels: np.ndarray,
    sources: np.ndarray,
    english: np.ndarray,
    c: float,
    product: tuple[np.ndarray, np.ndarray, float],
) -> None:
    """The model alone on each public set's English rows, trained on everything else:
    how it reads wordings of a source it never saw, which the five folds (and the
    rules, written on these rows) cannot show. `product` (the rules' verdicts, whether
    the model may read each row, the threshold) adds the reading the product makes: on a
    set of a hundred negatives a 1% false-positive rate allows none, so that reading
    says which rows cost what."""
    rules, readable, threshold = product
    for name in PUBLIC_SETS:
        inside = np.zeros(len(texts), dtype=bool)
        inside[: len(sources)] = sources == name
        held = np.flatnonzero(inside & english)
        train = np.flatnonzero(~inside)
        fitted = _fit([texts[i] for i in train], vectors[train], labels[train], c)
        scores = _scores(*fitted, [texts[i] for i in held], vectors[held])
        fired = rules[held] | (readable[held] & (scores >= threshold))
        gold = labels[held]
        print(
            f"{name} left out ({gold.sum()} requests): model alone recall "
            f"{_recall_at(scores, gold, 0.01):.3f} at 1% FPR, "
            f"{_recall_at(scores, gold, 0.005):.3f} at 0.5%; with the rules at "
            f"{threshold:.2f}: recall {fired[gold].mean():.3f}, "
            f"{fired[~gold].sum()} false positives of {(~gold).sum()}"
        )


def _rows(path: Path) -> list[tuple[str, bool, str]]:
    """(text, asks for a person, language) of each line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        (r["text"], bool(r["human_request"]), r.get("lang", "en"))
        for r in map(json.loads, filter(None, lines))
    ]


def _embed(texts: list[str], cache: Path | None) -> np.ndarray:
    """The texts' embeddings, those already in `cache` (texts beside vectors) read from it."""
    known: dict[str, np.ndarray] = {}
    if cache and cache.exists():
        with np.load(cache) as stored:
            known = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))
    missing = sorted({t for t in texts if t not in known})
    if missing:
        known.update(zip(missing, Embedder().embed(missing), strict=True))
    vectors = np.stack([known[t] for t in texts])
    if cache:
        np.savez(cache, texts=np.array(texts), vectors=vectors)
    return vectors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-fpr", type=float, default=0.0025)
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--cache", type=Path, help="keep the embeddings in this .npz file")
    args = parser.parse_args()
    by_set = {name: _rows(SIGNALS / "public" / f"{name}_dev.jsonl") for name in PUBLIC_SETS}
    public = [r for rows in by_set.values() for r in rows]
    sources = np.array([name for name, rows in by_set.items() for _ in rows])
    # HINT3's development half: real customer-service queries, negatives only, for
    # training (the threshold is set on the four sets the evaluation scores, PUBLIC_SETS).
    own = _rows(SIGNALS / "public" / "human_request_hint3_dev.jsonl")
    own += [r for p in sorted(SIGNALS.glob("dev_*.jsonl")) for r in _rows(p)]
    own += [r for p in sorted((SIGNALS / "paraphrases").glob("*.jsonl")) for r in _rows(p)]
    rows = public + own
    texts = [fold(t) for t, _, _ in rows]
    labels = np.array([y for _, y, _ in rows])
    vectors = _embed([t for t, _, _ in rows], args.cache)
    rules = np.array([detect_human_request(t).fired() for t in texts])
    scores = np.zeros(len(rows))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
    for train, held in folds.split(vectors, labels):
        fitted = _fit([texts[i] for i in train], vectors[train], labels[train], args.c)
        scores[held] = _scores(*fitted, [texts[i] for i in held], vectors[held])
    # As the product reads it: the model on English messages it may read, beside the rules.
    english = np.array([lang == "en" for _, _, lang in rows])
    readable = english & np.array([model_may_read(t) for t in texts])
    on_public = np.arange(len(public))
    negatives = on_public[~labels[on_public]]
    positives = on_public[labels[on_public]]
    threshold = 0.99
    for candidate in np.arange(0.99, 0.3, -0.01):
        fired = rules | (readable & (scores >= candidate))
        if fired[negatives].mean() > args.max_fpr:
            break
        threshold = float(candidate)
    fired = rules | (readable & (scores >= threshold))
    print(
        f"threshold {threshold:.2f}: out-of-fold public dev recall "
        f"{fired[positives].mean():.3f} (rules alone {rules[positives].mean():.3f}), "
        f"FPR {fired[negatives].mean():.4f} (rules alone {rules[negatives].mean():.4f})"
    )
    _leave_one_set_out(
        texts, vectors, labels, sources, english, args.c, (rules, readable, threshold)
    )
    (ngrams, words), model = _fit(texts, vectors, labels, args.c)
    dims = vectors.shape[1]
    coef = model.coef_[0]
    after_ngrams = dims + len(ngrams.vocabulary_)
    OUT.write_text(
        json.dumps(
            {
                "weights": [round(float(w), 6) for w in coef[:dims]],
                "ngrams": {
                    gram: [round(float(ngrams.idf_[k]), 5), round(float(coef[dims + k]), 5)]
                    for gram, k in sorted(ngrams.vocabulary_.items())
                },
                "ngram_range": list(NGRAMS),
                "words": {
                    term: [round(float(words.idf_[k]), 5), round(float(coef[after_ngrams + k]), 5)]
                    for term, k in sorted(words.vocabulary_.items())
                },
                "word_ngram_range": list(WORDS),
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
