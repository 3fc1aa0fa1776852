"""Waiting customers' places in line over real sockets: each customer learns their place
whenever it changes, and only then, so a join at the back of a long line costs one frame;
with PostgreSQL + Redis, a customer on one server learns of changes made on another."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    Backend,
    Client,
    RunningServer,
    agent,
    customer,
    make_settings,
    new_id,
    serving,
    shared_services_up,
)

from warmline.config import Settings
from warmline.conversation.accounts import AgentAccount

SAM = AgentAccount(
    id="sam", name="Sam", token="t-sam", capacity=10, skills=["fraud", "legal", "safety"]
)


def desk_settings(data_dir: Path, kb_snapshot: Path, backend: Backend | None) -> Settings:
    policy = Settings().policy.model_copy(update={"business_hours": None})
    return make_settings(data_dir, kb_snapshot, backend, agents=[SAM], policy=policy)


@asynccontextmanager
async def desk(tmp_path: Path, kb_snapshot: Path, backend: Backend) -> AsyncIterator[RunningServer]:
    async with serving(desk_settings(tmp_path, kb_snapshot, backend)) as server:
        yield server


async def join(server: RunningServer, position: int) -> tuple[Client, str]:
    """A customer who pressed "Talk to a person" and was told their place."""
    client, welcome = await customer(server)
    await client.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
    await client.wait_for(type="queue_position", data_position=position)
    return client, welcome["conversation_id"]


async def told_since(client: Client, since: int) -> list[int]:
    """The places a customer was told after their first `since` frames, up to a pong.

    Frames announced before the ping are written to the socket before its pong, so once
    the last customer in line got their frame of an announcement, nothing it sent anyone
    can be missed, and nothing waits on the clock."""
    await client.send({"type": "ping", "data": {}})
    await client.wait_for(type="pong")
    return [f["data"]["position"] for f in client.frames[since:] if f["type"] == "queue_position"]


async def told_each(line: list[tuple[Client, str]], seen: list[int]) -> list[list[int]]:
    return [await told_since(client, since) for (client, _), since in zip(line, seen, strict=True)]


def marks(line: list[tuple[Client, str]]) -> list[int]:
    return [len(client.frames) for client, _ in line]


async def away_agent(server: RunningServer) -> Client:
    """An agent who can claim but is away: nobody is available, so no expected wait is
    promised and the places alone change."""
    sam = await agent(server, "t-sam")
    await sam.send({"type": "presence", "data": {"status": "away"}})
    await sam.wait_for(type="ack")
    return sam


async def claim(console: Client, conversation_id: str) -> None:
    await console.send({"type": "claim", "conversation_id": conversation_id})
    await console.wait_for(type="conversation", conversation_id=conversation_id)


async def test_a_join_at_the_back_of_the_line_is_told_only_to_the_one_who_joined(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        ahead = [await join(server, position) for position in (1, 2, 3)]
        seen = marks(ahead)
        last, _ = await join(server, 4)
        assert await told_each(ahead, seen) == [[], [], []], "their places did not change"
        assert [f["data"]["position"] for f in last.frames if f["type"] == "queue_position"] == [4]


async def test_when_someone_leaves_the_middle_of_the_line_those_behind_move_up(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        sam = await away_agent(server)
        line = [await join(server, position) for position in (1, 2, 3, 4)]
        seen = marks(line)
        await claim(sam, line[1][1])
        await line[3][0].wait_for(type="queue_position", data_position=3)  # the pass is done
        assert await told_each(line, seen) == [[], [], [2], [3]]

        seen = marks(line)
        await claim(sam, line[0][1])
        await line[3][0].wait_for(type="queue_position", data_position=2)
        assert await told_each(line, seen) == [[], [], [1], [2]]

        # a customer who comes back is told their place again, and so are their sockets
        # after the next change, whatever this server told them before
        again, _ = await customer(server, conversation_id=line[3][1], token=_token(line[3][0]))
        assert (await again.wait_for(type="queue_position"))["data"]["position"] == 2
        await claim(sam, line[2][1])
        # (the SLA timer's pass may first tell the place it was just told again: it is
        # the next change that must reach the socket)
        await again.wait_for(type="queue_position", data_position=1, timeout=10)


def _token(client: Client) -> str:
    welcome = next(f for f in client.frames if f["type"] == "welcome")
    return str(welcome["data"]["token"])


@pytest.mark.slow
@pytest.mark.skipif(not shared_services_up(), reason="PostgreSQL or Redis is not reachable")
async def test_a_customer_on_one_server_is_told_of_changes_made_on_another(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    backend = Backend("postgres+redis")
    try:
        here = desk_settings(tmp_path / "a", kb_snapshot, backend)
        shared = {k: getattr(here, k) for k in ("database_url", "redis_url", "redis_prefix")}
        there = desk_settings(tmp_path / "b", kb_snapshot, None).model_copy(update=shared)
        async with serving(here) as first, serving(there) as second:
            sam = await away_agent(second)
            _, ahead = await join(second, 1)
            watched, _ = await join(first, 2)
            # someone urgent joins on the other server, ahead of both, and is then taken
            urgent, welcome = await customer(second)
            await say_urgent(urgent)
            assert (await watched.wait_for(type="queue_position"))["data"]["position"] == 3
            await claim(sam, welcome["conversation_id"])
            assert (await watched.wait_for(type="queue_position"))["data"]["position"] == 2
            await claim(sam, ahead)
            assert (await watched.wait_for(type="queue_position"))["data"]["position"] == 1
    finally:
        backend.drop()


async def say_urgent(client: Client) -> dict[str, Any]:
    text = "This is a scam, someone stole my identity"
    await client.send({"type": "message", "client_msg_id": new_id(), "data": {"text": text}})
    return await client.wait_for(type="queue_position", data_position=1)
