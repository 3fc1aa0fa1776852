"""The schema's one source: the alembic revisions in `migrations/`, for both engines.

PostgreSQL and a SQLite file are brought to the newest revision the same way, so the
two cannot drift. A SQLite file made before the embedded engine was migrated by
alembic (its tables were created by hand-written SQL, without `alembic_version`) is
adopted once: the columns and indexes it lacks are copied from a scratch database
built by the first revision, and it is stamped as that revision.
"""

import sqlite3
from contextlib import closing
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
FIRST_REVISION = "0001"


def sqlalchemy_url(url: str) -> str:
    """The same database for alembic, through psycopg 3 rather than SQLAlchemy's default."""
    scheme, _, rest = url.partition("://")
    return f"postgresql+psycopg://{rest}" if scheme in ("postgres", "postgresql") else url


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring a database to the newest schema revision (idempotent)."""
    config = _config(sqlalchemy_url(url))
    if url.startswith("sqlite:///"):
        _adopt_unversioned(Path(url.removeprefix("sqlite:///")), config)
    command.upgrade(config, "head")


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows}


def _adopt_unversioned(path: Path, config: Config) -> None:
    """Give a hand-made SQLite file what the first revision has, then stamp it."""
    with closing(sqlite3.connect(path)) as legacy:
        tables = _tables(legacy)
        if "alembic_version" in tables or "conversations" not in tables:
            return
    scratch = path.with_name(path.name + ".first-revision")
    scratch.unlink(missing_ok=True)
    try:
        command.upgrade(_config(sqlite_url(scratch)), FIRST_REVISION)
        with (
            closing(sqlite3.connect(scratch)) as target,
            closing(sqlite3.connect(path)) as legacy,
            legacy,
        ):
            _copy_missing(target, legacy)
    finally:
        scratch.unlink(missing_ok=True)
    command.stamp(config, FIRST_REVISION)


def _copy_missing(target: sqlite3.Connection, legacy: sqlite3.Connection) -> None:
    present = _tables(legacy)
    for table in sorted(_tables(target) - {"alembic_version", "sqlite_sequence"}):
        (create,) = target.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        if table not in present:
            legacy.execute(create)
            continue
        have = {row[1] for row in legacy.execute(f"PRAGMA table_info({table})")}
        for _, name, kind, not_null, default, _ in target.execute(f"PRAGMA table_info({table})"):
            if name not in have:
                constraint = f" NOT NULL DEFAULT {default}" if not_null else ""
                legacy.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}{constraint}")
    indexes = target.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    )
    existing = {
        name for (name,) in legacy.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    for name, create in indexes:
        if name not in existing:
            legacy.execute(create)
