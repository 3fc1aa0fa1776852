"""A socket refused because the shared store (Redis) does not answer: the client is told
to try again later, and the operator's log names the cause without a line per retry. A
socket closed while the store stalls stops counting as open at once."""

import asyncio
import logging
from types import SimpleNamespace
from typing import Any, cast

import pytest

from warmline.config import Settings
from warmline.conversation.protocol import ServerFrame
from warmline.coordination.shared import Coordination
from warmline.coordination.socket_counts import Lease
from warmline.server.connection import Connection
from warmline.server.gate import Gate, Refusal
from warmline.storage.database import Unavailable


class StoreDown:
    """What the gate asks of the shared store, when the store does not answer."""

    async def admit(self, key: str, event: str | None = None) -> bool:
        raise Unavailable() from ConnectionError("Connection refused")


class Shared:
    connects = StoreDown()


async def test_an_outage_is_logged_with_its_cause_once_however_often_clients_retry(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = Gate(Settings(), cast(Coordination[ServerFrame], Shared()))
    caplog.set_level(logging.WARNING, logger="warmline.gate")
    refusals: list[Any] = []
    for _ in range(20):  # widgets reconnecting with backoff during the outage
        with pytest.raises(Refusal) as refused:
            await gate._lease("203.0.113.7")
        refusals.append((refused.value.code, refused.value.close_code))
    assert refusals == [("unavailable", 1013)] * 20
    lines = [r.getMessage() for r in caplog.records if r.name == "warmline.gate"]
    assert len(lines) == 1 and "Connection refused" in lines[0]


class Admitting:
    async def admit(self, key: str, event: str | None = None) -> bool:
        return True


class StalledSeats:
    """Seats given out at once, given back never: the store stalls on the release."""

    def __init__(self) -> None:
        self.releasing = asyncio.Event()

    async def acquire(self, address: str) -> Lease:
        return Lease(address, "w-1")

    async def release(self, lease: Lease) -> None:
        self.releasing.set()
        await asyncio.Event().wait()


class Accepting:
    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.client = SimpleNamespace(host="203.0.113.7")

    async def accept(self) -> None:
        pass


class Held:
    """A connection as the gate keeps it: its socket, hashable by identity."""

    websocket = Accepting()


async def test_a_socket_closed_while_the_store_stalls_stops_counting_as_open_at_once() -> None:
    """Its seat's release waits on the stalled store (the lease lapses on its own), but
    the socket is closed: /metrics and the drain's wait count it no more meanwhile."""
    seats = StalledSeats()
    shared = SimpleNamespace(connects=Admitting(), sockets=seats)
    gate = Gate(Settings(), cast(Coordination[ServerFrame], shared))
    conn = cast(Connection, Held())

    async def served_and_closed() -> None:
        async with gate.entry(conn, "chat") as admitted:
            assert admitted
            assert gate.counts()["chat"] == 1

    session = asyncio.create_task(served_and_closed())
    releasing = asyncio.create_task(seats.releasing.wait())
    async with asyncio.timeout(10):  # the session's failure, if any, ends the wait too
        await asyncio.wait([session, releasing], return_when=asyncio.FIRST_COMPLETED)
    assert seats.releasing.is_set(), session
    assert gate.counts()["chat"] == 0
    for task in (session, releasing):
        task.cancel()
    await asyncio.gather(session, releasing, return_exceptions=True)
