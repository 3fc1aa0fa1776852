"""Flood windows: at most `limit` events per key per sliding window.

Used for new messages per conversation and for new sockets per client address.
In one process the window is a list of recent times per key. With several workers
a client's next attempt may land anywhere, so `RedisFloodWindows` keeps the window
in a sorted set, checked and extended in one script so two workers never both
admit the event that fills it.
"""

import secrets
import time
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from warmline.storage.database import Unavailable

SWEEP_AT = 10_000  # keys tracked before idle windows are dropped

ADMIT = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t - tonumber(ARGV[1]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], t, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1]) * 1000))
return 1
"""


class FloodWindows(Protocol):
    async def admit(self, key: str) -> bool:
        """Count one event, or refuse it when the window is full."""
        ...


class LocalFloodWindows:
    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._recent: dict[str, list[float]] = {}

    async def admit(self, key: str) -> bool:
        """Count one event, or refuse it when the window is full."""
        now = time.monotonic()
        if len(self._recent) > SWEEP_AT:
            self._recent = {k: v for k, v in self._recent.items() if now - v[-1] < self.window_s}
        recent = [t for t in self._recent.get(key, []) if now - t < self.window_s]
        if len(recent) >= self.limit:
            return False
        self._recent[key] = [*recent, now]
        return True


class RedisFloodWindows(LocalFloodWindows):
    def __init__(self, redis: Redis, prefix: str, limit: int, window_s: float) -> None:
        super().__init__(limit, window_s)
        self._redis = redis
        self._prefix = prefix
        self._worker = secrets.token_hex(4)
        self._counter = 0

    async def admit(self, key: str) -> bool:
        self._counter += 1
        member = f"{self._worker}-{self._counter}"
        try:
            admitted = await self._redis.eval(
                ADMIT,
                1,
                f"{self._prefix}:{key}",
                self.window_s,
                self.limit,
                member,
            )
        except RedisError as exc:
            raise Unavailable() from exc
        return bool(admitted)
