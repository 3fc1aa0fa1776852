"""Prompts as versioned files: a prompt change is a reviewed diff, and evals can pin a version."""

from functools import cache
from pathlib import Path

FOLDER = Path(__file__).parent


@cache
def load(name: str, version: int = 1) -> str:
    return (FOLDER / f"{name}.v{version}.md").read_text(encoding="utf-8").strip()
