"""A customer's socket whose missed events cannot be read from the log is closed with
1013 (try again later), so the client resumes; it never stays open and silent."""

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from warmline.conversation.protocol import ServerFrame
from warmline.coordination.bus import LocalEventBus
from warmline.server.chat_endpoint import CustomerConnection
from warmline.storage.database import Unavailable


class RecordingSocket:
    """The server's side of a WebSocket, as the connection's writer uses it."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    async def close(self, code: int, reason: str) -> None:
        self.closed.set_result((code, reason))


class UnreadableLog:
    """A conversation log whose reads fail with `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def events_after(self, *_: Any, **__: Any) -> list[Any]:
        raise self.error


@pytest.mark.parametrize(
    ("error", "closed"),
    [
        (Unavailable(), (1013, "unavailable")),  # the store does not answer
        (ValueError("a row that no longer parses"), (1011, "internal")),
    ],
)
async def test_events_after_a_gap_the_log_cannot_fill_close_the_socket_to_be_resumed(
    error: Exception, closed: tuple[int, str]
) -> None:
    socket = RecordingSocket()
    conn = CustomerConnection(socket, LocalEventBus[ServerFrame](), 1 << 16)  # type: ignore[arg-type]
    conn.service = SimpleNamespace(log=UnreadableLog(error))  # type: ignore[assignment]
    conn.conversation = SimpleNamespace(id="c1")  # type: ignore[assignment]
    conn.last_seq_sent = 1
    conn.start_writer()
    # Event 2 went out on the bus after event 3 (two commits published out of order).
    conn.outbox.put_nowait(ServerFrame(seq=3, type="message", conversation_id="c1"))
    assert await asyncio.wait_for(socket.closed, 60) == closed
    assert socket.sent == []  # event 3 waits for the resume, which sends 2 first
    await conn.close()
