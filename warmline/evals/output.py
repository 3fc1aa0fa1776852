"""Where reports go and how they are shown: JSON for machines, a table for people."""

import json
from pathlib import Path

from pydantic import BaseModel

from warmline.config import REPO_ROOT


def write_report(report: BaseModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.model_dump(mode="json"), indent=2) + "\n")


def dataset_name(path: Path) -> str:
    """The data a report was made from, as the report names it: relative to the project
    root when it lies inside it, so a committed report run again from another checkout
    or directory names it alike and stays unchanged; as given when it lies outside."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def table(headers: list[str], rows: list[list[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[number(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


NOT_APPLICABLE = "–"


def number(value: object, digits: int = 3) -> str:
    """One way to show a figure everywhere: fixed decimals, and a dash where it does not apply.

    Reports mixed "0.7692", "1.0" and "0.0" for the same column, and printed 0.000 for a
    precision with nothing to measure; a reader compares columns, so they must line up."""
    if value is None:
        return NOT_APPLICABLE
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)
