"""A TCP proxy whose cable can be pulled: the network loss a browser's offline mode cannot fake.

Chromium's offline emulation leaves open WebSockets untouched, so a test that wants
a customer's connection to drop puts this proxy between the browser and the server,
then `cut()`s it (live connections reset, new ones refused) and `restore()`s it.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from conftest import free_port


class NetCut:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.online = True
        self._pairs: set[asyncio.StreamWriter] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.online:
            writer.transport.abort()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(
            "127.0.0.1", self.target_port
        )
        self._pairs |= {writer, upstream_writer}
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )
        self._pairs -= {writer, upstream_writer}

    def cut(self) -> None:
        self.online = False
        for writer in list(self._pairs):
            writer.transport.abort()
        self._pairs.clear()

    def restore(self) -> None:
        self.online = True


@asynccontextmanager
async def netcut(target_port: int) -> AsyncIterator[NetCut]:
    proxy = NetCut(target_port)
    server = await asyncio.start_server(proxy._client, "127.0.0.1", proxy.port)
    try:
        yield proxy
    finally:
        proxy.cut()
        server.close()
