"""How much of a question a chunk covers, token by token, and how search reports it."""

import json
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest
from conftest import LEAD
from fastapi import FastAPI
from test_knowledge_base import article

from warmline.config import Settings
from warmline.retrieval import coverage
from warmline.retrieval.chunking import Chunk
from warmline.retrieval.coverage import Candidate, ChunkTokens, candidate_idf, maxsim
from warmline.retrieval.embedder import Embedder, TokenVectors, token_ids, token_vectors
from warmline.retrieval.local_index import LocalIndex
from warmline.retrieval.store import KnowledgeStore
from warmline.retrieval.stored_tokens import DEFAULT_BUDGET_MIB, quantise, stored_bytes
from warmline.retrieval.sync import StoredTokenVectors, sync_folder
from warmline.server.agent_kb_api import agent_kb_router


def chunk_of(article: str, title: str, text: str) -> Chunk:
    return Chunk(
        id=f"{article}-0",
        article_id=article,
        title=title,
        url=f"https://help.example/{article}",
        section="Overview",
        position=0,
        text=text,
        visibility="public",
        language="en",
        tags=[],
        content_hash=article,
    )


def test_a_word_every_candidate_holds_weighs_less_than_a_rare_one() -> None:
    candidates = [np.array([5, 7]), np.array([5, 8]), np.array([5, 9]), np.array([5])]
    common, rare, absent = candidate_idf(np.array([5, 7, 42]), candidates)
    assert common < rare < absent


def test_a_chunk_holding_every_question_token_covers_it_fully() -> None:
    question = np.eye(3, dtype=np.float32)[:2]
    weights = np.array([1.0, 3.0])
    assert maxsim(question, weights, np.eye(3, dtype=np.float32)) == pytest.approx(1.0)
    # Lacking the heavier token costs more than lacking the lighter one.
    lacks_heavy = maxsim(question, weights, np.eye(3, dtype=np.float32)[[0, 2]])
    lacks_light = maxsim(question, weights, np.eye(3, dtype=np.float32)[[1, 2]])
    assert lacks_heavy < lacks_light < 1.0
    assert maxsim(question, weights, np.zeros((0, 3), dtype=np.float32)) == 0.0


def test_chunk_tokens_are_computed_once_and_the_cache_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    computed: list[str] = []

    def fake(texts: list[str]) -> list[TokenVectors]:
        computed.extend(texts)
        return [TokenVectors(np.array([1, 2]), np.ones((2, 4), dtype=np.float32)) for _ in texts]

    monkeypatch.setattr(coverage, "token_vectors", fake)
    cache = ChunkTokens(capacity=2)
    a, b, c = (Candidate(key, f"text {key}", None) for key in "abc")
    cache.get([a, b])
    cache.get([a, b])
    assert computed == ["text a", "text b"]
    cache.get([c])  # evicts "a", the least recently used
    cache.get([b, a])
    assert computed == ["text a", "text b", "text c", "text a"]
    found = cache.get([b])[0]
    assert np.allclose(np.linalg.norm(found.vectors(), axis=1), 1.0, atol=1e-3)


def test_candidate_wordpieces_are_tokenised_once(monkeypatch: pytest.MonkeyPatch) -> None:
    tokenised: list[str] = []

    def fake(texts: list[str]) -> list[np.ndarray]:
        tokenised.extend(texts)
        return [np.array([len(t)]) for t in texts]

    monkeypatch.setattr(coverage, "token_ids", fake)
    cache = ChunkTokens()
    one, three, seven = (
        Candidate(k, t, None) for k, t in [("a", "one"), ("b", "three"), ("c", "seven")]
    )
    assert [i.tolist() for i in cache.ids([one, three])] == [[3], [5]]
    cache.ids([three, seven])
    assert tokenised == ["one", "three", "seven"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeStore:
    knowledge = KnowledgeStore(tmp_path_factory.mktemp("coverage"), "kb", Embedder())
    knowledge.upsert(
        [
            chunk_of(
                "gift-wrapping",
                "Gift wrapping",
                "We gift wrap any order for 3 EUR. Choose gift wrapping at checkout and "
                "add a card with your message.",
            ),
            chunk_of(
                "order-changes",
                "Changing an order",
                "You can change the address or the items of an order until it ships. "
                "Open the order in your account and choose Edit.",
            ),
            chunk_of(
                "hub-lights",
                "What the hub's lights mean",
                "A blue light means the hub is connected. Orange means it is looking for "
                "your Wi-Fi; red means it is offline.",
            ),
        ]
    )
    return knowledge


def test_the_answering_article_covers_the_question_more_than_a_same_topic_one(
    store: KnowledgeStore,
) -> None:
    hits = {h.chunk.article_id: h for h in store.search("can you gift wrap my order", 3)}
    assert hits["gift-wrapping"].coverage > hits["order-changes"].coverage > 0.0
    lights = store.search("how do I pair the hub with my thermostat", 1)[0]
    answered = store.search("what does the orange light on my hub mean", 1)[0]
    assert lights.chunk.article_id == answered.chunk.article_id == "hub-lights"
    assert answered.coverage > lights.coverage


def test_only_hybrid_search_reads_chunks_token_by_token(store: KnowledgeStore) -> None:
    assert all(h.coverage == 0.0 for h in store.search("gift wrap", 3, "dense"))
    assert all(h.coverage == 0.0 for h in store.search("gift wrap", 3, "lexical"))
    assert store.search("gift wrap", 3)[0].coverage > 0.0


def test_a_store_with_nothing_indexed_searches_nothing(tmp_path: Path) -> None:
    assert KnowledgeStore(tmp_path, "kb", Embedder()).search("gift wrap", 3) == []


# Stored token vectors: `kb sync` keeps each chunk's, from the pass that embeds it.

ARTICLES = {
    "gift-wrapping": "## Gift wrap\nWe gift wrap any order for 3 EUR. Choose gift wrapping at "
    "checkout and add a card with your message.",
    "hub-lights": "## Lights\nA blue light means the hub is connected. Orange means it is "
    "looking for your Wi-Fi; red means it is offline.",
    "order-changes": "## Edit\nYou can change the address or the items of an order until it "
    "ships. Open the order in your account and choose Edit.",
}
GIFT_WRAP = "can you gift wrap my order"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    for name, body in ARTICLES.items():
        article(folder, name, body)
    return folder


def no_chunk_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Makes a model pass over a chunk (or its tokenisation) fail the search."""

    def refuse(texts: list[str]) -> list[TokenVectors]:
        raise AssertionError(f"model pass over chunks {texts}")

    monkeypatch.setattr(coverage, "token_vectors", refuse)
    monkeypatch.setattr(coverage, "token_ids", refuse)


def counted_chunk_passes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The chunk texts coverage runs the model over, as they are asked for."""
    asked: list[str] = []
    real = token_vectors

    def counting(texts: list[str]) -> list[TokenVectors]:
        asked.extend(texts)
        return real(texts)

    monkeypatch.setattr(coverage, "token_vectors", counting)
    return asked


def coverage_by_article(store: KnowledgeStore, query: str = GIFT_WRAP) -> dict[str, float]:
    return {h.chunk.article_id: h.coverage for h in store.search(query, 3)}


def test_another_process_reads_stored_token_vectors_without_a_model_pass(
    tmp_path: Path, kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = sync_folder(kb, KnowledgeStore(tmp_path / "data", "kb", Embedder()))
    assert report.token_vectors == StoredTokenVectors(
        stored=3, past_budget=0, filled=0, budget_mib=DEFAULT_BUDGET_MIB
    )
    assert "token vectors" not in report.summary()
    script = (
        "import json, sys; from pathlib import Path;"
        "from warmline.retrieval import coverage;"
        "from warmline.retrieval.embedder import Embedder;"
        "from warmline.retrieval.store import KnowledgeStore;"
        "coverage.token_vectors = coverage.token_ids = None;"  # any chunk pass would fail
        "s = KnowledgeStore(Path(sys.argv[1]), 'kb', Embedder());"
        "print(json.dumps({h.chunk.article_id: h.coverage for h in s.search(sys.argv[2], 3)}))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "data"), GIFT_WRAP],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    stored = json.loads(shown.stdout)
    assert stored["gift-wrapping"] > stored["order-changes"] > 0.0
    # The same figures as computing them at the first search (int8 of the same vectors).
    computed = KnowledgeStore(tmp_path / "lazy", "kb", Embedder(), token_vectors_mib=0)
    sync_folder(kb, computed)
    asked = counted_chunk_passes(monkeypatch)
    assert coverage_by_article(computed) == pytest.approx(stored, abs=1e-4)
    assert len(asked) == 3


def test_past_the_budget_coverage_computes_token_vectors_at_first_search(
    tmp_path: Path, kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = KnowledgeStore(tmp_path / "data", "kb", Embedder(), token_vectors_mib=0)
    report = sync_folder(kb, store)
    assert report.token_vectors is not None and report.token_vectors.past_budget == 3
    assert "token vectors: 0 chunks stored, 3 past the 0 MiB budget" in report.summary()
    asked = counted_chunk_passes(monkeypatch)
    assert coverage_by_article(store)["gift-wrapping"] > 0.0
    assert len(asked) == 3
    coverage_by_article(store)
    assert len(asked) == 3, "kept in the process's cache"


def test_the_budget_stores_chunks_in_order_until_the_next_would_not_fit(tmp_path: Path) -> None:
    index = LocalIndex(tmp_path, Embedder.dimension, token_budget_bytes=stored_bytes(25))
    chunks = [chunk_of(f"a{i}", "Title", f"text {i}") for i in range(4)]
    rng = np.random.default_rng(0)
    tokens = [
        TokenVectors(np.arange(10, dtype=np.int64) + i, rng.standard_normal((10, 384)).astype("f"))
        for i in range(4)
    ]
    index.add(chunks, rng.standard_normal((4, 384)).astype("f"), tokens)
    index.commit()
    stored = LocalIndex(tmp_path, Embedder.dimension).stored_tokens(chunks)
    assert [found is not None for found in stored] == [True, True, False, False]
    for found, original in zip(stored[:2], tokens[:2], strict=True):
        assert found is not None
        assert found.ids.tolist() == original.ids.tolist()
        assert np.array_equal(found.codes, quantise(original).codes)


def test_an_incremental_sync_stores_changed_chunks_and_drops_removed_ones(
    tmp_path: Path, kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = KnowledgeStore(tmp_path / "data", "kb", Embedder())
    sync_folder(kb, store)
    article(kb, "gift-wrapping", "## Gift wrap\nGift wrapping now costs 5 EUR per parcel.")
    (kb / "hub-lights.md").unlink()
    article(kb, "returns", "## Window\nReturn any item within 30 days for a full refund.")
    report = sync_folder(kb, store)
    assert (report.updated, report.removed, report.added) == (
        ["gift-wrapping"],
        ["hub-lights"],
        ["returns"],
    )
    assert report.token_vectors is not None and report.token_vectors.stored == 3
    folder = tmp_path / "data" / "kb"
    assert [p.name for p in folder.glob("gen-*")] == [(folder / "current").read_text()]
    chunks = list(store.chunks())
    assert sorted(c.article_id for c in chunks) == ["gift-wrapping", "order-changes", "returns"]
    stored = LocalIndex(folder, Embedder.dimension).stored_tokens(chunks)
    wanted = token_ids([c.embedding_text for c in chunks])
    for chunk, found, ids in zip(chunks, stored, wanted, strict=True):
        assert found is not None, chunk.id
        assert found.ids.tolist() == ids.tolist(), chunk.id
    no_chunk_passes(monkeypatch)
    fresh = KnowledgeStore(tmp_path / "data", "kb", Embedder())
    assert coverage_by_article(fresh, "how much is gift wrapping")["gift-wrapping"] > 0.0


def test_an_index_written_without_token_vectors_still_loads_and_the_next_sync_fills_them(
    tmp_path: Path, kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_folder(kb, KnowledgeStore(tmp_path / "data", "kb", Embedder()))
    folder = tmp_path / "data" / "kb"
    for written in (folder / (folder / "current").read_text()).glob("token_*.npy"):
        written.unlink()  # as an earlier version wrote it
    old = KnowledgeStore(tmp_path / "data", "kb", Embedder())
    assert old.stored_token_vectors() == (0, 3)
    asked = counted_chunk_passes(monkeypatch)
    assert coverage_by_article(old)["gift-wrapping"] > 0.0
    assert asked, "computed at the first search"
    report = sync_folder(kb, old)
    assert report.embedded_chunks == 0 and not report.changed
    assert report.token_vectors is not None
    assert (report.token_vectors.filled, report.token_vectors.stored) == (3, 3)
    no_chunk_passes(monkeypatch)
    assert (
        coverage_by_article(KnowledgeStore(tmp_path / "data", "kb", Embedder()))["gift-wrapping"]
        > 0.0
    )


async def test_the_agent_consoles_search_reads_no_chunk_token_by_token(
    tmp_path: Path, kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nobody reads the answerable confidence there; with nothing stored, coverage would
    need a model pass over the top chunks."""
    store = KnowledgeStore(tmp_path / "data", "kb", Embedder(), token_vectors_mib=0)
    sync_folder(kb, store)
    app = FastAPI()
    app.include_router(agent_kb_router(Settings(data_dir=tmp_path, agents=[LEAD]), lambda: store))
    no_chunk_passes(monkeypatch)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console") as http:
        found = await http.get(
            "/v1/agent/kb/search",
            params={"q": GIFT_WRAP},
            headers={"Authorization": f"Bearer {LEAD.token}"},
        )
    assert found.status_code == 200
    assert found.json()[0]["article_id"] == "gift-wrapping"
