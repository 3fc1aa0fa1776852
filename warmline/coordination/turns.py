"""One turn at a time per conversation: a turn waits for the one before it.

In one process an asyncio lock per conversation suffices, kept only while a turn
holds or waits for it. With several workers a turn for the same conversation can
start on two of them (a customer who reconnected elsewhere, a worker recovering
pending turns at start-up), so `RedisTurnLocks` also takes a Redis lock: a key set
only if absent, with an expiry renewed while the turn runs, so a worker that dies
mid-turn frees the conversation after `ttl` instead of never.
"""

import asyncio
import contextlib
import logging
import secrets
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("warmline.turns")

# Delete the lock only if this holder still owns it (it may have expired and moved on).
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
POLL_S = 0.05


class TurnLocks(Protocol):
    def held(self) -> set[str]:
        """Conversations with a turn running or waiting on this worker."""
        ...

    def hold(self, conversation_id: str) -> AbstractAsyncContextManager[None]:
        """Wait for the conversation's previous turn, and keep others waiting until exit."""
        ...


class LocalTurnLocks:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: defaultdict[str, int] = defaultdict(int)

    def held(self) -> set[str]:
        """Conversations with a turn running or waiting (empty when all is quiet)."""
        return set(self._locks)

    @asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        self._waiting[conversation_id] += 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[conversation_id] -= 1
            if not self._waiting[conversation_id]:
                del self._waiting[conversation_id]
                del self._locks[conversation_id]


class RedisTurnLocks(LocalTurnLocks):
    def __init__(self, redis: Redis, prefix: str, ttl_s: float = 10.0) -> None:
        super().__init__()
        self._redis = redis
        self._prefix = prefix
        self._ttl_ms = int(ttl_s * 1000)

    @asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[None]:
        async with super().hold(conversation_id):
            key = f"{self._prefix}:{conversation_id}"
            token = secrets.token_hex(8)
            await self._acquire(key, token)
            renewing = asyncio.create_task(self._renew(key, token))
            try:
                yield
            finally:
                renewing.cancel()
                with contextlib.suppress(RedisError):  # else it expires after ttl
                    await self._redis.eval(RELEASE, 1, key, token)

    async def _acquire(self, key: str, token: str) -> None:
        """Wait for the lock; while Redis is unreachable, keep trying (the turn is stored)."""
        while True:
            try:
                if await self._redis.set(key, token, nx=True, px=self._ttl_ms):
                    return
            except RedisError as exc:
                log.warning("turn lock unavailable, retrying: %s", exc)
            await asyncio.sleep(POLL_S)

    async def _renew(self, key: str, token: str) -> None:
        while True:
            await asyncio.sleep(self._ttl_ms / 3000)
            try:
                if await self._redis.get(key) == token:
                    await self._redis.pexpire(key, self._ttl_ms)
            except RedisError as exc:
                log.warning("turn lock not renewed: %s", exc)
