"""Agent presence shared by every worker, through one Redis hash.

Each worker keeps the sockets it holds (as `LocalPresence` does) and publishes what they
mean, one field per agent it sees (`<worker>|<agent>` → `<status>|<expiry>`),
refreshed by a heartbeat. Every worker reads the hash back once a second, so
routing on any worker knows an agent connected to another; a worker that dies
simply stops refreshing, and its agents drop out when their fields expire.
Reads stay synchronous for the desk: they answer from the last reading.
"""

import asyncio
import contextlib
import logging
import secrets
import time
from typing import Literal

from redis.asyncio import Redis
from redis.exceptions import RedisError
from redis.typing import EncodableT, FieldT

from warmline.coordination.presence import LocalPresence, Status

log = logging.getLogger("warmline.presence")

REFRESH_S = 1.0
TTL_S = 10.0


class RedisPresence(LocalPresence):
    def __init__(self, redis: Redis, key: str) -> None:
        super().__init__()
        self._redis = redis
        self._key = key
        self._worker = secrets.token_hex(6)
        self._remote: dict[str, Status] = {}
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._sync()
        self._task = asyncio.create_task(self._keep_in_sync())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        with contextlib.suppress(RedisError):  # else the fields expire on their own
            await self._drop_mine([str(f) for f in await self._redis.hkeys(self._key)])

    def connect(self, agent_id: str) -> None:
        super().connect(agent_id)
        self._changed.set()

    def disconnect(self, agent_id: str) -> bool:
        last = super().disconnect(agent_id)
        self._changed.set()
        return last

    def set_status(self, agent_id: str, status: Status) -> None:
        super().set_status(agent_id, status)
        self._changed.set()

    def online(self) -> set[str]:
        return super().online() | set(self._remote)

    def status(self, agent_id: str) -> Status | Literal["offline"]:
        local = super().status(agent_id)
        return self._remote.get(agent_id, local) if local == "offline" else local

    async def _keep_in_sync(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), REFRESH_S)
            self._changed.clear()
            try:
                await self._sync()
            except RedisError as exc:
                log.warning("presence not shared, retrying: %s", exc)

    async def _sync(self) -> None:
        """Write this worker's agents, then read everyone's (dropping expired fields)."""
        now = time.time()
        mine: dict[FieldT, EncodableT] = {
            f"{self._worker}|{agent}": f"{super().status(agent)}|{now + TTL_S}"
            for agent in super().online()
        }
        if mine:
            await self._redis.hset(self._key, mapping=mine)
        fields: dict[str, str] = await self._redis.hgetall(self._key)  # type: ignore[assignment]
        remote: dict[str, Status] = {}
        stale: list[str] = []
        gone: list[str] = []
        for field, value in fields.items():
            worker, _, agent = field.partition("|")
            status, _, expiry = value.partition("|")
            if float(expiry) < now:
                stale.append(field)
            elif worker == self._worker:
                if field not in mine:
                    gone.append(field)
            elif status in ("available", "away") and remote.get(agent) != "available":
                remote[agent] = "available" if status == "available" else "away"
        if stale or gone:
            await self._redis.hdel(self._key, *stale, *gone)
        self._remote = remote

    async def _drop_mine(self, fields: list[str]) -> None:
        prefix = f"{self._worker}|"
        mine = [f for f in fields if f.startswith(prefix)]
        if mine:
            await self._redis.hdel(self._key, *mine)
