"""Knowledge-base ingestion in every format, incremental sync, filters and operator API."""

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from conftest import RunningServer

from warmline.retrieval.articles import load_articles
from warmline.retrieval.embedder import Embedder
from warmline.retrieval.store import KnowledgeStore, SearchFilters
from warmline.retrieval.sync import sync_folder

SERVER_SETTINGS = {"operator_tokens": ["op-secret"]}


def article(folder: Path, name: str, body: str, **meta: str) -> Path:
    fields = {"title": name.replace("-", " ").title(), "url": f"https://help.example/{name}"}
    front = "\n".join(f"{k}: {v}" for k, v in (fields | meta).items())
    path = folder / f"{name}.md"
    path.write_text(f"---\n{front}\n---\n# {fields['title']}\n{body}\n", encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[KnowledgeStore]:
    knowledge = KnowledgeStore(tmp_path / "qdrant", "kb_test", Embedder())
    yield knowledge
    knowledge.close()


def test_sync_embeds_only_what_changed_and_drops_what_went(
    tmp_path: Path, store: KnowledgeStore
) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    article(folder, "returns", "## Window\nReturn within 30 days.\n## Label\nPrint the label.")
    article(folder, "shipping", "## Times\nStandard delivery takes 3 to 5 business days.")
    gone = article(folder, "old-promo", "## Offer\nFree cable with every hub.")

    first = sync_folder(folder, store)
    assert first.added == ["old-promo", "returns", "shipping"]
    assert first.embedded_chunks == 4

    second = sync_folder(folder, store)
    assert not second.changed
    assert second.embedded_chunks == 0
    assert second.unchanged == 3

    article(folder, "shipping", "## Times\nStandard delivery now takes 2 to 4 business days.")
    gone.unlink()
    article(folder, "returns", "## Window\nReturn within 30 days.\n## Label\nPrint the label.",
            expires="2020-01-01")  # fmt: skip
    third = sync_folder(folder, store)
    assert third.updated == ["shipping"]
    assert third.removed == ["old-promo"]
    assert third.expired == ["returns"]
    assert third.embedded_chunks == 1
    assert set(store.indexed_articles()) == {"shipping"}
    assert "2 to 4" in store.search("how long is delivery", 3)[0].chunk.text


def test_expired_and_internal_articles_never_reach_customers(
    tmp_path: Path, store: KnowledgeStore
) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    article(folder, "winter-sale", "## Sale\nHubs are 40% off until March.", expires="2031-03-01")
    article(folder, "staff-discounts", "## Sale\nStaff get hubs 40% off.", visibility="internal")
    sync_folder(folder, store, today=date(2030, 12, 1))
    for today, expected in ((date(2030, 12, 1), {"winter-sale"}), (date(2031, 3, 2), set())):
        for mode in ("hybrid", "dense", "lexical"):
            hits = store.search("hub sale 40% off", 10, mode, today=today)
            assert {h.chunk.article_id for h in hits} == expected, (today, mode)
    internal = store.search("staff hub discount", 10, filters=SearchFilters(include_internal=True))
    assert "staff-discounts" in {h.chunk.article_id for h in internal}


def test_html_pdf_text_and_faq_files_become_articles(tmp_path: Path) -> None:
    from fpdf import FPDF

    (tmp_path / "warranty.html").write_text(
        """<html lang="en"><head><title>Warranty | Help</title>
        <link rel="canonical" href="https://help.example/warranty">
        <meta name="keywords" content="warranty, repairs"></head>
        <body><nav><a href="/">Home</a> <a href="/signin">Sign in</a></nav>
        <main><h1>Device warranty</h1><p>Every device has a 2-year warranty.</p>
        <h2>How to claim</h2><ol><li>Open the app.</li><li>Choose Warranty claim.</li></ol>
        </main><footer>© Lumen Home · Contact us</footer></body></html>""",
        encoding="utf-8",
    )
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "Shipping rates\nStandard shipping costs $5.95 and is free over $49.")
    pdf.output(str(tmp_path / "rates.pdf"))
    (tmp_path / "rates.pdf.yaml").write_text("url: https://help.example/rates\ntags: [shipping]\n")
    (tmp_path / "battery.txt").write_text("Replacing the lock battery\nUse four AA batteries.\n")
    (tmp_path / "faq.csv").write_text(
        "question,answer,url\nDo you ship to Canada?,Yes within 7 days.,https://help.example/faq\n"
    )
    (tmp_path / "faq2.json").write_text(
        json.dumps([{"question": "Is there an app?", "answer": "Yes, iOS and Android.",
                     "url": "https://help.example/app", "visibility": "internal"}])
    )  # fmt: skip
    articles = {a.id: a for a in load_articles(tmp_path)}
    assert set(articles) == {
        "warranty", "rates", "battery", "faq-do-you-ship-to-canada", "faq2-is-there-an-app",
    }  # fmt: skip
    warranty = articles["warranty"]
    assert warranty.title == "Device warranty"
    assert warranty.url == "https://help.example/warranty"
    assert warranty.tags == ["warranty", "repairs"]
    assert "## How to claim" in warranty.body
    assert "- Open the app." in warranty.body
    assert "Sign in" not in warranty.body
    assert "Contact us" not in warranty.body
    assert "$5.95" in articles["rates"].body
    assert articles["rates"].url == "https://help.example/rates"
    assert articles["rates"].tags == ["shipping"]
    assert articles["battery"].title == "Replacing the lock battery"
    assert articles["faq-do-you-ship-to-canada"].body == "Yes within 7 days."
    assert articles["faq2-is-there-an-app"].visibility == "internal"


async def test_operator_endpoints_need_a_token(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        assert (await http.get("/v1/kb/stats")).status_code == 403
        wrong = {"Authorization": "Bearer nope"}
        assert (await http.get("/v1/kb/stats", headers=wrong)).status_code == 403
        auth = {"Authorization": "Bearer op-secret"}
        stats = (await http.get("/v1/kb/stats", headers=auth)).json()
        assert stats["articles_by_visibility"] == {"public": 38, "internal": 5}
        found = (await http.get("/v1/kb/search", params={"q": "E-4404"}, headers=auth)).json()
        assert found["hits"][0]["chunk"]["article_id"] == "camera-stream-unavailable-e-4404"
        synced = (await http.post("/v1/kb/sync", headers=auth)).json()
        assert synced["embedded_chunks"] == 0
        exported = (await http.get("/v1/kb/export", headers=auth)).text.splitlines()
        assert len(exported) == stats["chunks"]


async def test_agents_search_public_articles_with_their_own_token(server: RunningServer) -> None:
    """The console's search: an agent token, never an operator's; only what a customer may see."""
    query = {"q": "refund exceptions approval matrix", "k": "10"}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        assert (await http.get("/v1/agent/kb/search", params=query)).status_code == 403
        operator = {"Authorization": "Bearer op-secret"}
        assert (
            await http.get("/v1/agent/kb/search", params=query, headers=operator)
        ).status_code == 403
        agent = {"Authorization": "Bearer lead-agent-token"}
        found = (await http.get("/v1/agent/kb/search", params=query, headers=agent)).json()
    ids = [match["article_id"] for match in found]
    assert ids and len(ids) == len(set(ids)), "one result per article"
    assert not any(i.endswith("-internal") for i in ids), "internal articles stay internal"
    assert "request-a-refund" in ids
    assert all(
        len(match["snippet"]) <= 201 and match["url"].startswith("https://") for match in found
    )


def test_a_new_collection_on_a_cluster_gets_the_configured_layout() -> None:
    """No Qdrant cluster runs here: Qdrant's in-process client stands in and records what
    was asked."""
    from typing import Any

    from qdrant_client import QdrantClient

    from warmline.config import Settings
    from warmline.retrieval.qdrant_index import QdrantIndex
    from warmline.retrieval.store import ClusterLayout

    settings = Settings(
        retrieval={"shards": 6, "replication_factor": 2, "write_consistency_factor": 1}
    )
    assert isinstance(settings.retrieval, ClusterLayout)
    asked: dict[str, Any] = {}
    real = QdrantClient(location=":memory:")

    class Recording:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def create_collection(self, *args: Any, **kwargs: Any) -> Any:
            asked.update(kwargs)
            return real.create_collection(*args, **kwargs)

    index = QdrantIndex(Recording(), "kb_cluster", settings.retrieval)  # type: ignore[arg-type]
    try:
        with pytest.warns(UserWarning, match="Payload indexes have no effect"):
            index._ensure_collection(Embedder.dimension)  # says what a server would index
    finally:
        index.close()
    assert (asked["shard_number"], asked["replication_factor"]) == (6, 2)
    assert asked["write_consistency_factor"] == 1


PLAIN_ARTICLES = {
    "Returns/Return an item.md": "# Return an item\n\nYou can return any device within "
    "30 days of delivery for a full refund.\n\n## Print a label\n\nOpen your order and tap "
    "**Return**. We email a prepaid label.\n",
    "Shipping/delivery-times.md": "# Delivery times\n\nStandard delivery takes 3 to 5 "
    "business days; express arrives the next business day if you order before 2 pm.\n",
    "Account/Reset Your Password.markdown": "# Reset your password\n\nTap **Forgot "
    "password?** on the sign-in screen and follow the link we email you.\n",
    # a static-site export: front matter, but no url and the title only in the heading
    "Billing/invoices.md": "---\nlayout: article\ntags: [billing]\n---\n# Invoices\n\n"
    "Your invoice is emailed to you as a PDF on the day your order ships.\n",
}


def test_kb_sync_ingests_plain_markdown_and_names_every_skipped_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An exported help center: no front matter, sub-folders, and files that are not articles."""
    from warmline.cli import main
    from warmline.config import Settings
    from warmline.server.runtime import open_knowledge_store

    folder = tmp_path / "export"
    for name, text in PLAIN_ARTICLES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "README.md").write_text("# Export\nMade by the help-center tool.\n")
    (folder / "notes.md").write_text("Remember to update the prices.\n")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n")
    (folder / "legacy.md").write_bytes("# Garantie\nR\xe9paration".encode("latin-1"))
    (folder / ".DS_Store").write_bytes(b"\0")
    monkeypatch.setenv("WARMLINE_DATA_DIR", str(tmp_path / "data"))

    assert main(["kb", "sync", str(folder)]) == 0
    out = capsys.readouterr().out
    store = open_knowledge_store(Settings())
    try:
        found = {
            question: store.search(question, limit=1)[0].chunk
            for question in (
                "how long do I have to send a device back",
                "when will my parcel arrive",
                "I forgot my password",
                "where do I find the invoice for my order",
            )
        }
    finally:
        store.close()

    assert out.splitlines()[0].startswith("4 added,") and "4 files skipped" in out
    assert "skipped: README.md: repository notes" in out
    assert "skipped: notes.md: no YAML front matter and no '# Title'" in out
    assert "skipped: logo.png: unsupported file type '.png'" in out
    assert "skipped: legacy.md: not UTF-8 text" in out
    assert ".DS_Store" not in out
    assert {q: c.article_id for q, c in found.items()} == {
        "how long do I have to send a device back": "return-an-item",
        "when will my parcel arrive": "delivery-times",
        "I forgot my password": "reset-your-password",
        "where do I find the invoice for my order": "invoices",
    }
    assert found["where do I find the invoice for my order"].title == "Invoices"
    returns = found["how long do I have to send a device back"]
    assert returns.title == "Return an item"
    assert returns.url.startswith("file://") and returns.url.endswith("Return%20an%20item.md")
