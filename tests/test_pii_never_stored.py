"""PII typed by a customer never reaches the store, the checkpoints, the logs or the packet."""

import asyncio
import json
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import REPO, ServerProcess, agent, customer, new_id, say
from fake_openai import FakeOpenAI, Reply, fake_openai

MESSAGES = [
    "Hi, my name is Maria Gonzalez and my order LH-123456 never arrived.",
    "You can email me at maria.gonzalez@example.com or call +1 415-555-0199.",
    "I paid with my Visa 4111 1111 1111 1111, please refund it.",
    "Also my husband John Smith has the other card 5555-5555-5555-4444, phone (212) 555-0147.",
    "ok, so how do I get a refund for it?",
    "write to maria.gonzalez@example.com again please, this is frustrating",
]
SECRETS = [
    "Maria Gonzalez",
    "Gonzalez",
    "maria.gonzalez@example.com",
    "415-555-0199",
    "4155550199",
    "4111 1111 1111 1111",
    "4111111111111111",
    "John Smith",
    "5555-5555-5555-4444",
    "5555555555554444",
    "555-0147",
]


def leaks(blob: str) -> list[str]:
    digits = re.sub(r"\D", "", blob)
    found = [s for s in SECRETS if s.lower() in blob.lower()]
    found += [s for s in SECRETS if s.isdigit() and s in digits and len(s) >= 12]
    return found


AGENTS = [
    {"id": "alex", "name": "Alex", "token": "t-alex", "permissions": ["pii:reveal"]},
    {"id": "sam", "name": "Sam", "token": "t-sam"},
]


@pytest.mark.slow
async def test_pii_is_redacted_everywhere_it_is_kept(server_process: ServerProcess) -> None:
    async with fake_openai() as llm:
        await converse(server_process, llm)


async def converse(server_process: ServerProcess, llm: FakeOpenAI) -> None:
    llm.default = Reply(content="You can request a refund in the app [1].")
    # Statements full of PII are not questions; keep the bot answering until the end.
    policy = server_process.data_dir / "policy.toml"
    policy.write_text(
        (REPO / "policy.toml")
        .read_text()
        .replace("low_confidence_strikes = 2", "low_confidence_strikes = 10")
    )
    server_process.start(
        WARMLINE_AGENTS=json.dumps(AGENTS),
        WARMLINE_LLM__BASE_URL=llm.url,
        WARMLINE_POLICY_FILE=str(policy),
    )
    console = await agent(server_process, "t-alex")
    other = await agent(server_process, "t-sam")
    client, welcome = await customer(server_process)
    echoes = []
    for text in MESSAGES:
        ack = await say(client, text)
        echoes += [f for f in client.frames if f["seq"] == ack["data"]["seq"]]
    await client.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
    handoff = await console.wait_for(type="handoff", conversation_id=welcome["conversation_id"])
    packet = handoff["data"]["entry"]["packet"]

    assert "<EMAIL_1>" in echoes[1]["data"]["text"]
    assert "<EMAIL_1>" in echoes[5]["data"]["text"], "the same e-mail keeps its placeholder"
    assert "<CARD_1>" in echoes[2]["data"]["text"] and "<CARD_2>" in echoes[3]["data"]["text"]
    assert "LH-123456" in echoes[0]["data"]["text"], "order numbers are not PII"
    assert "e-mail: <EMAIL_1>" in packet["summary"]["facts_collected"]
    assert leaks(json.dumps(packet)) == []
    assert leaks(json.dumps(list(console.frames))) == []
    # The press is handed over at the edge; the model is asked after it (the turns still in
    # line, then the packet's summary), so wait up to 30 s for a request with the e-mail.
    for _ in range(600):
        if "<EMAIL_1>" in json.dumps(llm.bodies):
            break
        await asyncio.sleep(0.05)
    assert llm.bodies, "the model was asked at least once"
    assert leaks(json.dumps(llm.bodies)) == [], "no PII in any request body sent to the model"
    assert "<EMAIL_1>" in json.dumps(llm.bodies)

    conversation_id = welcome["conversation_id"]
    await console.send({"type": "claim", "conversation_id": conversation_id})
    await console.wait_for(type="conversation", conversation_id=conversation_id)
    for socket, placeholder in ((console, "<EMAIL_1>"), (other, "<CARD_1>")):
        await socket.send(
            {
                "type": "reveal",
                "conversation_id": conversation_id,
                "data": {"placeholder": placeholder, "reason": "Confirm who is writing"},
            }
        )
    revealed = await console.wait_for(type="revealed")
    assert revealed["data"]["value"] == "maria.gonzalez@example.com"
    refused = await other.wait_for(type="error")
    assert refused["data"]["code"] == "forbidden"
    assert "value" not in refused["data"]
    for socket in (client, console, other):
        await socket.close()
    server_process.stop()

    database = sqlite3.connect(server_process.data_dir / "warmline.sqlite")
    audit = database.execute(
        "SELECT actor, action, placeholder, allowed FROM audit_log ORDER BY actor"
    ).fetchall()
    assert audit == [("alex", "reveal", "<EMAIL_1>", 1), ("sam", "reveal", "<CARD_1>", 0)]
    stored = database.execute("SELECT count(*) FROM pii_vault").fetchone()[0]
    assert stored >= 6, "originals are kept, encrypted, for permitted reveals"

    files = [p for p in Path(server_process.data_dir).rglob("*") if p.is_file()]
    kept = [p for p in files if p.suffix in {".sqlite", ".log"} or "sqlite-" in p.name]
    assert {p.name for p in kept} >= {"warmline.sqlite", "checkpoints.sqlite", "warmline.log"}
    for path in kept:
        blob = path.read_bytes().decode("utf-8", "replace")
        assert leaks(blob) == [], path.name
