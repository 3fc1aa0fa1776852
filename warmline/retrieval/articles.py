"""Help-center articles as Markdown files with YAML front matter."""

import hashlib
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
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class ArticleFormatError(ValueError):
    pass


def parse_markdown_article(path: Path) -> Article:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ArticleFormatError(f"{path}: missing front matter")
    try:
        _, header, body = text.split("---\n", 2)
    except ValueError as exc:
        raise ArticleFormatError(f"{path}: unterminated front matter") from exc
    meta = yaml.safe_load(header) or {}
    return Article(id=path.stem, body=body.strip(), **meta)


def load_articles(folder: Path) -> list[Article]:
    """Every Markdown article under `folder`; files without front matter (READMEs) are skipped."""
    articles = []
    for path in sorted(folder.rglob("*.md")):
        if path.read_text(encoding="utf-8").startswith("---\n"):
            articles.append(parse_markdown_article(path))
    return articles
