"""Erasure on request: a customer's conversations disappear from every store."""

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import make_settings

from warmline.cli import main
from warmline.server.privacy import privacy_office
from warmline.server.runtime import running
from warmline.storage.wal import WalNotEmptied, empty_wal


async def test_erase_by_email_removes_the_conversation_everywhere(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    settings = make_settings(tmp_path, kb_snapshot)
    async with running(settings) as runtime:
        service = runtime.service
        mine = await service.start()
        other = await service.start()
        await service.customer_message(mine.id, "I'm ana@example.org, where is my refund?", "m1")
        await service.customer_message(other.id, "how do I reset my password?", "m2")
        await service.drain()

    async with privacy_office(settings) as office:
        found = await office.conversations_mentioning("EMAIL_ADDRESS", "ANA@example.org")
        assert found == [mine.id]
        assert await office.erase(mine.id, actor="test") is True
        assert await office.erase("c_unknown", actor="test") is False
        assert await office.checkpoints.aget_tuple({"configurable": {"thread_id": mine.id}}) is None
        kept = await office.checkpoints.aget_tuple({"configurable": {"thread_id": other.id}})
        assert kept is not None

    database = sqlite3.connect(settings.database_path)
    for table in ("conversations", "events", "placeholders", "pii_vault", "handoffs"):
        column = "id" if table == "conversations" else "conversation_id"
        rows = database.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (mine.id,))
        assert rows.fetchone()[0] == 0, table
    remaining = database.execute(
        "SELECT count(*) FROM events WHERE conversation_id = ?", (other.id,)
    )
    assert remaining.fetchone()[0] == 2
    audit = database.execute("SELECT actor, action, allowed FROM audit_log ORDER BY id").fetchall()
    assert audit == [("test", "erase", 1), ("test", "erase", 0)]


def _files_holding(data_dir: Path, text: str) -> list[str]:
    """Every file under the data directory whose bytes contain `text`, as `grep -r` finds."""
    needle = text.encode()
    return sorted(
        str(path.relative_to(data_dir))
        for path in data_dir.rglob("*")
        if path.is_file() and needle in path.read_bytes()
    )


@pytest.mark.parametrize("read_file", ["warmline.sqlite", "checkpoints.sqlite"])
async def test_an_erasure_a_reader_keeps_on_disk_says_so_until_run_again(
    tmp_path: Path,
    kb_snapshot: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    read_file: str,
) -> None:
    """Beside a live server, another process's open read transaction keeps the erased
    rows' old pages in the database file and its write-ahead log: `pii erase` says the
    copies on disk are not gone and exits 1; run again once the reader is gone, it
    empties the log and nothing of the conversation is left in any file."""
    settings = make_settings(tmp_path, kb_snapshot)
    monkeypatch.setenv("WARMLINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WARMLINE_ERASE_WAIT_S", "0.05")
    monkeypatch.setenv("WARMLINE_ERASE_PAUSE_S", "0.01")
    said = "my parcel of quokkaberry jam never came"
    async with running(settings) as runtime:
        mine = await runtime.service.start()
        await runtime.service.customer_message(mine.id, f"I'm ana@example.org, {said}", "m1")
        await runtime.service.drain()
        assert _files_holding(tmp_path, "quokkaberry")

        reader = sqlite3.connect(tmp_path / read_file, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sqlite_master").fetchall()
        erase = ["pii", "erase", "--conversation", mine.id]
        assert await asyncio.to_thread(main, erase) == 1
        printed = capsys.readouterr().out
        assert f"{mine.id}: erased, but its copies on disk are not gone yet" in printed
        assert str(tmp_path / read_file) in printed and "another connection is reading" in printed
        assert _files_holding(tmp_path, "quokkaberry"), "copies were left, as it said"

        reader.close()
        assert await asyncio.to_thread(main, erase) == 0
        assert capsys.readouterr().out == f"{mine.id}: not found\n"
        assert _files_holding(tmp_path, "quokkaberry") == []


def test_the_servers_writes_wait_for_an_erasure_retrying_beside_a_reader_never_fail(
    tmp_path: Path,
) -> None:
    """An erasure's checkpoint holds the write lock while it waits for a reader, so the
    live server's writes wait for it. Each try is short and the lock is let go between
    tries, so a write whose busy timeout is longer than one try (the server's 5 s is ten
    times the default try) goes through while the erasure retries, rather than "database
    is locked" once the tries back to back outlast that timeout (messages refused)."""
    # SQLite's busy handler polls 103, 128, 178, 228 ms after a write starts waiting, then
    # at its timeout (250 ms): none near a try's end, when tries back to back let go of
    # the lock for microseconds only.
    try_s, pause_s, attempts, server_timeout_s = 0.15, 0.2, 4, 0.25
    path = tmp_path / "warmline.sqlite"
    erasing = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    erasing.execute("PRAGMA journal_mode=WAL")
    erasing.execute("CREATE TABLE events (text TEXT)")
    erasing.execute("INSERT INTO events VALUES ('erased, still in the log')")
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM events").fetchall()
    checkpointing = threading.Event()
    erasing.set_trace_callback(
        lambda statement: checkpointing.set() if "wal_checkpoint" in statement else None
    )

    with ThreadPoolExecutor(1) as thread:
        erasure = thread.submit(empty_wal, erasing, try_s, pause_s, attempts)
        assert checkpointing.wait(10)
        # Connected only now, so the write comes after the try has taken the lock.
        server = sqlite3.connect(path, isolation_level=None, timeout=server_timeout_s)
        server.execute("INSERT INTO events VALUES ('a reply')")
        with pytest.raises(WalNotEmptied):
            erasure.result()

    reader.close()
    assert server.execute("SELECT text FROM events").fetchall()[-1] == ("a reply",)
