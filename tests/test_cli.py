"""The `warmline` command as an operator reads it in a terminal."""

import shutil
from pathlib import Path

import pytest
from conftest import ServerProcess

from warmline.cli import _print_frame, main
from warmline.conversation.customer_commands import TURN_FAILED
from warmline.conversation.protocol import ServerFrame


def test_kb_search_shows_each_hit_with_its_title_and_address(
    tmp_path: Path,
    kb_snapshot: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copytree(kb_snapshot, tmp_path / "qdrant")
    monkeypatch.setenv("WARMLINE_DATA_DIR", str(tmp_path))
    assert main(["kb", "search", "how do I get a refund", "-k", "3"]) == 0
    printed = capsys.readouterr().out
    assert "answerable confidence:" in printed
    addresses = [line.strip() for line in printed.splitlines() if line.startswith("        ")]
    assert len(addresses) == 3 and all(a.startswith("https://") for a in addresses), printed
    assert "How to request a refund ›" in printed, "a hit is named by its article's title"


def test_the_terminal_chat_names_its_own_way_to_a_person(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _print_frame(ServerFrame(type="message", data={"role": "bot", "text": TURN_FAILED}))
    printed = capsys.readouterr().out
    assert "type /human" in printed and "Talk to a person" not in printed


@pytest.mark.slow
def test_serve_starts_quietly_and_says_where_it_listens(server_process: ServerProcess) -> None:
    server_process.start()
    server_process.stop()
    said = (server_process.data_dir / "stdout.log").read_text(encoding="utf-8")
    assert f"Warmline is ready at {server_process.url}\n" in said
    assert f"{server_process.url}/console" in said
    logged = (server_process.data_dir / "stderr.log").read_text(encoding="utf-8")
    assert "Application startup complete" in logged
    assert "Loaded recognizer" not in logged and len(logged.splitlines()) < 20
