"""Two workers sharing PostgreSQL and Redis: a customer on one, their agent on the other.

One worker is then killed mid-conversation; the customer resumes on the survivor
and every logged event reaches each side, none twice.
"""

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    Backend,
    Client,
    ServerProcess,
    agent,
    customer,
    free_port,
    make_settings,
    new_id,
    say,
    shared_services_up,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shared_services_up(), reason="PostgreSQL or Redis is not reachable"),
]


def logged(frames: list[dict[str, Any]]) -> list[int]:
    return [f["seq"] for f in frames if f["seq"] is not None]


async def agent_says(console: Client, conversation_id: str, text: str) -> None:
    msg_id = new_id()
    await console.send(
        {
            "type": "message",
            "conversation_id": conversation_id,
            "client_msg_id": msg_id,
            "data": {"text": text},
        }
    )
    await console.wait_for(type="ack", data_client_msg_id=msg_id)


async def test_a_worker_dies_mid_conversation_and_the_customer_resumes_on_another(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    backend = Backend("postgres+redis")
    settings = make_settings(tmp_path / "a", kb_snapshot)
    make_settings(tmp_path / "b", kb_snapshot)
    # The settings' own choices the processes read from the environment: bot turns in the
    # serving process, as in the in-process tests (`test_scale_out_workers` runs workers).
    shared = backend.environment() | {"WARMLINE_WORKERS": str(settings.workers)}
    first = ServerProcess(tmp_path / "a", free_port(), shared)
    second = ServerProcess(tmp_path / "b", free_port(), shared)
    try:
        first.start()
        for key in ("secret.key", "vault.key"):  # workers of one deployment share their keys
            shutil.copy(first.data_dir / key, second.data_dir / key)
        second.start()

        console = await agent(second)
        client, welcome = await customer(first)
        conversation_id, token = welcome["conversation_id"], welcome["data"]["token"]
        await client.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
        await console.wait_for(type="handoff", conversation_id=conversation_id)
        await console.send({"type": "claim", "conversation_id": conversation_id})
        await console.wait_for(type="conversation", conversation_id=conversation_id)
        await client.wait_for(type="mode", data_mode="human")

        await agent_says(console, conversation_id, "Hi, this is the demo agent.")
        await client.wait_for(type="message", data_role="agent")
        await say(client, "My hub LH-123456 keeps blinking red")
        await console.wait_for(type="message", data_role="customer")
        unanswered = await say(client, "it started after the update")
        first.kill()
        await client.close()

        back, welcome = await customer(
            second,
            conversation_id=conversation_id,
            token=token,
            resume_after=max(logged(client.frames)),
        )
        assert welcome["data"]["mode"] == "human"
        await agent_says(console, conversation_id, "Thanks, resetting it from here.")
        await back.wait_for(
            type="message", data_role="agent", data_text="Thanks, resetting it from here."
        )
        await say(back, "it is green now")
        await console.wait_for(type="message", data_role="customer", data_text="it is green now")

        seen = logged(client.frames) + logged(back.frames)
        assert seen == sorted(set(seen)), "each event once, in order, across both workers"
        fresh, _ = await customer(second, conversation_id=conversation_id, token=token)
        history = await fresh.wait_for(type="message", data_text="it is green now")
        assert seen == logged(fresh.frames[1:]) and history["seq"] == seen[-1]
        assert unanswered["data"]["seq"] in seen
        agent_seen = {
            f["seq"] for f in console.frames if f["seq"] and f["conversation_id"] == conversation_id
        } | {
            e["seq"]
            for f in console.frames
            if f["type"] == "conversation" and f["conversation_id"] == conversation_id
            for e in f["data"]["events"]
        }
        assert set(seen) <= agent_seen, "the agent on the surviving worker missed nothing"
        for socket in (back, fresh, console):
            await socket.close()
    finally:
        first.stop()
        second.stop()
        backend.drop()
