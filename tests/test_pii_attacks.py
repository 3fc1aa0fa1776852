"""Values written to slip past redaction are still never stored, and erasure finds them.

Each test runs the real server, sends what an attacker (or an unusual keyboard) would
type, stops the server and reads every file in its data directory for the raw value.
"""

import asyncio
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ServerProcess, agent, customer, new_id, say
from fake_openai import Reply, fake_openai

# What the customer types → the forms of it that must appear in no file.
ATTACKS = {
    "my card is 4012.8888.8888.1881 thanks": ["4012.8888.8888.1881", "4012888888881881"],
    "new card ४०१२ ८८८८ ८८८८ १८८१ please": ["४०१२ ८८८८ ८८८८ १८८१", "४०१२८८८८८८८८१८८१"],
    "This is Ζoltan Κowalczyk from the order desk": ["Ζoltan Κowalczyk", "Κowalczyk", "Kowalczyk"],
    "write to yolanda.pq (at) gmail (dot) com": ["yolanda.pq", "yolanda.pq (at) gmail"],
    "ship it to The White House, 1600 Pennsylvania Ave NW, Washington, DC 20500": [
        "1600 Pennsylvania",
        "Washington, DC 20500",
        "DC 20500",
    ],
}


def data_files(data_dir: Path) -> list[Path]:
    return [p for p in data_dir.rglob("*") if p.is_file() and p.suffix not in {".key"}]


def found_in(data_dir: Path, values: list[str]) -> list[tuple[str, str]]:
    hits = []
    for path in data_files(data_dir):
        blob = path.read_bytes().decode("utf-8", "replace")
        hits += [(path.name, value) for value in values if value in blob]
    return hits


async def chat(server_process: ServerProcess, messages: list[str]) -> list[str]:
    """Each message as the customer's own echo shows it (the stored, redacted text)."""
    async with fake_openai() as llm:
        llm.default = Reply(content="Thanks, noted.")
        server_process.start(WARMLINE_LLM__BASE_URL=llm.url)
        client, _ = await customer(server_process)
        echoes = []
        for text in messages:
            ack = await say(client, text)
            echo = [f for f in client.frames if f["seq"] == ack["data"]["seq"]]
            echoes.append(echo[0]["data"]["text"])
        await client.close()
        server_process.stop()
    return echoes


@pytest.mark.slow
async def test_disguised_values_are_redacted_and_stored_nowhere(
    server_process: ServerProcess,
) -> None:
    echoes = await chat(server_process, list(ATTACKS))
    assert "<CARD_1>" in echoes[0]
    assert "<CARD_1>" in echoes[1], "the same card in Devanagari digits is the same value"
    assert "<NAME_1>" in echoes[2]
    assert "<EMAIL_1>" in echoes[3]
    assert "<ADDRESS_1>" in echoes[4] and "20500" not in echoes[4]
    assert found_in(server_process.data_dir, [v for vs in ATTACKS.values() for v in vs]) == []


@pytest.mark.slow
async def test_erasure_by_a_differently_written_phone_leaves_nothing_on_disk(
    server_process: ServerProcess,
) -> None:
    marker = "qzv7731x"  # not PII, so stored as typed until the conversation is erased
    await chat(
        server_process,
        [f"the hub shows code {marker} since monday", "call me back on +1 (415) 555-0132 please"],
    )
    data_dir = server_process.data_dir
    assert found_in(data_dir, [marker]), "the conversation was stored"
    erased = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "warmline.cli", "pii", "erase", "--phone", "415.555.0132"],
        env=os.environ | server_process.env | {"WARMLINE_DATA_DIR": str(server_process.data_dir)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert re.search(r": erased", erased.stdout), erased.stdout
    assert found_in(data_dir, [marker, "(415) 555-0132", "4155550132"]) == []
    for database in ("warmline.sqlite", "checkpoints.sqlite"):
        mode = stat.S_IMODE((data_dir / database).stat().st_mode)
        assert mode == 0o600, f"{database} is {oct(mode)}"


@pytest.mark.slow
async def test_a_card_typed_by_an_agent_is_redacted_and_stored_nowhere(
    server_process: ServerProcess,
) -> None:
    card = "5555 5555 5555 4444"
    agents = [{"id": "alex", "name": "Alex", "token": "t-alex"}]
    async with fake_openai() as llm:
        llm.default = Reply(content="Thanks, noted.")
        server_process.start(WARMLINE_LLM__BASE_URL=llm.url, WARMLINE_AGENTS=json.dumps(agents))
        console = await agent(server_process, "t-alex")
        client, welcome = await customer(server_process)
        conversation_id = welcome["conversation_id"]
        await say(client, "my hub is broken")
        await client.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
        await console.wait_for(type="handoff", conversation_id=conversation_id)
        await console.send({"type": "claim", "conversation_id": conversation_id})
        await console.wait_for(type="conversation", conversation_id=conversation_id)
        for kind in ("message", "note"):
            await console.send(
                {
                    "type": kind,
                    "conversation_id": conversation_id,
                    "client_msg_id": new_id(),
                    "data": {"text": f"is your card {card}?"},
                }
            )
            await console.wait_for(type="ack", data_action=kind)
        seen = await client.wait_for(type="message", data_role="agent")
        assert seen["data"]["text"] == "is your card <CARD_1>?"
        for socket in (client, console):
            await socket.close()
        # Stopped from a thread: the model server runs on this loop, and the handoff's
        # summary may still be asking it while the server finishes its turns.
        await asyncio.to_thread(server_process.stop)
    assert found_in(server_process.data_dir, [card, card.replace(" ", "")]) == []


@pytest.mark.slow
async def test_a_card_sent_as_the_message_id_is_refused_and_stored_nowhere(
    server_process: ServerProcess,
) -> None:
    """The id is stored as sent, so only a random id is accepted, never free text."""
    card = "4012888888881881"
    async with fake_openai() as llm:
        llm.default = Reply(content="Thanks, noted.")
        server_process.start(WARMLINE_LLM__BASE_URL=llm.url)
        client, _ = await customer(server_process)
        for bad_id in (card, f"card-{card}", "x"):
            await client.send({"type": "message", "client_msg_id": bad_id, "data": {"text": "hi"}})
            error = await client.wait_for(type="error")
            assert error["data"]["code"] == "bad_frame"
            assert "client_msg_id" in error["data"]["message"]
        dashed = "0f8fad5b-d9cb-469f-a165-70867728950e"
        ack = await say(client, "my hub is broken", client_msg_id=dashed)
        assert ack["data"]["client_msg_id"] == dashed, "a UUID as the widget writes it is fine"
        await client.close()
        server_process.stop()
    assert found_in(server_process.data_dir, [card]) == []
