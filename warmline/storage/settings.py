"""Where durable state lives: SQLite files in `data_dir` by default, or PostgreSQL.

A model only, so that `warmline.config` composes it without opening anything.
"""

from pathlib import Path

from pydantic import BaseModel, Field


class StorageSettings(BaseModel):
    data_dir: Path = Path(".warmline")
    database_url: str | None = Field(
        None,
        description="PostgreSQL (postgresql://user@host/db) for conversations, queue, vault, "
        "audit and graph checkpoints, shared by every worker; unset = SQLite files in data_dir.",
    )
    database_max_connections: int = Field(
        20, ge=2, description="Pool size per worker, for the stores and for the checkpointer."
    )
    erase_wait_s: float = Field(
        0.5,
        gt=0,
        description="SQLite: how long each of an erasure's 8 tries to empty a write-ahead log "
        "waits for another process's reader (a live server's) to let go of its old pages. "
        "A try holds the write lock meanwhile: keep it well under the server's 5 s busy "
        "timeout, so the server's writes wait for it rather than fail.",
    )
    erase_pause_s: float = Field(
        1.0,
        ge=0,
        description="SQLite: the pause between an erasure's tries to empty a write-ahead log, "
        "with the write lock let go, in which the server's writes go through.",
    )

    @property
    def database_path(self) -> Path:
        return self.data_dir / "warmline.sqlite"

    @property
    def checkpoint_path(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"
