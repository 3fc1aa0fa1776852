"""Alembic environment: revisions applied online, one worker at a time.

Workers of one deployment start together on PostgreSQL; the advisory lock taken in
the migration transaction makes the second wait and then find the schema already
current. A SQLite file belongs to one process, which migrates it before opening it.
"""

from alembic import context
from sqlalchemy import create_engine, text

MIGRATION_LOCK = 7_402_991  # any constant shared by every worker


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, transactional_ddl=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            context.run_migrations()
    engine.dispose()


run_migrations_online()
