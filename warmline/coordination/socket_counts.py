"""Open sockets per client address, capped, so one address cannot hold every socket.

In one process this is a counter. With several workers a client's sockets may sit on
any of them, so `RedisSocketCounts` keeps one sorted set per address whose members
are leases (`<worker>-<n>`) scored by when they were last renewed: each worker renews
its own leases on a heartbeat, and a dead worker's leases lapse instead of counting
against the address forever. Admission checks and adds in one script, so two workers
never both admit the socket that fills the cap.
"""

import asyncio
import contextlib
import logging
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from warmline.coordination.flood import ADMIT
from warmline.storage.database import Unavailable

log = logging.getLogger("warmline.sockets")

LEASE_S = 60.0
RENEW_S = 20.0

# A lease is one member of a sliding window: admitting it is the flood window's admit.
ACQUIRE = ADMIT

RENEW = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', t, ARGV[i + 1])
  redis.call('PEXPIRE', KEYS[i], math.ceil(tonumber(ARGV[1]) * 1000))
end
return 1
"""


@dataclass(frozen=True)
class Lease:
    address: str
    member: str


class SocketCounts(Protocol):
    async def acquire(self, address: str) -> Lease | None:
        """A lease on one socket for this address, or None when it holds its limit already."""
        ...

    async def release(self, lease: Lease) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class LocalSocketCounts:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: Counter[str] = Counter()

    async def acquire(self, address: str) -> Lease | None:
        """A lease on one socket for this address, or None when it holds `limit` already."""
        if self._open[address] >= self.limit:
            return None
        self._open[address] += 1
        return Lease(address, address)

    async def release(self, lease: Lease) -> None:
        self._open[lease.address] -= 1
        if self._open[lease.address] <= 0:
            del self._open[lease.address]

    async def start(self) -> None:
        """Nothing to keep alive in one process."""

    async def stop(self) -> None:
        """Nothing to keep alive in one process."""


class RedisSocketCounts(LocalSocketCounts):
    def __init__(self, redis: Redis, prefix: str, limit: int) -> None:
        super().__init__(limit)
        self._redis = redis
        self._prefix = prefix
        self._worker = secrets.token_hex(4)
        self._counter = 0
        self._held: set[Lease] = set()
        self._task: asyncio.Task[None] | None = None

    async def acquire(self, address: str) -> Lease | None:
        self._counter += 1
        lease = Lease(address, f"{self._worker}-{self._counter}")
        try:
            admitted = await self._redis.eval(
                ACQUIRE, 1, f"{self._prefix}:{address}", LEASE_S, self.limit, lease.member
            )
        except RedisError as exc:
            raise Unavailable() from exc
        if not admitted:
            return None
        self._held.add(lease)
        return lease

    async def release(self, lease: Lease) -> None:
        self._held.discard(lease)
        with contextlib.suppress(RedisError):  # else the lease lapses on its own
            await self._redis.zrem(f"{self._prefix}:{lease.address}", lease.member)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._renew_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(RENEW_S)
            held = list(self._held)
            if not held:
                continue
            try:
                await self._redis.eval(
                    RENEW,
                    len(held),
                    *[f"{self._prefix}:{lease.address}" for lease in held],
                    LEASE_S,
                    *[lease.member for lease in held],
                )
            except RedisError:
                log.warning("socket leases not renewed; retrying", extra={"count": len(held)})
