"""Flood windows: at most `limit` events per key per sliding window.

Used for new messages per conversation and for new sockets per client address.
In one process the window is a list of recent times per key. With several workers
a client's next attempt may land anywhere, so `RedisFloodWindows` keeps the window
in a sorted set, checked and extended in one script so two workers never both
admit the event that fills it.

An event may name itself (a message's `client_msg_id`): one already in the window is
admitted again without counting twice, so a message the client resends because it was
refused as busy (nothing stored) does not use up the customer's window.
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
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], t, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1]) * 1000))
return 1
"""


FULL = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t - tonumber(ARGV[1]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 1 end
return 0
"""


class FloodWindows(Protocol):
    async def admit(self, key: str, event: str | None = None) -> bool:
        """Count one event, or refuse it when the window is full; a named event already
        counted in the window is admitted without counting again."""
        ...

    async def full(self, key: str) -> bool:
        """The window holds `limit` events now, so a new one would be refused; counts
        nothing (a caller skips work it would do only for an admitted event)."""
        ...


class LocalFloodWindows:
    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._recent: dict[str, list[tuple[float, str | None]]] = {}

    async def admit(self, key: str, event: str | None = None) -> bool:
        """Count one event, or refuse it when the window is full; a named event already
        counted in the window is admitted without counting again."""
        now = time.monotonic()
        if len(self._recent) > SWEEP_AT:
            self._recent = {k: v for k, v in self._recent.items() if now - v[-1][0] < self.window_s}
        recent = [(t, e) for t, e in self._recent.get(key, []) if now - t < self.window_s]
        if event is not None and any(e == event for _, e in recent):
            return True
        if len(recent) >= self.limit:
            return False
        self._recent[key] = [*recent, (now, event)]
        return True

    async def full(self, key: str) -> bool:
        now = time.monotonic()
        return sum(now - t < self.window_s for t, _ in self._recent.get(key, [])) >= self.limit


class RedisFloodWindows(LocalFloodWindows):
    def __init__(self, redis: Redis, prefix: str, limit: int, window_s: float) -> None:
        super().__init__(limit, window_s)
        self._redis = redis
        self._prefix = prefix
        self._worker = secrets.token_hex(4)
        self._counter = 0

    async def admit(self, key: str, event: str | None = None) -> bool:
        self._counter += 1
        member = f"{self._worker}-{self._counter}" if event is None else f"event:{event}"
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

    async def full(self, key: str) -> bool:
        try:
            crowded = await self._redis.eval(
                FULL, 1, f"{self._prefix}:{key}", self.window_s, self.limit
            )
        except RedisError as exc:
            raise Unavailable() from exc
        return bool(crowded)
