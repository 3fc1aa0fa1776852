"""Misspelled question words are put right towards the knowledge base's own words."""

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from warmline.retrieval.embedder import Embedder
from warmline.retrieval.local_index import LocalIndex
from warmline.retrieval.search_types import SearchFilters
from warmline.retrieval.spelling import correct, words
from warmline.retrieval.store import KnowledgeStore
from warmline.retrieval.sync import sync_folder

HELP_CENTER = words(
    "How to request a refund. Your parcel arrived damaged. Set up the Zigbee hub on Wi-Fi. "
    "Reset your password."
)


def _found(terms: list[str]) -> set[str]:
    """What a lexical search over the help center above would show for these terms."""
    return HELP_CENTER if HELP_CENTER & set(terms) else set()


def test_typos_become_the_help_centers_words() -> None:
    assert correct("wheres my refnd", _found) == "wheres my refund"
    assert correct("my parcle is damged", _found) == "my parcel is damaged"
    assert correct("forgot my pasword", _found) == "forgot my password"


def test_known_words_names_and_short_words_stay_as_written() -> None:
    assert correct("zigbee hub on wifi", _found) == "zigbee hub on wifi"  # in the help center
    assert correct("what is a duvet", _found) == "what is a duvet"  # no help-center word near
    assert correct("refunds for parcels", _found) == "refunds for parcels"  # English words
    assert correct("hub wont pair", _found) == "hub wont pair"  # "won't" without apostrophe
    assert correct("amex", _found) == "amex"  # too short to tell a typo from a name


def test_a_misspelled_question_finds_its_article(tmp_path: Path) -> None:
    articles = tmp_path / "kb"
    articles.mkdir()
    (articles / "refunds.md").write_text("# Request a refund\n\nAsk for your money back.\n")
    (articles / "parcel.md").write_text("# Damaged parcel\n\nSend us a photo of the box.\n")
    store = KnowledgeStore(tmp_path / "index", "kb", Embedder())
    try:
        sync_folder(articles, store)
        hits = store.search("where is my refnd", 2, "lexical")
        assert [h.chunk.article_id for h in hits] == ["refunds"]
        assert store.search("my parcle came damged", 1)[0].chunk.article_id == "parcel"
    finally:
        store.close()


def test_a_words_verdict_is_kept_until_the_knowledge_base_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The knowledge base is asked about an unknown word once, not in every question that
    holds it; a sync that changes what it holds asks again."""
    asked: list[str] = []
    words_found = KnowledgeStore._words_found

    def counted(store: KnowledgeStore, text: str, *args: Any) -> set[str]:
        asked.append(text.split()[0])
        return words_found(store, text, *args)

    monkeypatch.setattr(KnowledgeStore, "_words_found", counted)
    articles = tmp_path / "kb"
    articles.mkdir()
    (articles / "refunds.md").write_text("# Request a refund\n\nAsk for your money back.\n")
    store = KnowledgeStore(tmp_path / "index", "kb", Embedder())
    try:
        sync_folder(articles, store)
        for question in ("where is my refnd", "how long does a refnd take"):
            assert [h.chunk.article_id for h in store.search(question, 1, "lexical")] == ["refunds"]
        assert asked == ["refnd"], "asked once for both questions"
        (articles / "refnd.md").write_text("# The Refnd card\n\nRefnd is our gift card.\n")
        sync_folder(articles, store)
        hits = store.search("where is my refnd", 1, "lexical")
        assert [h.chunk.article_id for h in hits] == ["refnd"], "now a word of the help center"
        assert asked == ["refnd", "refnd"]
    finally:
        store.close()


def test_only_todays_short_verdicts_are_kept(tmp_path: Path) -> None:
    """A worker runs for weeks: yesterday's verdicts go with today's first question, and a
    run of letters no help center holds is not remembered at all."""
    articles = tmp_path / "kb"
    articles.mkdir()
    (articles / "refunds.md").write_text("# Request a refund\n\nAsk for your money back.\n")
    store = KnowledgeStore(tmp_path / "index", "kb", Embedder())
    monday, tuesday = date(2026, 12, 7), date(2026, 12, 8)
    try:
        sync_folder(articles, store)
        store.search("where is my refnd", 1, "lexical", today=monday)
        index = store._index
        assert isinstance(index, LocalIndex)
        assert "refnd" in index.corrections(SearchFilters(), monday)
        store.search("where is my refnd " + "a" * 40, 1, "lexical", today=tuesday)
        assert "refnd" in index.corrections(SearchFilters(), tuesday)
        assert "a" * 40 not in index.corrections(SearchFilters(), tuesday)
        assert index.corrections(SearchFilters(), monday) == {}, "Monday's went"
    finally:
        store.close()
