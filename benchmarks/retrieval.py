"""Knowledge-base ingest throughput and search latency at 1k, 10k and 100k chunks.

The corpus is synthetic but shaped like the real one: every chunk is three
sentences drawn from the sample help center plus an order number and an error code,
under a random article title, so lengths and vocabulary match what sync embeds.
Queries are the retrieval evaluation questions. Each size runs in a fresh data folder
with the store's default index; ingest includes embedding on the CPU (and, with the
embedded index, storing each chunk's token vectors: `index_mib` is the folder's size).
Results written before 2026-12-06 ran on Qdrant's local mode (the report's `mode`).
Writes benchmarks/results/retrieval.json.

`--per-query LABEL` instead measures what one customer question costs on the real
knowledge bases (the sample help center and the public evaluation sets) with one torch
thread, as a worker runs: embedding the question, the whole hybrid search, and the
answerable confidence; and embedding one chunk at sync. Run it with PYTHONPATH at an
older checkout and another label to compare code before and after a change.

`--index` measures the search alone (no embedding) on random unit vectors, at sizes where
embedding every chunk would take too long (and, apart, the article ranking hybrid search
adds after fusion; the embedded index's search includes reading its candidates' sentence
passages, six random ones a chunk, as if every chunk were long): the embedded index
(numpy + scipy) beside
Qdrant's in-process mode, the previous embedded default, in the same run. Chunk texts are
the synthetic ones above, so the lexical terms follow the sample help center's vocabulary;
query vectors are random unit vectors too and query texts the evaluation questions.
`--before DIR` (a checkout, e.g. `git archive REV warmline | tar -x -C DIR`) times that
checkout's embedded index on the same generation, alternating query by query.

Usage: .venv/bin/python benchmarks/retrieval.py [--sizes 1000 10000 100000] [--queries 200]
       .venv/bin/python benchmarks/retrieval.py --per-query after [--queries 200]
       .venv/bin/python benchmarks/retrieval.py --index [--sizes 10000 100000] [--before DIR]
"""

import argparse
import importlib.util
import json
import os
import platform
import random
import re
import resource
import statistics
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from harness import percentile, rss_mib, summary_ms

from warmline.config import REPO_ROOT
from warmline.retrieval.articles import load_articles
from warmline.retrieval.chunking import Chunk, chunk_article
from warmline.retrieval.embedder import Embedder
from warmline.retrieval.ranking import rank_articles
from warmline.retrieval.search_types import SearchFilters
from warmline.retrieval.store import CANDIDATES, KnowledgeStore, _fuse, best_passages

RESULTS = Path(__file__).parent / "results" / "retrieval.json"
PASSAGES = 6


def sentence_pool() -> tuple[list[str], list[str]]:
    articles = load_articles(REPO_ROOT / "kb" / "sample")
    sentences = [
        s.strip()
        for a in articles
        for c in chunk_article(a)
        for s in re.split(r"(?<=[.!?])\s+|\n", c.text)
        if len(s.split()) >= 5
    ]
    return sentences, [a.title for a in articles]


def synthetic_chunks(n: int, rng: random.Random) -> list[Chunk]:
    sentences, titles = sentence_pool()
    chunks = []
    for i in range(n):
        article = f"synthetic-{i // 4}"
        text = " ".join(rng.sample(sentences, 3))
        text += f" Order LH-{rng.randrange(10**6):06d}, error E-{rng.randrange(10**4):04d}."
        chunks.append(
            Chunk(
                id=str(uuid.UUID(int=rng.getrandbits(128))),
                article_id=article,
                title=f"{rng.choice(titles)} ({i // 4})",
                url=f"https://help.example/{article}",
                section="Overview",
                position=i % 4,
                text=text,
                visibility="public" if rng.random() > 0.1 else "internal",
                language="en",
                tags=[],
            )
        )
    return chunks


def run(size: int, queries: list[str], embedder: Embedder) -> dict[str, object]:
    rng = random.Random(size)
    chunks = synthetic_chunks(size, rng)
    with tempfile.TemporaryDirectory() as folder:
        store = KnowledgeStore(Path(folder), "bench", embedder)
        started = time.perf_counter()
        store.upsert(chunks)
        ingest_s = time.perf_counter() - started
        latencies = []
        for query in queries:
            t0 = time.perf_counter()
            store.search(query, 8)
            latencies.append(time.perf_counter() - t0)
        stored = store.stored_token_vectors()
        store.close()
        on_disk = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
    return {
        "chunks": size,
        "ingest_s": round(ingest_s, 1),
        "ingest_chunks_per_s": round(size / ingest_s, 1),
        "store": "embedded index, token vectors stored",
        "index_mib": round(on_disk / 2**20, 1),
        "token_vectors_stored": stored[0] if stored else None,
        "search_queries": len(queries),
        "search_p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "search_p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "search_mean_ms": round(statistics.fmean(latencies) * 1000, 1),
        "rss_mib_after": rss_mib(),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def per_query(label: str, limit: int) -> None:
    import torch

    from warmline.config import Settings
    from warmline.retrieval.sync import sync_folder

    torch.set_num_threads(1)
    settings = Settings()
    embedder = Embedder()
    embedder.embed(["warm up"])
    sets = {"sample": (REPO_ROOT / "kb" / "sample", REPO_ROOT / "evals" / "retrieval")}
    for folder in sorted((REPO_ROOT / "evals" / "retrieval" / "sets").iterdir()):
        sets[folder.name] = (folder / "kb", folder)
    figures: dict[str, object] = {}
    for name, (kb, questions_dir) in sets.items():
        lines = (questions_dir / "questions.jsonl").read_text().splitlines()[:limit]
        queries = [json.loads(line)["question"] for line in lines]
        with tempfile.TemporaryDirectory() as scratch:
            store = KnowledgeStore(Path(scratch), "bench", embedder)
            started = time.perf_counter()
            chunks = sync_folder(kb, store).embedded_chunks
            sync_s = time.perf_counter() - started
            embed, search, confidence = [], [], []
            for query in queries:
                t0 = time.perf_counter()
                embedder.embed([query])
                t1 = time.perf_counter()
                hits = store.search(query, settings.retrieval.top_k)
                t2 = time.perf_counter()
                settings.retrieval.answerable.probability(query, hits)
                embed.append(t1 - t0)
                search.append(t2 - t1)
                confidence.append(time.perf_counter() - t2)
            store.close()
        figures[name] = {
            "chunks": chunks,
            "sync_ms_per_chunk": round(sync_s / max(chunks, 1) * 1000, 1),
            "query_embedding": summary_ms(embed),
            "search_with_embedding": summary_ms(search),
            "confidence": summary_ms(confidence),
        }
        print(name, json.dumps(figures[name]), flush=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous.setdefault("per_query", {})[label] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "torch_threads": 1,
        "rss_mib_after": rss_mib(),
        "sets": figures,
    }
    RESULTS.write_text(json.dumps(previous, indent=2) + "\n")


def index_search(
    size: int, queries: list[str], backend: str, before: Path | None = None
) -> list[dict[str, object]]:
    """Hybrid search p50/p95 (dense + lexical + fusion, customer filters) on one backend.

    With `before` (a checkout of the package), the embedded index of that checkout searches
    the same generation too, query by query alternating with the current code, so both
    sides see the same moments of a shared machine."""
    import numpy as np

    from warmline.retrieval.local_index import LocalIndex
    from warmline.retrieval.qdrant_index import QdrantIndex

    rng = np.random.default_rng(size)
    chunks = synthetic_chunks(size, random.Random(size))
    vectors = rng.standard_normal((size, Embedder.dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    asked = rng.standard_normal((len(queries), Embedder.dimension)).astype(np.float32)
    asked /= np.linalg.norm(asked, axis=1, keepdims=True)
    with tempfile.TemporaryDirectory() as folder:
        from qdrant_client import QdrantClient

        index: LocalIndex | QdrantIndex = (
            LocalIndex(Path(folder), Embedder.dimension)
            if backend == "embedded index"
            else QdrantIndex(QdrantClient(location=":memory:"), "bench", None)
        )
        started = time.perf_counter()
        for start in range(0, size, 1000):
            batch = chunks[start : start + 1000]
            if isinstance(index, LocalIndex):
                # Every chunk long, with SQuAD's median of six passages: the most a
                # search reads (a help center's chunks are mostly short and have none).
                passages = rng.standard_normal((len(batch), PASSAGES, Embedder.dimension))
                passages /= np.linalg.norm(passages, axis=2, keepdims=True)
                index.add(batch, vectors[start : start + 1000], None, list(passages))
            else:
                index.add(batch, vectors[start : start + 1000])
        index.commit()
        build_s = time.perf_counter() - started
        sides: dict[str, Any] = {backend: index}
        if before is not None and backend == "embedded index":
            sides[f"{backend} (before)"] = _checkout_index(before).LocalIndex(
                Path(folder), Embedder.dimension
            )
        filters, today = SearchFilters(), date.today()
        latencies: dict[str, list[float]] = {name: [] for name in sides}
        ranking: list[float] = []
        for query, vector in zip(queries, asked, strict=True):
            for name, side in sides.items():
                t0 = time.perf_counter()
                dense = side.dense(vector, filters, today, CANDIDATES)
                lexical = side.lexical(query, filters, today, CANDIDATES)
                # The index before passages (`--before`) has none to read.
                closest = (
                    best_passages(side, vector, dense, lexical)
                    if hasattr(side, "best_passages")
                    else {}
                )
                fused = _fuse(dense, lexical, closest)
                latencies[name].append(time.perf_counter() - t0)
                if name == backend:
                    t1 = time.perf_counter()
                    rank_articles(query, fused)
                    ranking.append(time.perf_counter() - t1)
        for side in sides.values():
            side.close()
    return [
        {
            "backend": name,
            "chunks": size,
            "build_s": round(build_s, 1),
            "queries": len(queries),
            "hybrid_p50_ms": round(percentile(measured, 0.5) * 1000, 2),
            "hybrid_p95_ms": round(percentile(measured, 0.95) * 1000, 2),
            # The article ranking after fusion (title match and support), timed apart.
            **(
                {
                    "article_ranking_p50_ms": round(percentile(ranking, 0.5) * 1000, 3),
                    "article_ranking_p95_ms": round(percentile(ranking, 0.95) * 1000, 3),
                }
                if name == backend
                else {}
            ),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "rss_mib_after": rss_mib(),
        }
        for name, measured in latencies.items()
    ]


def _checkout_index(code: Path) -> Any:
    """`warmline/retrieval/local_index.py` of another checkout, as its own module (the
    rest of the package is today's, which the index only uses for its types)."""
    path = code / "warmline" / "retrieval" / "local_index.py"
    spec = importlib.util.spec_from_file_location("local_index_before", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def index_benchmark(sizes: list[int], questions: list[str], before: Path | None) -> None:
    """The embedded index at every size; Qdrant's in-process mode where it finishes (it
    scores every point in Python, seconds a query at 100,000 chunks)."""
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    # A run over some sizes keeps the figures already on record for the others.
    kept = previous.get("index_search", {}).get("results", [])
    figures = [f for f in kept if f["chunks"] not in sizes]
    for size in sizes:
        for backend in ("embedded index", "qdrant in-process"):
            if backend == "qdrant in-process" and size > 10_000:
                continue
            count = len(questions) if backend == "embedded index" else 20
            for figure in index_search(size, questions[:count], backend, before):
                figures.append(figure)
                print(json.dumps(figure), flush=True)
    previous["index_search"] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "vectors": "random unit vectors (384 dimensions), queries random unit vectors",
        "lexical": "synthetic chunk texts from the sample help center; queries the eval questions",
        "filters": "customer (public, not expired, not quarantined; 10% of chunks internal)",
        "before": str(before) if before else None,
        "results": figures,
    }
    RESULTS.write_text(json.dumps(previous, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--per-query", metavar="LABEL", help="cost per question on the eval KBs")
    parser.add_argument("--index", action="store_true", help="search alone on random vectors")
    parser.add_argument(
        "--before", type=Path, help="with --index: also time this checkout's embedded index"
    )
    args = parser.parse_args()
    if args.per_query:
        per_query(args.per_query, args.queries)
        return
    questions = [
        json.loads(line)["question"]
        for line in (REPO_ROOT / "evals" / "retrieval" / "questions.jsonl").read_text().splitlines()
    ][: args.queries]
    if args.index:
        index_benchmark(args.sizes, questions, args.before)
        return
    embedder = Embedder()
    embedder.embed(["warm up"])
    # A run over some sizes keeps the figures already on record for the others.
    previous = json.loads(RESULTS.read_text())["results"] if RESULTS.exists() else []
    results: list[dict[str, object]] = [r for r in previous if r["chunks"] not in args.sizes]
    report: dict[str, object] = {
        **(json.loads(RESULTS.read_text()) if RESULTS.exists() else {}),
        "benchmark": "retrieval",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "mode": "hybrid (dense + lexical, RRF), Qdrant local mode",
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        # Search cost grows with the corpus in local mode; fewer queries keep 100k bounded.
        count = max(20, min(len(questions), 2_000_000 // size))
        result = run(size, questions[:count], embedder)
        results.append(result)
        results.sort(key=lambda r: int(str(r["chunks"])))
        print(json.dumps(result), flush=True)
        # Written after every size, so a run stopped at a large size keeps the smaller ones.
        RESULTS.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
