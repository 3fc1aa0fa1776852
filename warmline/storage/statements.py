"""SQL statements written once and spelled by each engine's own SQLAlchemy dialect.

A statement is SQLAlchemy text with named parameters (`:conversation_id`) or a Core
construct (for what the engines spell differently, such as a row lock that SQLite's
single writer makes unnecessary). Each engine compiles it with its dialect, once per
statement: SQLite gets `?` with the values in order, psycopg gets `%(name)s` with the
values by name. No engine rewrites another's SQL text.
"""

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import text
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

Params = Mapping[str, Any]


class Statement:
    """One statement and, per dialect, its compiled text and parameter order."""

    __slots__ = ("_clause", "_compiled")

    def __init__(self, clause: ClauseElement) -> None:
        self._clause = clause
        self._compiled: dict[str, tuple[str, tuple[str, ...]]] = {}

    def compiled(self, dialect: Dialect) -> tuple[str, tuple[str, ...]]:
        """The statement in the dialect's spelling, and its parameter names in the order a
        positional dialect (SQLite's `?`) takes them."""
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = cast(SQLCompiler, self._clause.compile(dialect=dialect))
            found = (compiled.string, tuple(compiled.positiontup or ()))
            self._compiled[dialect.name] = found
        return found

    def __repr__(self) -> str:
        return f"Statement({self._clause})"


def sql(statement: str) -> Statement:
    """A statement written with named parameters, the same text for every engine."""
    return Statement(text(statement))
