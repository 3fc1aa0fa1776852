"""Sentence passages: a question about one sentence of a long article finds the article."""

from pathlib import Path

import pytest
from test_retrieval_coverage import chunk_of

from warmline.retrieval.chunking import Chunk
from warmline.retrieval.embedder import Embedder
from warmline.retrieval.passages import passage_texts, raised, sentences
from warmline.retrieval.search_types import Scored
from warmline.retrieval.store import KnowledgeStore, _fuse
from warmline.retrieval.sync import sync_folder


def _chunk(article: str, text: str) -> Chunk:
    return chunk_of(article, article.replace("-", " ").title(), text)


def test_a_paragraph_is_split_at_sentence_ends_and_short_fragments_stay_attached() -> None:
    text = (
        'Parcels leave the warehouse daily. They arrive in "two to three days". '
        "Steps:\n1. Open the app and tap Orders.\n2. Choose the parcel that is late."
    )
    assert sentences(text) == [
        "Parcels leave the warehouse daily.",
        'They arrive in "two to three days".',
        "Steps: 1. Open the app and tap Orders.",
        "2. Choose the parcel that is late.",
    ]
    assert sentences("U.S. prices rose to $12 a barrel in 1974.") == [
        "U.S. prices rose to $12 a barrel in 1974."
    ]


def test_a_short_chunk_has_no_passages_and_a_long_ones_carry_their_heading() -> None:
    short = "Refunds take five days. Card refunds take longer."
    assert passage_texts(_chunk("refunds", short)) == []
    long = "Refunds take five working days. " + "Card refunds take longer than that. " * 30
    found = passage_texts(_chunk("refunds", long))
    assert len(found) == 31
    assert found[:2] == [
        "Refunds. Overview. Refunds take five working days.",
        "Refunds. Overview. Card refunds take longer than that.",
    ]


def test_a_close_passage_raises_its_chunk_but_a_far_one_never_lowers_it() -> None:
    assert raised(0.4, 0.8) == pytest.approx(0.6)
    assert raised(0.6, 0.3) == 0.6
    assert raised(0.6, None) == 0.6
    dense = [
        Scored(chunk=_chunk("short-answer", "x"), score=0.60),
        Scored(chunk=_chunk("long-history", "y"), score=0.52),
    ]
    plain = _fuse(dense, [])
    lifted = _fuse(dense, [], {"long-history-0": 0.75})
    assert [h.chunk.article_id for h in plain] == ["short-answer", "long-history"]
    assert [h.chunk.article_id for h in lifted] == ["long-history", "short-answer"]
    # The confidence reads the chunk's own cosine, not the passage's.
    assert {h.chunk.article_id: h.dense for h in lifted}["long-history"] == 0.52


FILLER = (
    "The company was founded in a small workshop and grew over the following decades. "
    "Its first products were handmade wooden toys sold at weekend markets in the region. "
    "Later the founders opened a second workshop and hired apprentices from the village. "
    "The catalogue expanded to furniture, kitchenware and garden tools of many kinds. "
    "Exports began when a trading house from abroad placed a large order for chairs. "
)


def _write_articles(folder: Path) -> None:
    # One paragraph of about 330 words: the embedding model reads its first 256
    # wordpieces only, so the last sentence is not in the chunk's own vector at all.
    history = FILLER * 4 + (
        "Today every parcel from the warehouse is collected by the courier at four in the "
        "afternoon and reaches customers within two working days."
    )
    (folder / "history.md").write_text(
        f"---\ntitle: Our story\nurl: https://help.example/story\n---\n# Our story\n\n{history}\n"
    )
    (folder / "returns.md").write_text(
        "---\ntitle: Returning an order\nurl: https://help.example/returns\n---\n"
        "# Returning an order\n\nPrint the label from your account and hand the parcel to "
        "any post office within thirty days. Refunds reach your card a week later.\n"
    )


@pytest.fixture(scope="module")
def long_article_store(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeStore:
    folder = tmp_path_factory.mktemp("kb")
    _write_articles(folder)
    store = KnowledgeStore(tmp_path_factory.mktemp("data"), "kb", Embedder())
    sync_folder(folder, store)
    return store


def test_a_question_about_the_last_sentence_of_a_long_article_finds_it(
    long_article_store: KnowledgeStore,
) -> None:
    # No word in common with either article, so lexical search is no help here.
    question = "what time is pickup"
    assert long_article_store.search(question, 2, mode="lexical") == []
    dense = long_article_store.search(question, 2, mode="dense")
    assert dense[0].chunk.article_id == "returns"  # the paragraph's average misses it
    hybrid = long_article_store.search(question, 2)
    assert hybrid[0].chunk.article_id == "history"


def _closest_passages(store: KnowledgeStore) -> dict[str, float | None]:
    chunks = list(store.chunks())
    vector = Embedder().embed_query("when is the parcel collected by the courier")
    best = store._index.best_passages(vector, chunks)  # type: ignore[union-attr]
    return dict(zip([c.article_id for c in chunks], best, strict=True))


def test_only_the_long_article_has_passages(long_article_store: KnowledgeStore) -> None:
    found = _closest_passages(long_article_store)
    assert found["history"] is not None and found["history"] > 0.5
    assert found["returns"] is None  # a short article is its own passage


def test_an_index_written_before_passages_gets_them_at_the_next_sync(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    _write_articles(folder)
    sync_folder(folder, KnowledgeStore(tmp_path / "data", "kb", Embedder()))
    generation = tmp_path / "data" / "kb" / (tmp_path / "data" / "kb" / "current").read_text()
    for written in generation.glob("passage_*.npy"):
        written.unlink()  # as an index written by the version before passages
    store = KnowledgeStore(tmp_path / "data", "kb", Embedder())
    assert _closest_passages(store)["history"] is None
    report = sync_folder(folder, store)
    assert (report.added, report.updated, report.embedded_chunks) == ([], [], 2)
    assert _closest_passages(store)["history"] is not None
    assert sync_folder(folder, store).embedded_chunks == 0  # once only
