"""Help-center articles, whatever file they arrive in.

Markdown carries its metadata in YAML front matter, or none at all: most exported
help centers are plain `# Title` then text, so such a file is an article too, titled
by its heading. HTML carries it in its <title>, canonical link and <meta> tags; PDF
and plain text in an optional sidecar `<file>.yaml` with the same fields as front
matter; a JSON or CSV FAQ holds one article per row. A file that cannot be read as an
article is skipped with its reason, never silently and never by failing the whole sync.
"""

import hashlib
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError


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


class SkippedFile(BaseModel):
    """A file in the knowledge-base folder that produced no article, and why."""

    path: str
    reason: str


# Repository notes that sit beside the articles in many exported help centers.
_NOT_ARTICLES = {"readme", "changelog", "license", "licence", "contributing"}
_TITLE = re.compile(r"^#[ \t]+(\S.*)$")


def slug(name: str) -> str:
    """A stable, URL-safe id from a file name: "Reset Your Password!" → "reset-your-password"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "article"


def _meta_fields(meta: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in meta.items() if k in Article.model_fields and k not in {"id", "body"}}


def _sidecar(path: Path) -> dict[str, object]:
    sidecar = path.with_name(path.name + ".yaml")
    return (
        _meta_fields(yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {})
        if sidecar.exists()
        else {}
    )


def parse_plain_markdown(path: Path, text: str) -> list[Article]:
    """`# Title` then text: the id is the file's slug, the URL the file unless a sidecar says."""
    lines = text.strip().splitlines()
    heading = _TITLE.match(lines[0]) if lines else None
    if heading is None:
        raise ArticleFormatError("no YAML front matter and no '# Title' on the first line")
    body = "\n".join(lines[1:]).strip()
    if not body:
        raise ArticleFormatError("a title with no text under it")
    meta = {"title": heading.group(1).strip(), "url": path.resolve().as_uri()} | _sidecar(path)
    return [Article(id=slug(path.stem), body=body, **meta)]


def parse_markdown(path: Path) -> list[Article]:
    """Front matter gives the metadata; a static-site export often leaves out `url` (the
    file's own address stands in) or `title` (the `# Title` line stands in)."""
    text = path.read_text(encoding="utf-8").lstrip("\ufeff")
    if not text.startswith("---\n"):
        return parse_plain_markdown(path, text)
    try:
        _, header, body = text.split("---\n", 2)
    except ValueError as exc:
        raise ArticleFormatError(f"{path}: unterminated front matter") from exc
    meta = yaml.safe_load(header) or {}
    if not isinstance(meta, dict):
        raise ArticleFormatError("front matter is not a YAML mapping")
    heading = next((m.group(1) for line in body.splitlines() if (m := _TITLE.match(line))), None)
    fallback = {"url": path.resolve().as_uri()} | ({"title": heading.strip()} if heading else {})
    return [Article(id=path.stem, body=body.strip(), **(fallback | _meta_fields(meta)))]


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
    if not isinstance(rows, list) or not all(
        isinstance(row, dict) and {"question", "answer"} <= row.keys() for row in rows
    ):
        raise ArticleFormatError("not a FAQ: expected rows with 'question' and 'answer'")
    articles = []
    for row in rows:
        question, answer = str(row["question"]).strip(), str(row["answer"]).strip()
        tags = row.get("tags") or []
        articles.append(
            Article(
                id=f"{path.stem}-{slug(question)[:60]}",
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


def _parse(path: Path) -> list[Article] | str:
    """The file's articles, or the reason it has none."""
    parser = PARSERS.get(path.suffix.lower())
    if parser is None:
        return f"unsupported file type '{path.suffix or path.name}'"
    if path.stem.lower() in _NOT_ARTICLES:
        return "repository notes, not an article"
    try:
        articles = parser(path)
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except ValidationError as exc:
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    except (ArticleFormatError, yaml.YAMLError, KeyError, ValueError) as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return articles or "empty"


def scan_folder(folder: Path) -> tuple[list[Article], list[SkippedFile]]:
    """Every article under `folder` in a stable order, and every file that gave none.

    Sidecar .yaml files are metadata and hidden files (".git", ".DS_Store") are not the
    operator's content, so neither counts as skipped; an id seen twice keeps its first file.
    """
    articles: dict[str, Article] = {}
    skipped: list[SkippedFile] = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or path.suffix.lower() in {".yaml", ".yml"}:
            continue
        if any(part.startswith(".") for part in relative.parts):
            continue
        found = _parse(path)
        if isinstance(found, str):
            skipped.append(SkippedFile(path=str(relative), reason=found))
            continue
        for article in found:
            if article.id in articles:
                reason = f"article id '{article.id}' already used by another file"
                skipped.append(SkippedFile(path=str(relative), reason=reason))
            else:
                articles[article.id] = article
    return list(articles.values()), skipped


def load_articles(folder: Path) -> list[Article]:
    """Every article under `folder`, in a stable order."""
    return scan_folder(folder)[0]
