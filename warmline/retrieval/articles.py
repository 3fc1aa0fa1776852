"""Help-center articles, whatever file they arrive in.

Markdown carries its metadata in YAML front matter; HTML in its <title>, canonical
link and <meta> tags; PDF and plain text in an optional sidecar `<file>.yaml` with
the same fields as front matter; a JSON or CSV FAQ holds one article per row.
"""

import hashlib
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field


class Article(BaseModel):
    id: str
    title: str
    url: str
    body: str
    visibility: Literal["public", "internal"] = "public"
    language: str = "en"
    tags: list[str] = Field(default_factory=list)
    updated: date | None = None
    expires: date | None = None

    @property
    def content_hash(self) -> str:
        """Changes whenever anything a customer could see or filter on changes."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class ArticleFormatError(ValueError):
    pass


def _meta_fields(meta: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in meta.items() if k in Article.model_fields and k not in {"id", "body"}}


def _sidecar(path: Path) -> dict[str, object]:
    sidecar = path.with_name(path.name + ".yaml")
    return (
        _meta_fields(yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {})
        if sidecar.exists()
        else {}
    )


def parse_markdown(path: Path) -> list[Article]:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return []  # a README or notes, not an article
    try:
        _, header, body = text.split("---\n", 2)
    except ValueError as exc:
        raise ArticleFormatError(f"{path}: unterminated front matter") from exc
    meta = yaml.safe_load(header) or {}
    return [Article(id=path.stem, body=body.strip(), **_meta_fields(meta))]


def parse_text(path: Path) -> list[Article]:
    lines = path.read_text(encoding="utf-8").strip().splitlines()
    if not lines:
        return []
    meta = {"title": lines[0].strip("# ").strip(), "url": path.resolve().as_uri()} | _sidecar(path)
    return [Article(id=path.stem, body="\n".join(lines[1:]).strip(), **meta)]


def parse_pdf(path: Path) -> list[Article]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    pages = [page.extract_text() or "" for page in reader.pages]
    body = "\n\n".join(p.strip() for p in pages if p.strip())
    info_title = (reader.metadata.title if reader.metadata else None) or ""
    first_line = body.splitlines()[0] if body else path.stem
    meta = {"title": info_title or first_line, "url": path.resolve().as_uri()} | _sidecar(path)
    return [Article(id=path.stem, body=body, **meta)]


def parse_html(path: Path) -> list[Article]:
    from warmline.retrieval.html_text import html_article

    return [html_article(path.stem, path.read_text(encoding="utf-8"), path.resolve().as_uri())]


def parse_faq(path: Path) -> list[Article]:
    """One article per question; its id is stable across reorderings of the file."""
    import csv
    import json

    if path.suffix == ".json":
        rows = json.loads(path.read_text(encoding="utf-8"))
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    articles = []
    for row in rows:
        question, answer = str(row["question"]).strip(), str(row["answer"]).strip()
        slug = re.sub(r"[^a-z0-9]+", "-", question.lower()).strip("-")[:60]
        tags = row.get("tags") or []
        articles.append(
            Article(
                id=f"{path.stem}-{slug}",
                title=question,
                body=answer,
                url=str(row.get("url") or path.resolve().as_uri()),
                visibility=row.get("visibility") or "public",
                tags=tags.split(";") if isinstance(tags, str) else list(tags),
            )
        )
    return articles


PARSERS: dict[str, Callable[[Path], list[Article]]] = {
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".txt": parse_text,
    ".pdf": parse_pdf,
    ".html": parse_html,
    ".htm": parse_html,
    ".json": parse_faq,
    ".csv": parse_faq,
}


def load_articles(folder: Path) -> list[Article]:
    """Every article under `folder`, in a stable order; sidecar .yaml files are metadata."""
    articles = []
    for path in sorted(folder.rglob("*")):
        parser = PARSERS.get(path.suffix.lower())
        if parser is not None and path.is_file():
            articles += parser(path)
    return articles
