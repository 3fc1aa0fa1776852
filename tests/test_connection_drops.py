"""PostgreSQL and Redis drop every connection under traffic; the server carries on.

A customer keeps sending while the test terminates the database's backends
(`pg_terminate_backend`) and kills Redis's clients (`CLIENT KILL`). The customer
does what the widget does: resends a message that was not acknowledged (same
`client_msg_id`), reconnects with `resume_after` when the socket closes, and opens the
socket again when it is refused with "try again later".
Afterwards every acknowledged message is in the log, once, and the bot still answers.
"""

import asyncio
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import (
    PG_HOST,
    REDIS_URL,
    Backend,
    Client,
    customer,
    make_settings,
    new_id,
    serving,
    shared_services_up,
)
from redis.asyncio import Redis
from websockets.exceptions import ConnectionClosed

from warmline.conversation.settings import LimitSettings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shared_services_up(), reason="PostgreSQL or Redis is not reachable"),
]
MESSAGES = 24
ATTEMPTS = 20  # how often a refused socket is opened again before the test gives up


async def arrive(endpoint: Any, **hello: Any) -> tuple[Client, dict[str, Any]]:
    """Open the chat socket as the widget does: a refusal that says to try again later
    (close code 1013, `unavailable`: the shared store did not answer that moment) is met
    by opening it again after a pause; any other refusal fails the test."""
    for attempt in range(ATTEMPTS):
        try:
            client, welcome = await customer(endpoint, **dict(hello))
        except ConnectionClosed as exc:
            if exc.rcvd is None or exc.rcvd.code != 1013 or exc.rcvd.reason != "unavailable":
                raise
        else:
            if welcome["type"] != "error":
                return client, welcome
            assert welcome["data"]["code"] == "unavailable", welcome
            await client.close()
        await asyncio.sleep(0.05 * (attempt + 1))
    raise AssertionError(f"the chat socket was refused {ATTEMPTS} times")


class Customer:
    """A customer who never gives up on a message until it is acknowledged."""

    def __init__(self, endpoint: Any, welcome: dict[str, Any], client: Client) -> None:
        self.endpoint = endpoint
        self.conversation_id = welcome["conversation_id"]
        self.token = welcome["data"]["token"]
        self.client = client
        self.acked: dict[str, int] = {}

    async def send(self, text: str) -> None:
        msg_id = new_id()
        while msg_id not in self.acked:
            try:
                await self.client.send(
                    {"type": "message", "client_msg_id": msg_id, "data": {"text": text}}
                )
                reply = await asyncio.wait_for(self.answer(msg_id), timeout=10)
            except (ConnectionClosed, TimeoutError):
                await self.reconnect()
                continue
            if reply["type"] == "ack":
                self.acked[msg_id] = reply["data"]["seq"]
            else:
                # The refusals the widget keeps a message for and sends again.
                assert reply["data"]["code"] in ("unavailable", "busy", "rate_limited"), reply
                await asyncio.sleep(0.1)

    async def answer(self, msg_id: str) -> dict[str, Any]:
        """The ack or error for a message (its own echo carries the same id)."""
        while True:
            frame = await self.client.receive()
            if frame["type"] in ("ack", "error") and frame["data"].get("client_msg_id") == msg_id:
                return frame

    async def reconnect(self) -> None:
        await self.client.close()
        seqs = [f["seq"] for f in self.client.frames if f["seq"] is not None]
        self.client, _ = await arrive(
            self.endpoint,
            conversation_id=self.conversation_id,
            token=self.token,
            resume_after=max(seqs, default=0),
        )


def is_bot(frame: dict[str, Any]) -> bool:
    return bool(frame["data"].get("role") == "bot")


async def drop_connections(database: str) -> None:
    """Each on a connection of its own, opened for the drop: a killer kept from the last
    drop may itself have been killed since (by another server's test on the same Redis),
    and a command on a killed connection fails without being sent again."""
    async with await psycopg.AsyncConnection.connect(
        f"{PG_HOST}/postgres", autocommit=True
    ) as admin:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        )
    killer = Redis.from_url(REDIS_URL)
    try:
        await killer.client_kill_filter(_type="normal", skipme=True)
    finally:
        await killer.aclose()


async def test_dropped_database_and_redis_connections_lose_no_acknowledged_message(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    backend = Backend("postgres+redis")
    settings = make_settings(
        tmp_path, kb_snapshot, backend, limits=LimitSettings(flood_messages=1000)
    )
    assert settings.database_url is not None
    database = settings.database_url.rsplit("/", 1)[1]
    try:
        async with serving(settings) as server:
            client, welcome = await arrive(server)
            person = Customer(server, welcome, client)
            for i in range(MESSAGES):
                if i in (6, 12, 18):
                    await drop_connections(database)
                await person.send(f"how do I reset my password? ({i})")

            fresh, _ = await arrive(
                server, conversation_id=person.conversation_id, token=person.token
            )
            await fresh.wait_for(seq=max(person.acked.values()))
            stored = {
                f["data"].get("client_msg_id"): f["seq"]
                for f in fresh.frames
                if f["type"] == "message" and f["data"]["role"] == "customer"
            }
            assert stored == person.acked, "every acknowledged message is stored, once"

            newcomer, hello = await arrive(server)
            late = Customer(server, hello, newcomer)
            await late.send("how do I get a refund?")
            # The answer may arrive before the acknowledgement, among the frames read then.
            answer = next(
                (f for f in late.client.frames if f["type"] == "message" and is_bot(f)), None
            ) or await late.client.wait_for(type="message", data_role="bot", timeout=60)
            assert "refund" in answer["data"]["text"].lower(), "the bot answers again"
            for socket in (fresh, person.client, late.client):
                await socket.close()
    finally:
        backend.drop()
