"""The packages under `warmline/` import downward only, as ARCHITECTURE.md lays them out.

Every `import` in every module (in functions and `TYPE_CHECKING` blocks too) is read
from the source, so a lazy import cannot hide an upward dependency. A package may
import itself and the ones before it in `LAYERS`, never one after it; a new package
must be given its place here before it can be imported by anything.
"""

import ast
import importlib
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "warmline"

# Lowest first. The root `__init__` only pins libraries offline (`offline`).
LAYERS = (
    "offline",
    "__init__",
    "texts",
    "clock",
    "batching",
    "heap",
    "common_words",
    "storage",
    "coordination",
    "guardrails",
    "retrieval",
    "agent",
    "handoff",
    "workers",
    "conversation",
    "config",
    "server",
    "evals",
    "terminal",
    "cli",
)
RANK = {unit: rank for rank, unit in enumerate(LAYERS)}


def unit_of(module: str) -> str | None:
    """The top-level part of `warmline` a dotted module name belongs to (None: not ours)."""
    parts = module.split(".")
    if parts[0] != "warmline":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def unit_of_file(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def imported_units(source: ast.Module) -> set[str]:
    """The units a module's source imports, wherever the import statement stands."""
    found: set[str] = set()
    for node in ast.walk(source):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from warmline import offline` imports the unit `offline`, not the root.
            if node.module == "warmline":
                names = [f"warmline.{alias.name}" for alias in node.names]
            else:
                names = [node.module]
        else:
            assert not (isinstance(node, ast.ImportFrom) and node.level), "use absolute imports"
            continue
        found |= {u for u in map(unit_of, names) if u is not None}
    return found


def package_imports() -> dict[str, dict[str, set[str]]]:
    """unit → imported unit → the files that import it."""
    edges: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in sorted(PACKAGE.rglob("*.py")):
        source = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        unit = unit_of_file(path)
        for target in imported_units(source) - {unit}:
            edges[unit][target].add(str(path.relative_to(ROOT)))
    return edges


def cycles(edges: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """Every cycle found by a depth-first walk of the unit graph, as a path."""
    found: list[list[str]] = []
    done: set[str] = set()

    def walk(unit: str, path: list[str]) -> None:
        for target in sorted(edges.get(unit, {})):
            if target in path:
                found.append([*path[path.index(target) :], target])
            elif target not in done:
                walk(target, [*path, target])
        done.add(unit)

    for start in sorted(edges):
        if start not in done:
            walk(start, [start])
    return found


def test_every_part_of_the_package_has_a_declared_layer() -> None:
    units = {unit_of_file(path) for path in PACKAGE.rglob("*.py")}
    assert units - set(LAYERS) == set(), "place new packages in LAYERS (and ARCHITECTURE.md)"
    assert set(LAYERS) - units == set(), "LAYERS names a package that no longer exists"


def test_no_package_imports_one_above_it() -> None:
    upward = [
        f"{unit} imports {target} (above it) in {', '.join(sorted(files))}"
        for unit, targets in package_imports().items()
        for target, files in targets.items()
        if RANK[target] > RANK[unit]
    ]
    assert upward == []


def test_no_import_cycle_between_packages() -> None:
    assert cycles(package_imports()) == []


def imported_modules(path: Path) -> set[str]:
    """The dotted names of everything one module imports (`from a import b` names `a.b`,
    so a sibling imported through its package is seen too)."""
    source = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(source):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


# Inside conversation/: the two sides' commands never import each other, and agent commands
# reach broadcasting only through the `Broadcast` interface they declare.
KEPT_APART = {
    "customer_commands": {"agent_commands"},
    "agent_commands": {"customer_commands", "broadcasting"},
    "broadcasting": {"customer_commands", "agent_commands"},
    "assignment": {"customer_commands", "agent_commands", "broadcasting"},
}


def test_commands_and_broadcasting_do_not_import_each_other() -> None:
    crossing = [
        f"conversation/{module}.py imports {target}"
        for module, forbidden in KEPT_APART.items()
        for target in sorted(forbidden)
        if f"warmline.conversation.{target}"
        in imported_modules(PACKAGE / "conversation" / f"{module}.py")
    ]
    assert crossing == []


def test_the_walk_sees_an_upward_import_and_a_cycle() -> None:
    """The checks above can fail: a lazy import inside a function is found, and a
    two-package loop is reported as a cycle."""
    lazy = ast.parse("def f():\n    from warmline.server.app import create_app\n")
    assert imported_units(lazy) == {"server"}
    assert imported_units(ast.parse("from warmline import offline")) == {"offline"}
    loop = {"agent": {"handoff": {"a.py"}}, "handoff": {"agent": {"b.py"}}}
    assert cycles(loop) == [["agent", "handoff", "agent"]]
    sibling = PACKAGE / "conversation" / "customer_commands.py"
    assert "warmline.conversation.broadcasting" in imported_modules(sibling)


def test_the_console_script_names_the_top_level_command() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, function = scripts["warmline"].partition(":")
    assert unit_of(module) == LAYERS[-1]
    assert callable(getattr(importlib.import_module(module), function))
