"""Writes warmline/guardrails/recognizers/known_names.txt from Faker's person providers.

Faker (github.com/joke2k/faker, MIT licence) lists first names and surnames for about
eighty locales, most taken from public registers (the US Social Security Administration,
national statistics offices). Every first or last name written in Latin letters is kept,
one case-folded word a line, sorted; multi-word entries give each word. Deterministic for
a given Faker commit.

Usage: python scripts/build_name_list.py /path/to/faker.git [COMMIT]
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).parent.parent / "warmline/guardrails/recognizers/known_names.txt"
PROVIDERS = "faker/providers/person"
_LATIN_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’-]{2,}")


def git(repo: str, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", repo, *args], capture_output=True, text=True, check=True
    ).stdout


def names_in(source: str) -> set[str]:
    """Every word of every string assigned to a `first_name…` or `last_name…` attribute,
    with a type annotation or without: the Polish, Hungarian, Spanish, Chilean and New
    Zealand providers annotate theirs (`first_names_male: Tuple[str, ...] = (…)`), and
    reading plain assignments only left their names out of the list."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
        else:
            continue
        if (
            node.value is None
            or not targets[:1]
            or not targets[0].startswith(("first_name", "last_name"))
        ):
            continue
        for constant in ast.walk(node.value):
            if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                found.update(
                    word.casefold()
                    for word in constant.value.split()
                    if _LATIN_WORD.fullmatch(word)
                )
    return found


def main() -> None:
    repo, commit = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "HEAD"
    paths = git(repo, "ls-tree", "-r", "--name-only", commit, PROVIDERS).split()
    names: set[str] = set()
    for path in paths:
        if path.endswith("__init__.py"):
            names |= names_in(git(repo, "show", f"{commit}:{path}"))
    OUT.write_text("\n".join(sorted(names)) + "\n", encoding="utf-8")
    print(f"{len(names)} names from {commit} -> {OUT}")


if __name__ == "__main__":
    main()
