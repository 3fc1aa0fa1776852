"""Emptying a SQLite file's write-ahead log after an erasure, and the error when it stays.

Deleted rows are zeroed in the pages SQLite writes (`secure_delete`), but until the WAL
is checkpointed and truncated the database file keeps their old pages, and until it is
truncated the WAL keeps the frames written before. `PRAGMA wal_checkpoint(TRUNCATE)`
waits (SQLite's busy handler) for every other connection's reader to move off those
pages, and answers `(busy, log frames, frames checkpointed)` rather than an error when
one does not in time: an erasure run from the command line beside a live server whose
readers hold a snapshot (a backup, a report) would say the values are gone while copies
remain. So the answer is read, the pragma tried again a few times, and failure raised.

While it waits for readers the checkpoint holds the database's write lock, so the live
server's writes wait for it too, and fail ("database is locked") once their own busy
timeout runs out: 5 s, Python's default, which the server's connections keep. So each try
is short (`erase_wait_s`, 0.5 s by default) and the tries are spaced by a pause with the
lock let go (`erase_pause_s`), in which the server's waiting writes go through.
"""

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

WAL_ATTEMPTS = 8  # tries of the checkpoint, each waiting up to `wait_s` for readers


class WalNotEmptied(Exception):
    """The erased rows are deleted, but a write-ahead log (and the database file it was
    not checkpointed into) still holds their old pages: another connection is reading."""

    def __init__(self, files: Sequence[Path]) -> None:
        self.files = list(files)
        named = ", ".join(str(file) for file in self.files)
        super().__init__(
            f"{named}: the erased rows are deleted, but the write-ahead log still holds "
            "their old pages because another connection is reading the database; run the "
            "erase again when the server is quieter, or stop that reader"
        )


def empty_wal(
    connection: sqlite3.Connection, wait_s: float, pause_s: float, attempts: int = WAL_ATTEMPTS
) -> None:
    """Checkpoint the WAL of `connection`'s file into it and truncate it, each try waiting
    up to `wait_s` for other connections' readers, `pause_s` between tries; raise
    `WalNotEmptied` if none did.

    The wait is SQLite's busy timeout, set for these tries only (the connection's own is
    put back); the pause is a sleep after the pragma returned, so without the write lock
    (the module's docstring). A file not in WAL mode answers `(0, -1, -1)`."""
    (previous,) = connection.execute("PRAGMA busy_timeout").fetchone()
    connection.execute(f"PRAGMA busy_timeout = {round(wait_s * 1000)}")
    try:
        for attempt in range(attempts):
            if attempt:
                time.sleep(pause_s)
            busy, logged, copied = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy and logged == copied:
                return
    finally:
        connection.execute(f"PRAGMA busy_timeout = {previous}")
    (main,) = [row[2] for row in connection.execute("PRAGMA database_list") if row[1] == "main"]
    raise WalNotEmptied([Path(main)])
