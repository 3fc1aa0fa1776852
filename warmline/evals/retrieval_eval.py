"""`warmline eval retrieval`: which article comes back, for questions as customers ask them.

Scores are per article (a question is answered by an article, whichever of its
chunks ranks first): recall@1, recall@5 and MRR over the answerable questions, for
Warmline's hybrid search, its dense and lexical halves alone, and the `bm25s`
library as an independent lexical peer, all over the same public chunks. The
answerable confidence is scored by ROC AUC, answerable against unanswerable
questions, and at the shipped threshold by the share of unanswerable questions it
answers and of answerable ones it refuses. `--fit` refits its logistic weights on
the set's dev rows and reports the AUC on its test rows (even and odd rows for a set
without a split).

A set is a folder with a `kb/` of articles and a `questions.jsonl`: the sample help
center (`sample`) and the public sets under `evals/retrieval/sets/`, each synced into
a knowledge store of its own.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel

from warmline.config import REPO_ROOT, Settings
from warmline.evals.output import dataset_name, table, write_report
from warmline.retrieval.confidence import AnswerableModel, features
from warmline.retrieval.store import Hit, KnowledgeStore

K = 5
MODES = ("hybrid", "dense", "lexical")
SETS = REPO_ROOT / "evals" / "retrieval" / "sets"
Split = Literal["dev", "test", "all"]


class EvalSet(BaseModel):
    name: str
    kb: Path
    questions: Path


def eval_sets() -> dict[str, EvalSet]:
    """The sample help center and every public set folder, by name."""
    found = {
        "sample": EvalSet(
            name="sample",
            kb=REPO_ROOT / "kb" / "sample",
            questions=REPO_ROOT / "evals" / "retrieval" / "questions.jsonl",
        )
    }
    for folder in sorted(SETS.iterdir()) if SETS.is_dir() else []:
        if (folder / "questions.jsonl").is_file() and (folder / "kb").is_dir():
            found[folder.name] = EvalSet(
                name=folder.name, kb=folder / "kb", questions=folder / "questions.jsonl"
            )
    return found


class Question(BaseModel):
    id: str
    question: str
    answers: list[str]
    kind: str
    answerable: bool
    split: Literal["dev", "test"] = "dev"


class ModeScores(BaseModel):
    recall_at_1: float
    recall_at_5: float
    mrr: float


class AtThreshold(BaseModel):
    """What the bot does at the shipped threshold: both error rates, each out of its own class."""

    threshold: float
    unanswerable_answered: float
    answerable_refused: float


class RetrievalReport(BaseModel):
    dataset: str
    split: str
    answerable: int
    unanswerable: int
    modes: dict[str, ModeScores]
    by_kind_hybrid_recall_at_5: dict[str, float]
    confidence_auc: float
    top_cosine_auc: float
    at_threshold: AtThreshold
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


def _split(questions: list[Question]) -> tuple[list[Question], list[Question]]:
    """Train and held-out rows for `--fit`: dev and test, or even and odd without a test split."""
    if any(q.split == "test" for q in questions):
        return [q for q in questions if q.split == "dev"], [
            q for q in questions if q.split == "test"
        ]
    return questions[::2], questions[1::2]


def evaluate(
    path: Path,
    store: KnowledgeStore,
    model: AnswerableModel,
    refit: bool = False,
    top_k: int = 12,
    split: Split = "all",
    threshold: float = 0.5,
) -> RetrievalReport:
    """`top_k` is what the bot retrieves per turn; the confidence is scored on those hits.

    `split` keeps the dev or test rows only (rows without one are dev); `--fit` needs
    both halves, so it always reads the whole file and scores its held-out half.
    """
    everything = load(path)
    questions = [q for q in everything if split in ("all", q.split)]
    answerable = [q for q in questions if q.answerable]
    bm25 = _bm25s_ranker(store)
    rankings: dict[str, list[tuple[Question, list[str]]]] = {m: [] for m in (*MODES, "bm25s")}
    hybrid_hits: dict[str, list[Hit]] = {}
    chosen = {q.id for q in questions}
    for question in everything if refit else questions:
        hits = store.search(question.question, 20, "hybrid")
        hybrid_hits[question.id] = hits[:top_k]
        if not question.answerable or question.id not in chosen:
            continue
        rankings["hybrid"].append((question, _articles([h.chunk.article_id for h in hits])))
        for mode in ("dense", "lexical"):
            mode_hits = store.search(question.question, 20, mode)
            rankings[mode].append((question, _articles([h.chunk.article_id for h in mode_hits])))
        rankings["bm25s"].append((question, bm25(question.question)))
    by_kind: dict[str, list[tuple[Question, list[str]]]] = {}
    for question, ranked in rankings["hybrid"]:
        by_kind.setdefault(question.kind, []).append((question, ranked))

    def scored(score: Callable[[str, list[Hit]], float], subset: list[Question]) -> list[float]:
        return [score(q.question, hybrid_hits[q.id]) for q in subset]

    def split_auc(score: Callable[[str, list[Hit]], float], subset: list[Question]) -> float:
        return auc(
            scored(score, [q for q in subset if q.answerable]),
            scored(score, [q for q in subset if not q.answerable]),
        )

    yes = scored(model.probability, answerable)
    no = scored(model.probability, [q for q in questions if not q.answerable])
    report = RetrievalReport(
        dataset=dataset_name(path),
        split=split,
        answerable=len(answerable),
        unanswerable=len(questions) - len(answerable),
        modes={mode: _scores(r) for mode, r in rankings.items()},
        by_kind_hybrid_recall_at_5={k: _scores(v).recall_at_5 for k, v in sorted(by_kind.items())},
        confidence_auc=split_auc(model.probability, questions),
        top_cosine_auc=split_auc(
            lambda _, hits: max((h.dense for h in hits), default=0.0), questions
        ),
        at_threshold=AtThreshold(
            threshold=threshold,
            unanswerable_answered=round(sum(p >= threshold for p in no) / (len(no) or 1), 4),
            answerable_refused=round(sum(p < threshold for p in yes) / (len(yes) or 1), 4),
        ),
    )
    if refit:
        train, held_out = _split(everything)
        fitted = fit([(features(q.question, hybrid_hits[q.id]), q.answerable) for q in train])
        report.fitted = fitted
        report.fitted_auc_held_out = split_auc(fitted.probability, held_out)
    return report


def render(report: RetrievalReport) -> str:
    rows: list[list[object]] = [
        [mode, s.recall_at_1, s.recall_at_5, s.mrr] for mode, s in report.modes.items()
    ]
    rates = report.at_threshold
    text = (
        f"{report.dataset} ({report.split} rows): {report.answerable} answerable, "
        f"{report.unanswerable} unanswerable\n"
        + table(["search", "recall@1", "recall@5", "MRR"], rows)
        + "\nhybrid recall@5 by kind: "
        + ", ".join(f"{k} {v:.3f}" for k, v in report.by_kind_hybrid_recall_at_5.items())
        + f"\nanswerable confidence AUC: {report.confidence_auc:.4f} "
        f"(top cosine alone: {report.top_cosine_auc:.4f}); at {rates.threshold}: "
        f"{rates.unanswerable_answered:.1%} of unanswerable answered, "
        f"{rates.answerable_refused:.1%} of answerable refused"
    )
    if report.fitted is not None:
        text += (
            f"\nrefit on dev rows: weights {list(report.fitted.weights)}, bias "
            f"{report.fitted.bias}; AUC on held-out rows {report.fitted_auc_held_out:.4f}"
        )
    return text


def run_sets(
    settings: Settings, names: list[str] | None, split: Split, refit: bool, out: Path
) -> int:
    """Syncs each set's articles into a store of its own (as `kb sync` does) and scores it."""
    from warmline.retrieval.embedder import Embedder
    from warmline.retrieval.sync import sync_folder

    known = eval_sets()
    unknown = sorted(set(names or []) - set(known))
    if unknown:
        print(f"unknown retrieval set(s): {', '.join(unknown)}; known: {', '.join(known)}")
        return 2
    threshold = settings.policy.thresholds.low_confidence
    for name in names or list(known):
        chosen = known[name]
        store = KnowledgeStore(
            settings.data_dir / "eval" / name,
            "kb_eval",
            Embedder(),
            token_vectors_mib=settings.retrieval.token_vectors_mib,
        )
        try:
            print(f"{name}: {sync_folder(chosen.kb, store, show_progress=True).summary()}")
            report = evaluate(
                chosen.questions,
                store,
                settings.retrieval.answerable,
                refit=refit,
                top_k=settings.retrieval.top_k,
                split=split,
                threshold=threshold,
            )
        finally:
            store.close()
        print(render(report) + "\n")
        write_report(report, out / f"retrieval-{name}.json")
    return 0
