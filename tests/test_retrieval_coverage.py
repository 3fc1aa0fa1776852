"""How much of a question a chunk covers, token by token, and how search reports it."""

from pathlib import Path

import numpy as np
import pytest

from warmline.retrieval import coverage
from warmline.retrieval.chunking import Chunk
from warmline.retrieval.coverage import ChunkTokens, candidate_idf, maxsim
from warmline.retrieval.embedder import Embedder, TokenVectors
from warmline.retrieval.store import KnowledgeStore


def _chunk(article: str, title: str, text: str) -> Chunk:
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
    cache.get(["a", "b"], ["text a", "text b"])
    cache.get(["a", "b"], ["text a", "text b"])
    assert computed == ["text a", "text b"]
    cache.get(["c"], ["text c"])  # evicts "a", the least recently used
    cache.get(["b", "a"], ["text b", "text a"])
    assert computed == ["text a", "text b", "text c", "text a"]
    found = cache.get(["b"], ["text b"])[0]
    assert np.allclose(np.linalg.norm(found.vectors(), axis=1), 1.0, atol=1e-3)


def test_candidate_wordpieces_are_tokenised_once(monkeypatch: pytest.MonkeyPatch) -> None:
    tokenised: list[str] = []

    def fake(texts: list[str]) -> list[np.ndarray]:
        tokenised.extend(texts)
        return [np.array([len(t)]) for t in texts]

    monkeypatch.setattr(coverage, "token_ids", fake)
    cache = ChunkTokens()
    assert [i.tolist() for i in cache.ids(["a", "b"], ["one", "three"])] == [[3], [5]]
    cache.ids(["b", "c"], ["three", "seven"])
    assert tokenised == ["one", "three", "seven"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeStore:
    knowledge = KnowledgeStore(tmp_path_factory.mktemp("coverage"), "kb", Embedder())
    knowledge.upsert(
        [
            _chunk(
                "gift-wrapping",
                "Gift wrapping",
                "We gift wrap any order for 3 EUR. Choose gift wrapping at checkout and "
                "add a card with your message.",
            ),
            _chunk(
                "order-changes",
                "Changing an order",
                "You can change the address or the items of an order until it ships. "
                "Open the order in your account and choose Edit.",
            ),
            _chunk(
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
