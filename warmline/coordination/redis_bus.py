"""The event bus across workers: one Redis stream that every worker reads.

A customer on worker A and their agent on worker B meet here: every frame is
appended (XADD) to one stream and each worker reads the stream (XREAD) from the
last entry it saw and hands each frame to its own sockets. Reading by position
rather than by pub/sub subscription means a worker whose Redis connection dropped
resumes where it stopped, so a reconnect loses no frame. A frame reaches this
worker's own sockets at once, as in process, and the others through the stream
(a worker skips its own entries). `publish` stays synchronous for its callers:
frames wait in a local queue, in order, until Redis takes them; a write that fails
is retried, so a frame may (rarely) be delivered twice, which clients already
tolerate (they keep one event per seq).
"""

import asyncio
import logging
import secrets
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from warmline.coordination.bus import F, LocalEventBus

log = logging.getLogger("warmline.bus")

BATCH = 500  # frames written per round trip
READ_BLOCK_MS = 1_000
RETRY_S = 0.2


class RedisEventBus(LocalEventBus[F]):
    def __init__(
        self,
        redis: Redis,
        stream: str,
        parse: Callable[[str], F],
        max_length: int = 100_000,
        read_block_ms: int = READ_BLOCK_MS,
    ) -> None:
        """`read_block_ms`: how long a read of the stream waits for new frames, shorter
        than the client's reply timeout, or every quiet wait would fail as a timeout."""
        super().__init__()
        self._read_block_ms = read_block_ms
        self._parse = parse
        self._redis = redis
        self._stream = stream
        self._max_length = max_length
        self._outgoing: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._published = 0
        self._stored = 0  # of the frames published, how many are in Redis (in order)
        self._progress = asyncio.Condition()
        self._tasks: list[asyncio.Task[None]] = []
        self._worker = secrets.token_hex(6)

    async def start(self) -> None:
        """Read from the stream's current end: earlier frames are in the conversation log."""
        newest = await self._redis.xrevrange(self._stream, count=1)
        last = str(newest[0][0]) if newest else "0-0"
        self._tasks = [
            asyncio.create_task(self._write_out()),
            asyncio.create_task(self._read_in(last)),
        ]

    async def stop(self) -> None:
        """Write out what is queued (briefly), then stop reading."""
        try:
            await asyncio.wait_for(self.flush(), timeout=2)
        except TimeoutError:
            log.warning("frames not written to redis at shutdown: %d", self._outgoing.qsize())
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def publish(self, topic: str, frame: F) -> None:
        self.deliver(topic, frame)
        self._published += 1
        self._outgoing.put_nowait((topic, frame.wire()))

    async def flush(self) -> None:
        target = self._published
        async with self._progress:
            await self._progress.wait_for(lambda: self._stored >= target)

    async def _write_out(self) -> None:
        while True:
            batch = [await self._outgoing.get()]
            while len(batch) < BATCH and not self._outgoing.empty():
                batch.append(self._outgoing.get_nowait())
            while True:
                try:
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for topic, wire in batch:
                            pipe.xadd(
                                self._stream,
                                {"w": self._worker, "t": topic, "f": wire},
                                maxlen=self._max_length,
                                approximate=True,
                            )
                        await pipe.execute()
                    break
                except RedisError as exc:
                    log.warning("redis write failed, retrying: %s", exc)
                    await asyncio.sleep(RETRY_S)
            self._stored += len(batch)
            async with self._progress:
                self._progress.notify_all()

    async def _read_in(self, last: str) -> None:
        while True:
            try:
                reply = await self._redis.xread(
                    {self._stream: last}, count=BATCH, block=self._read_block_ms
                )
            except RedisError as exc:
                log.warning("redis read failed, retrying: %s", exc)
                await asyncio.sleep(RETRY_S)
                continue
            # RESP2 reply: [[stream, [(entry_id, {field: value}), ...]]]
            entries: list[tuple[str, dict[str, str]]] = (
                reply[0][1] if reply else []  # type: ignore[index,assignment]
            )
            for entry_id, fields in entries:
                last = entry_id
                if fields["w"] != self._worker:
                    self.deliver(fields["t"], self._parse(fields["f"]))
