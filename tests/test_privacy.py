"""Erasure on request: a customer's conversations disappear from every store; every
original a customer gave is kept under a placeholder of its own."""

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import Backend, make_settings
from pydantic import SecretStr

from warmline.cli import main
from warmline.guardrails.redaction import PiiFinding, PlaceholderEntry, Redaction
from warmline.guardrails.vault import VaultItem
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


async def test_two_messages_at_once_each_with_a_new_email_keep_both_addresses(
    tmp_path: Path, kb_snapshot: Path, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two tabs send at once, each a new e-mail: both read the conversation's placeholders
    before either is stored. Each address gets a placeholder of its own, the ack and the
    stored text name it, and revealing each shows its own address."""
    settings = make_settings(tmp_path, kb_snapshot, backend)
    async with running(settings) as runtime:
        service = runtime.service
        conversation = await service.start()
        both_read = asyncio.Barrier(2)
        inspect = service._inspect

        async def once_both_have_read(*args: Any) -> Any:
            await both_read.wait()
            return await inspect(*args)

        monkeypatch.setattr(service, "_inspect", once_both_have_read)
        (first, _), (second, _) = await asyncio.gather(
            service.customer_message(conversation.id, "write to ana@example.org please", "m1"),
            service.customer_message(conversation.id, "or to bo@example.net instead", "m2"),
        )
        await service.drain()
        stored = {
            e.data["client_msg_id"]: e.data
            for e in await service.log.events_after(conversation.id, 0)
            if e.type == "message" and e.data["role"] == "customer"
        }
        revealed: dict[str, str | None] = {}
        for ack in (first, second):
            [placeholder] = ack.data["redacted"]
            assert stored[ack.data["client_msg_id"]]["text"] == ack.data["text"]
            assert placeholder in ack.data["text"]
            revealed[placeholder] = await service.vault.reveal(
                "lead", True, conversation.id, placeholder, "test"
            )
    assert sorted(revealed) == ["<EMAIL_1>", "<EMAIL_2>"]
    assert {revealed[p] for p in first.data["redacted"]} == {"ana@example.org"}
    assert {revealed[p] for p in second.data["redacted"]} == {"bo@example.net"}


def _card_redaction(number: int) -> Redaction:
    """ "<CARD_n> or <CARD_n>?": one new card, typed twice, as a message numbered it."""
    placeholder = f"<CARD_{number}>"
    at = [0, len(placeholder) + 4]
    return Redaction(
        text=f"{placeholder} or {placeholder}?",
        findings=[
            PiiFinding(entity_type="CREDIT_CARD", placeholder=placeholder, score=1.0, start=s)
            for s in at
        ],
        new_entries=[PlaceholderEntry(entity_type="CREDIT_CARD", digest="b", number=number)],
        vault_items=[VaultItem(placeholder=placeholder, value=SecretStr("4111111111111111"))],
    )


def test_a_value_numbered_meanwhile_takes_the_next_number_or_the_one_it_was_given() -> None:
    """Renumbered against placeholders another message committed: a different card
    moves to the next number (its text rewritten where it stands, 9 to 10 included);
    the same card takes the number it already has and keeps no second original; one
    whose number is still free is kept as it is."""
    taken = [PlaceholderEntry(entity_type="CREDIT_CARD", digest="a", number=9)]
    moved = _card_redaction(9).renumbered(taken)
    assert moved.text == "<CARD_10> or <CARD_10>?"
    assert [f.start for f in moved.findings] == [0, 13]
    assert [e.number for e in moved.new_entries] == [10]
    assert [v.placeholder for v in moved.vault_items] == ["<CARD_10>"]
    same = [PlaceholderEntry(entity_type="CREDIT_CARD", digest="b", number=3)]
    reused = _card_redaction(9).renumbered(same)
    assert reused.text == "<CARD_3> or <CARD_3>?"
    assert reused.new_entries == [] and reused.vault_items == []
    untouched = _card_redaction(10)
    assert untouched.renumbered(taken) is untouched
