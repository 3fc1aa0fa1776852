"""The `warmline` command as an operator reads it in a terminal."""

import shutil
from pathlib import Path

import pytest
from conftest import ServerProcess, free_port, make_settings

from warmline.cli import main
from warmline.conversation.customer_commands import TURN_FAILED
from warmline.conversation.protocol import ServerFrame
from warmline.server.runtime import running
from warmline.terminal import RESEND_PAUSES_S, print_frame, send_line


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


def test_serve_with_its_redis_down_stops_at_once_with_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`warmline serve` whose `redis_url` names a Redis that is not running exits non-zero
    with one line that names Redis and the setting, not a traceback in the JSON log
    after the knowledge base and models have loaded."""
    monkeypatch.setattr("warmline.server.logs.configure_logging", lambda *_: None)
    for name, value in {
        "WARMLINE_DATA_DIR": str(tmp_path),
        "WARMLINE_PORT": str(free_port()),
        "WARMLINE_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens
        "WARMLINE_REDIS_CONNECT_TIMEOUT_S": "1",
        "WARMLINE_RETRIEVAL__SYNC_ON_START": "false",
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["serve"]) == 2
    said = capsys.readouterr().err
    assert said.startswith("error: Redis not reachable at start") and said.count("\n") == 1
    assert "redis_url" in said and "Traceback" not in said


def test_the_terminal_chat_names_its_own_way_to_a_person(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_frame(ServerFrame(type="message", data={"role": "bot", "text": TURN_FAILED}))
    printed = capsys.readouterr().out
    assert "type /human" in printed and "Talk to a person" not in printed


async def test_the_terminal_chat_sends_a_refused_message_again_as_the_widget_does(
    tmp_path: Path, kb_snapshot: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A full window is a pause, not the end of the session: the same message goes again
    after growing pauses (time injected), and what cannot pass is said, not raised."""
    settings = make_settings(tmp_path, kb_snapshot, limits={"flood_messages": 2})
    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    async with running(settings) as runtime:
        service = runtime.service
        conversation = await service.start()
        too_long = "a" * (settings.limits.max_message_chars + 1)
        refused = await send_line(service, conversation.id, too_long, pause)
        assert refused is not None and "limited to" in refused and pauses == [], "said at once"

        assert await send_line(service, conversation.id, "where is my order?", pause) is None
        refused = await send_line(service, conversation.id, "and my refund?", pause)
        assert refused is not None and "Too many messages" in refused
        assert pauses == list(RESEND_PAUSES_S), "sent again after each pause, then given up"
        assert "[rate_limited: sending it again in 0.5 s]" in capsys.readouterr().out
        events = await service.log.events_after(conversation.id, 0)
        texts = [event.data.get("text") for event in events]
        assert "where is my order?" in texts and "and my refund?" not in texts


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
