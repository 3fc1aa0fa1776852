"""A Redis that accepts connections but stops answering fails each call within
`redis_timeout_s`, as `Unavailable`, instead of holding the gateway's callers for ever."""

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator

import pytest
from conftest import REDIS_URL
from redis.asyncio import Redis
from redis.exceptions import RedisError

from warmline.conversation.protocol import ServerFrame, control
from warmline.coordination.settings import CoordinationSettings, FloodLimits
from warmline.coordination.shared import Coordination, coordination
from warmline.storage.database import Unavailable

SAFETY_LIMIT_S = 30.0
"""Only so a test of the code before the timeouts fails instead of hanging: never reached."""


def redis_up() -> bool:
    async def ping() -> bool:
        client = Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        try:
            return bool(await client.ping())
        except RedisError:
            return False
        finally:
            await client.aclose()

    return asyncio.run(ping())


class Silence:
    """A listening socket that takes every connection and every byte and answers nothing,
    as a hung Redis does (or, with `upstream`, passes both ways to the real Redis until the
    test freezes it)."""

    def __init__(self, upstream: tuple[str, int] | None = None) -> None:
        self.upstream = upstream
        self.frozen = asyncio.Event()
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}/0"

    async def __aenter__(self) -> "Silence":
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.upstream is None or self.frozen.is_set():
            while await reader.read(4096):
                pass  # taken, never answered
            return
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )
        writer.close()
        up_writer.close()

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while data := await source.read(4096):
            if self.frozen.is_set():
                continue  # the Redis hangs: what is sent is never answered
            sink.write(data)
            await sink.drain()


def quick(url: str, prefix: str = "warmline") -> CoordinationSettings:
    return CoordinationSettings(
        redis_url=url, redis_prefix=prefix, redis_timeout_s=0.2, redis_connect_timeout_s=0.2
    )


@contextlib.asynccontextmanager
async def shared(settings: CoordinationSettings) -> AsyncIterator[Coordination[ServerFrame]]:
    async with coordination(settings, FloodLimits(), ServerFrame.model_validate_json) as opened:
        yield opened


async def test_a_redis_that_never_answers_fails_the_start_as_unavailable() -> None:
    """`warmline serve` pointed at a Redis that accepts and never answers stops with a
    clear error (`Unavailable`, naming Redis) within the configured timeout, not with
    redis-py's raw timeout after its own default (or never, in older releases)."""
    async with Silence() as hung:

        async def start() -> None:
            async with shared(quick(hung.url)):
                pass

        with pytest.raises(Unavailable, match="Redis not reachable at start"):
            await asyncio.wait_for(start(), SAFETY_LIMIT_S)


@pytest.mark.skipif(not redis_up(), reason="Redis is not reachable")
async def test_a_redis_that_stops_answering_refuses_calls_as_unavailable_and_recovers() -> None:
    """The Redis behind a running gateway hangs: a new message's flood check and a new
    socket's lease each fail as `Unavailable` (the client is told to retry) within the
    configured timeout (left to redis-py, they waited its default: 5 s in the locked 8.1,
    for ever in older releases that `redis>=5` allows). When Redis answers again, so do
    they, and the bus's reader, which met the same timeouts, still carries another
    worker's frames."""
    host, port = REDIS_URL.removeprefix("redis://").split("/")[0].split(":")
    prefix = f"warmline_test_{secrets.token_hex(6)}"
    try:
        async with (
            Silence(upstream=(host, int(port))) as proxy,
            shared(quick(proxy.url, prefix)) as here,
            shared(quick(REDIS_URL, prefix)) as other,
        ):
            assert await here.flood.admit("c1", "m1")
            proxy.frozen.set()
            with pytest.raises(Unavailable):
                await asyncio.wait_for(here.flood.admit("c1", "m2"), SAFETY_LIMIT_S)
            with pytest.raises(Unavailable):
                await asyncio.wait_for(here.sockets.acquire("10.0.0.1"), SAFETY_LIMIT_S)

            proxy.frozen.clear()
            assert await here.flood.admit("c1", "m3")
            reaching: asyncio.Queue[ServerFrame] = asyncio.Queue()
            with here.bus.subscribe("c1", reaching):
                other.bus.publish("c1", control("typing", "c1", who="bot"))
                frame = await asyncio.wait_for(reaching.get(), SAFETY_LIMIT_S)
            assert frame.type == "typing"
    finally:
        client = Redis.from_url(REDIS_URL)
        async for key in client.scan_iter(f"{prefix}:*"):
            await client.delete(key)
        await client.aclose()
