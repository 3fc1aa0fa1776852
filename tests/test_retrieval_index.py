"""The embedded index against Qdrant's own in-process mode, and shared between processes.

Both are filled from the sample help center by `kb sync` and asked the sample
evaluation questions; the embedded index must rank the same chunks first with the
same scores, under the customer filters and the internal ones.
"""

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from warmline.config import REPO_ROOT
from warmline.retrieval.embedder import Embedder
from warmline.retrieval.local_index import DamagedIndex
from warmline.retrieval.store import KnowledgeStore, Mode, SearchFilters
from warmline.retrieval.sync import sync_folder

SAMPLE = REPO_ROOT / "kb" / "sample"
QUESTIONS = REPO_ROOT / "evals" / "retrieval" / "questions.jsonl"


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KnowledgeStore, ...]]:
    embedded = KnowledgeStore(tmp_path_factory.mktemp("index"), "kb", Embedder())
    reference = KnowledgeStore(Path("unused"), "kb", Embedder(), url=":memory:")
    for store in (embedded, reference):
        sync_folder(SAMPLE, store)
    yield embedded, reference
    embedded.close()
    reference.close()


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
@pytest.mark.parametrize("internal", [False, True])
def test_the_embedded_index_ranks_as_qdrant_does(
    stores: tuple[KnowledgeStore, KnowledgeStore], mode: Mode, internal: bool
) -> None:
    embedded, reference = stores
    filters = SearchFilters(include_internal=internal)
    lines = QUESTIONS.read_text().splitlines()[::4]
    for question in (json.loads(line)["question"] for line in lines):
        ours = embedded.search(question, 5, mode, filters)
        theirs = reference.search(question, 5, mode, filters)
        # Each hit's own scores are the index's; the hybrid total also reads the other
        # candidates (the article ranking's title IDF and support, ranking.py) and, in the
        # embedded index only, the long chunks' passages (passages.py), and the two indexes
        # may break a tie at the 30th candidate differently, so it is compared through the
        # parts each index returns.
        theirs_by_id = {h.chunk.id: h for h in theirs}
        shared = [h for h in ours if h.chunk.id in theirs_by_id]
        if mode != "hybrid":
            assert [h.chunk.id for h in ours[:1]] == [h.chunk.id for h in theirs[:1]], question
            assert len(shared) >= len(theirs) - 1, question
        else:
            assert shared, question
        for hit in shared:
            other = theirs_by_id[hit.chunk.id]
            assert (hit.dense, hit.lexical) == pytest.approx((other.dense, other.lexical), abs=1e-4)
        if mode != "hybrid":
            # To within float rounding: the two indexes compute the same cosine through
            # different BLAS calls, whose last digits move with the thread count.
            assert [h.score for h in ours] == pytest.approx([h.score for h in theirs], abs=1e-4)


def test_an_internal_or_expired_chunk_never_reaches_a_customer(
    stores: tuple[KnowledgeStore, KnowledgeStore],
) -> None:
    embedded, _ = stores
    internal = [c for c in embedded.chunks() if c.visibility != "public"]
    assert internal, "the sample help center has internal articles"
    for chunk in internal[:5]:
        hits = embedded.search(chunk.text, 30)
        assert all(h.chunk.visibility == "public" for h in hits)
        assert chunk.id in {
            h.chunk.id
            for h in embedded.search(chunk.text, 30, filters=SearchFilters(include_internal=True))
        }
    far_future = date(9999, 1, 1)
    assert embedded.search("refund", 5, today=far_future) == embedded.search("refund", 5) or all(
        h.chunk.expires_day is None for h in embedded.search("refund", 5, today=far_future)
    )


def test_another_process_reads_the_index_a_sync_wrote(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "hub.md").write_text(
        "---\ntitle: Hub offline\nurl: https://help.example/hub\n---\n# Hub offline\n"
        "## Error E-1042\nUnplug the hub for ten seconds when it shows E-1042.\n"
    )
    writer = KnowledgeStore(tmp_path / "data", "kb", Embedder())
    reader = KnowledgeStore(tmp_path / "data", "kb", Embedder())
    assert reader.search("E-1042", 3) == []
    sync_folder(folder, writer)
    assert [h.chunk.article_id for h in reader.search("E-1042", 3)] == ["hub"]
    script = (
        "import sys; from pathlib import Path;"
        "from warmline.retrieval.embedder import Embedder;"
        "from warmline.retrieval.store import KnowledgeStore;"
        "s = KnowledgeStore(Path(sys.argv[1]), 'kb', Embedder());"
        "print(s.search('E-1042', 3, mode='lexical')[0].chunk.article_id)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "data")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert shown.stdout.strip() == "hub"
    (folder / "hub.md").unlink()
    assert sync_folder(folder, writer).removed == ["hub"]
    assert reader.search("E-1042", 3) == []


def test_a_damaged_index_says_so(tmp_path: Path) -> None:
    store = KnowledgeStore(tmp_path, "kb", Embedder())
    sync_folder(SAMPLE, store)
    current = (tmp_path / "kb" / "current").read_text()
    (tmp_path / "kb" / current / "chunks.json").write_text("{not json")
    with pytest.raises(DamagedIndex, match="JSONDecodeError"):
        KnowledgeStore(tmp_path, "kb", Embedder())
