"""`warmline eval retrieval`: which article comes back, for questions as customers ask them.

Scores are per article (a question is answered by an article, whichever of its
chunks ranks first): recall@1, recall@5 and MRR over the answerable questions, for
Warmline's hybrid search, its dense and lexical halves alone, and the `bm25s`
library as an independent lexical peer, all over the same public chunks. The
answerable confidence is scored by ROC AUC, answerable against unanswerable
questions; `--fit` refits its logistic weights on half the questions and reports
the AUC on the other half.
"""

from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from warmline.evals.output import table
from warmline.retrieval.confidence import AnswerableModel, features
from warmline.retrieval.store import Hit, KnowledgeStore

K = 5
MODES = ("hybrid", "dense", "lexical")


class Question(BaseModel):
    id: str
    question: str
    answers: list[str]
    kind: str
    answerable: bool


class ModeScores(BaseModel):
    recall_at_1: float
    recall_at_5: float
    mrr: float


class RetrievalReport(BaseModel):
    dataset: str
    answerable: int
    unanswerable: int
    modes: dict[str, ModeScores]
    by_kind_hybrid_recall_at_5: dict[str, float]
    confidence_auc: float
    top_cosine_auc: float
    fitted: AnswerableModel | None = None
    fitted_auc_held_out: float | None = None


def load(path: Path) -> list[Question]:
    return [
        Question.model_validate_json(line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _articles(ranked: list[str]) -> list[str]:
    return list(dict.fromkeys(ranked))


def _scores(rankings: list[tuple[Question, list[str]]]) -> ModeScores:
    r1 = r5 = rr = 0.0
    for question, ranked in rankings:
        ranks = [i for i, a in enumerate(ranked, start=1) if a in question.answers]
        first = ranks[0] if ranks else None
        r1 += first == 1
        r5 += first is not None and first <= K
        rr += 1 / first if first else 0.0
    n = len(rankings) or 1
    return ModeScores(
        recall_at_1=round(r1 / n, 4), recall_at_5=round(r5 / n, 4), mrr=round(rr / n, 4)
    )


def auc(positives: list[float], negatives: list[float]) -> float:
    """Probability that a random answerable question scores above a random unanswerable one."""
    if not positives or not negatives:
        return 1.0
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return round(wins / (len(positives) * len(negatives)), 4)


def _bm25s_ranker(store: KnowledgeStore) -> Callable[[str], list[str]]:
    import bm25s

    chunks = [c for c in store.chunks() if c.visibility == "public" and not c.quarantined]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([c.embedding_text for c in chunks], stopwords="en", show_progress=False),
        show_progress=False,
    )

    def rank(query: str) -> list[str]:
        results, _ = retriever.retrieve(
            bm25s.tokenize([query], stopwords="en", show_progress=False), k=30, show_progress=False
        )
        return _articles([chunks[int(i)].article_id for i in results[0]])

    return rank


def fit(rows: list[tuple[tuple[float, ...], bool]], steps: int = 4000) -> AnswerableModel:
    """Logistic regression by gradient descent; four features need no library."""
    x = np.array([r[0] for r in rows], dtype=float)
    y = np.array([float(r[1]) for r in rows])
    # Balanced class weights: 0.5 then means "as likely answerable as not", whatever the
    # share of unanswerable questions in the set.
    balance = np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))
    w = np.zeros(x.shape[1])
    b = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        error = balance * (p - y)
        w -= 0.5 * (x.T @ error / len(y) + 1e-3 * w)
        b -= 0.5 * float(np.mean(error))
    return AnswerableModel(weights=tuple(round(float(v), 3) for v in w), bias=round(b, 3))


def evaluate(
    path: Path,
    store: KnowledgeStore,
    model: AnswerableModel,
    refit: bool = False,
    top_k: int = 12,
) -> RetrievalReport:
    """`top_k` is what the bot retrieves per turn; the confidence is scored on those hits."""
    questions = load(path)
    answerable = [q for q in questions if q.answerable]
    bm25 = _bm25s_ranker(store)
    rankings: dict[str, list[tuple[Question, list[str]]]] = {m: [] for m in (*MODES, "bm25s")}
    hybrid_hits: dict[str, list[Hit]] = {}
    for question in questions:
        hits = store.search(question.question, 20, "hybrid")
        hybrid_hits[question.id] = hits[:top_k]
        if not question.answerable:
            continue
        rankings["hybrid"].append((question, _articles([h.chunk.article_id for h in hits])))
        for mode in ("dense", "lexical"):
            mode_hits = store.search(question.question, 20, mode)
            rankings[mode].append((question, _articles([h.chunk.article_id for h in mode_hits])))
        rankings["bm25s"].append((question, bm25(question.question)))
    by_kind: dict[str, list[tuple[Question, list[str]]]] = {}
    for question, ranked in rankings["hybrid"]:
        by_kind.setdefault(question.kind, []).append((question, ranked))

    def split_auc(score: Callable[[str, list[Hit]], float], subset: list[Question]) -> float:
        return auc(
            [score(q.question, hybrid_hits[q.id]) for q in subset if q.answerable],
            [score(q.question, hybrid_hits[q.id]) for q in subset if not q.answerable],
        )

    report = RetrievalReport(
        dataset=str(path),
        answerable=len(answerable),
        unanswerable=len(questions) - len(answerable),
        modes={mode: _scores(r) for mode, r in rankings.items()},
        by_kind_hybrid_recall_at_5={k: _scores(v).recall_at_5 for k, v in sorted(by_kind.items())},
        confidence_auc=split_auc(model.probability, questions),
        top_cosine_auc=split_auc(
            lambda _, hits: max((h.dense for h in hits), default=0.0), questions
        ),
    )
    if refit:
        train = [q for i, q in enumerate(questions) if i % 2 == 0]
        test = [q for i, q in enumerate(questions) if i % 2 == 1]
        fitted = fit([(features(q.question, hybrid_hits[q.id]), q.answerable) for q in train])
        report.fitted = fitted
        report.fitted_auc_held_out = split_auc(fitted.probability, test)
    return report


def render(report: RetrievalReport) -> str:
    rows: list[list[object]] = [
        [mode, s.recall_at_1, s.recall_at_5, s.mrr] for mode, s in report.modes.items()
    ]
    text = (
        f"{report.dataset}: {report.answerable} answerable, {report.unanswerable} unanswerable\n"
        + table(["search", "recall@1", "recall@5", "MRR"], rows)
        + "\nhybrid recall@5 by kind: "
        + ", ".join(f"{k} {v:.3f}" for k, v in report.by_kind_hybrid_recall_at_5.items())
        + f"\nanswerable confidence AUC: {report.confidence_auc:.4f} "
        f"(top cosine alone: {report.top_cosine_auc:.4f})"
    )
    if report.fitted is not None:
        text += (
            f"\nrefit on even questions: weights {list(report.fitted.weights)}, bias "
            f"{report.fitted.bias}; AUC on odd questions {report.fitted_auc_held_out:.4f}"
        )
    return text
