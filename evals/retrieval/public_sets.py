"""Builds the public retrieval sets under evals/retrieval/sets/ from the fetched source files.

Each set becomes a folder of Markdown articles (`kb/`, synced with `warmline kb sync`
like any help center) and a `questions.jsonl` in the format of the sample set, with a
`split` field: `dev` rows are for tuning, `test` rows are scored once at the end.

Unanswerable questions are built the same way in both sets: some articles are held
out of the knowledge base, and the questions written for them stay in the question
set with no answer. They ask about the same domain in the same voice, which is what a
help center's missing articles look like.

Usage:
  python evals/retrieval/public_sets.py covidfaq  query_answer_pairs.json
  python evals/retrieval/public_sets.py squad     dev-v2.0.json
  python evals/retrieval/public_sets.py wikiqa    WikiQA-dev.tsv WikiQA-test-gold.tsv
"""

import csv
import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

SETS = Path(__file__).parent / "sets"
SEED = 17


def _slug(text: str, limit: int = 60) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")


def _write_article(folder: Path, article_id: str, title: str, url: str, body: str) -> None:
    front = json.dumps(title)  # a JSON string is valid YAML and escapes quotes and colons
    text = f"---\ntitle: {front}\nurl: {url}\nvisibility: public\n---\n\n# {title}\n\n{body}\n"
    (folder / f"{article_id}.md").write_text(text, encoding="utf-8")


def _write(
    name: str, articles: dict[str, tuple[str, str, str]], rows: list[dict[str, object]]
) -> None:
    folder = SETS / name / "kb"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.md"):
        old.unlink()
    for article_id, (title, url, body) in sorted(articles.items()):
        _write_article(folder, article_id, title, url, body)
    rng = random.Random(SEED)
    rng.shuffle(rows)
    with (SETS / name / "questions.jsonl").open("w", encoding="utf-8") as out:
        for i, row in enumerate(rows, start=1):
            row = {"id": f"{name}-{i:04d}", **row, "split": "dev" if i % 2 else "test"}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    answerable = sum(bool(r["answers"]) for r in rows)
    print(
        f"{name}: {len(articles)} articles, {answerable} answerable, {len(rows) - answerable} not"
    )


def covidfaq(source: Path, per_faq: int = 20, held_out: int = 12) -> None:
    """COVID-19 FAQ (68 FAQ entries, 1,387 user questions labelled with their FAQ entry).

    An entry's answer is the article; its FAQ question the title. At most `per_faq`
    questions per entry, so the few entries with 100+ questions do not dominate.
    """
    pairs = json.loads(source.read_text(encoding="utf-8"))
    titles: dict[str, str] = {}
    for pair in pairs:
        if pair["query_type"] == "faq":
            titles.setdefault(pair["answer"], pair["question"].strip())
    ids = {answer: f"{_slug(title)}" for answer, title in titles.items()}
    questions: dict[str, list[str]] = defaultdict(list)
    for pair in pairs:
        text = " ".join(pair["question"].split())
        if pair["query_type"] == "user_query" and text not in questions[pair["answer"]]:
            questions[pair["answer"]].append(text)
    rng = random.Random(SEED)
    candidates = sorted(a for a in titles if len(questions[a]) >= 3)
    hidden = set(rng.sample(candidates, held_out))
    articles = {
        ids[a]: (
            titles[a],
            f"https://covid-faq.example/{ids[a]}",
            re.sub(r"\s*\[\[[^\]]*\]\]", "", a).strip(),
        )
        for a in titles
        if a not in hidden
    }
    rows: list[dict[str, object]] = []
    for answer, texts in sorted(questions.items()):
        for text in rng.sample(texts, min(per_faq, len(texts))):
            found = answer not in hidden
            rows.append(
                {
                    "question": text,
                    "answers": [ids[answer]] if found else [],
                    "kind": "paraphrase" if found else "unanswerable",
                    "answerable": found,
                }
            )
    _write("covidfaq", articles, rows)


def squad(source: Path, kept_titles: int = 6, held_out_titles: int = 3) -> None:
    """SQuAD 2.0 paragraphs as articles: one answerable question per paragraph.

    Whole Wikipedia pages are held out (their questions are unanswerable), not single
    paragraphs, and SQuAD's own adversarial "impossible" questions are left out: they
    are written against a paragraph that is in the knowledge base, which retrieval
    confidence cannot and should not judge (that is the responder's job).
    """
    pages = json.loads(source.read_text(encoding="utf-8"))["data"]
    rng = random.Random(SEED)
    chosen = rng.sample(pages, kept_titles + held_out_titles)
    articles: dict[str, tuple[str, str, str]] = {}
    rows: list[dict[str, object]] = []
    for n, page in enumerate(chosen):
        title = page["title"].replace("_", " ")
        hidden = n >= kept_titles
        for i, paragraph in enumerate(page["paragraphs"], start=1):
            article_id = f"{_slug(title)}-{i:02d}"
            if not hidden:
                articles[article_id] = (
                    f"{title} ({i})",
                    f"https://wiki.example/{_slug(title)}#{i}",
                    paragraph["context"].strip(),
                )
            possible = [q["question"].strip() for q in paragraph["qas"] if not q["is_impossible"]]
            if possible:
                rows.append(
                    {
                        "question": rng.choice(possible),
                        "answers": [] if hidden else [article_id],
                        "kind": "unanswerable" if hidden else "reading",
                        "answerable": not hidden,
                    }
                )
    _write("squad", articles, rows)


def wikiqa(*sources: Path, held_out_share: float = 1 / 3) -> None:
    """WikiQA: real search-engine questions, each with the summary of a Wikipedia page.

    A page's summary is the article. Only questions whose summary holds an answer
    sentence are used (the files this reads keep no others). A third of the pages are
    held out, chosen with a fixed seed; their questions are the unanswerable ones. The
    pages cover unrelated topics, so a held-out page's question is out of the knowledge
    base in substance, not only by label.
    """
    pages: dict[str, tuple[str, list[str]]] = {}
    questions: dict[str, tuple[str, str]] = {}
    for source in sources:
        with source.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                sentences = pages.setdefault(row["DocumentID"], (row["DocumentTitle"], []))[1]
                if row["Sentence"] not in sentences:
                    sentences.append(row["Sentence"])
                if row["Label"] == "1":
                    text = " ".join(row["Question"].split())
                    questions[f"{source.stem}-{row['QuestionID']}"] = (text, row["DocumentID"])
    ids = {doc: f"{_slug(title)}-{doc.lower()}" for doc, (title, _) in pages.items()}
    rng = random.Random(SEED)
    asked = sorted({doc for _, doc in questions.values()}, key=lambda d: int(d[1:]))
    hidden = set(rng.sample(asked, round(len(asked) * held_out_share)))
    articles = {
        ids[doc]: (
            title,
            f"https://wiki.example/{ids[doc]}",
            " ".join(s.replace(" .", ".").replace(" ,", ",") for s in sentences),
        )
        for doc, (title, sentences) in pages.items()
        if doc not in hidden
    }
    rows: list[dict[str, object]] = [
        {
            "question": text,
            "answers": [] if doc in hidden else [ids[doc]],
            "kind": "unanswerable" if doc in hidden else "search",
            "answerable": doc not in hidden,
        }
        for _, (text, doc) in sorted(questions.items())
    ]
    _write("wikiqa", articles, rows)


if __name__ == "__main__":
    builders = {"covidfaq": covidfaq, "squad": squad, "wikiqa": wikiqa}
    builders[sys.argv[1]](*(Path(arg) for arg in sys.argv[2:]))
