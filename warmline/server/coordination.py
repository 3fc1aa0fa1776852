"""What workers must agree on, chosen by configuration: in process, or through Redis.

The event bus, agent presence, per-conversation turn locks and flood windows are
kept in this process by default (one worker, no service to run). With `redis_url`
every worker shares them, so a customer on one worker and an agent on another see
the same conversation live, and limits hold whichever worker a client reaches.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from redis.asyncio import Redis

from warmline.config import Settings
from warmline.server.bus import EventBus
from warmline.server.flood import FloodWindows, RedisFloodWindows
from warmline.server.presence import Presence
from warmline.server.redis_bus import RedisEventBus
from warmline.server.redis_presence import RedisPresence
from warmline.server.turns import RedisTurnLocks, TurnLocks


@dataclass
class Coordination:
    bus: EventBus
    presence: Presence
    turns: TurnLocks
    flood: FloodWindows


@asynccontextmanager
async def coordination(settings: Settings) -> AsyncIterator[Coordination]:
    limits = settings.limits
    if settings.redis_url is None:
        yield Coordination(
            EventBus(),
            Presence(),
            TurnLocks(),
            FloodWindows(limits.flood_messages, limits.flood_window_s),
        )
        return
    redis = Redis.from_url(
        settings.redis_url, decode_responses=True, health_check_interval=10, socket_keepalive=True
    )
    prefix = settings.redis_prefix
    bus = RedisEventBus(redis, f"{prefix}:events")
    presence = RedisPresence(redis, f"{prefix}:presence")
    await bus.start()
    await presence.start()
    try:
        yield Coordination(
            bus,
            presence,
            RedisTurnLocks(redis, f"{prefix}:turn"),
            RedisFloodWindows(
                redis, f"{prefix}:flood", limits.flood_messages, limits.flood_window_s
            ),
        )
    finally:
        await presence.stop()
        await bus.stop()
        await redis.aclose()
