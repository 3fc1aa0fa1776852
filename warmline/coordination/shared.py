"""What workers must agree on, chosen by configuration: in process, or through Redis.

The event bus, agent presence, per-conversation turn locks, flood windows and the
per-address socket limits are kept in this process by default (one worker, no
service to run). With `redis_url` every worker shares them, so a customer on one
worker and an agent on another see the same conversation live, and limits hold
whichever worker a client reaches.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Generic

from redis.asyncio import Redis
from redis.exceptions import RedisError

from warmline.coordination.bus import EventBus, F, LocalEventBus
from warmline.coordination.flood import FloodWindows, LocalFloodWindows, RedisFloodWindows
from warmline.coordination.presence import LocalPresence, Presence
from warmline.coordination.redis_bus import READ_BLOCK_MS, RedisEventBus
from warmline.coordination.redis_presence import RedisPresence
from warmline.coordination.settings import CoordinationSettings, FloodLimits
from warmline.coordination.socket_counts import LocalSocketCounts, RedisSocketCounts, SocketCounts
from warmline.coordination.turns import LocalTurnLocks, RedisTurnLocks, TurnLocks
from warmline.storage.database import Unavailable


@dataclass
class Coordination(Generic[F]):
    bus: EventBus[F]
    presence: Presence
    turns: TurnLocks
    flood: FloodWindows
    connects: FloodWindows
    sockets: SocketCounts
    redis: Redis | None = None


CONNECT_WINDOW_S = 60.0


def _client(url: str, settings: CoordinationSettings) -> Redis:
    """A Redis client whose every command and connection waits at most the configured
    timeouts (`coordination`)."""
    return Redis.from_url(
        url,
        decode_responses=True,
        health_check_interval=10,
        socket_keepalive=True,
        socket_timeout=settings.redis_timeout_s,
        socket_connect_timeout=settings.redis_connect_timeout_s,
    )


def _unreachable(exc: RedisError) -> Unavailable:
    return Unavailable(f"Redis not reachable at start: {exc}")


async def reach_redis(settings: CoordinationSettings) -> None:
    """`Unavailable` unless the Redis at `redis_url`, if any, answers a ping within the
    configured timeouts: asked before a server starts anything else, so a Redis that is
    down or hung stops it at once, in words, rather than after the knowledge base and
    the models have loaded, with a traceback from the start-up `coordination` raises in."""
    if settings.redis_url is None:
        return
    redis = _client(settings.redis_url, settings)
    try:
        await redis.ping()
    except RedisError as exc:
        raise _unreachable(exc) from exc
    finally:
        await redis.aclose()


@asynccontextmanager
async def coordination(
    settings: CoordinationSettings, limits: FloodLimits, parse: Callable[[str], F]
) -> AsyncIterator[Coordination[F]]:
    """Open what workers share; `parse` reads back a frame another worker published.

    Every Redis command waits at most `redis_timeout_s` for its reply (and a connection
    `redis_connect_timeout_s`): a Redis that stops answering fails each call as a
    `RedisError`, which each caller already answers (`unavailable` to a client, a retry
    in the loops that keep the bus, presence, leases and turn locks), instead of holding
    it for ever. At start, such a Redis is an `Unavailable` that says so."""
    if settings.redis_url is None:
        yield Coordination(
            LocalEventBus[F](),
            LocalPresence(),
            LocalTurnLocks(),
            LocalFloodWindows(limits.flood_messages, limits.flood_window_s),
            LocalFloodWindows(limits.connections_per_minute, CONNECT_WINDOW_S),
            LocalSocketCounts(limits.sockets_per_ip),
        )
        return
    timeout_s = settings.redis_timeout_s
    redis = _client(settings.redis_url, settings)
    prefix = settings.redis_prefix
    block_ms = min(READ_BLOCK_MS, max(1, int(timeout_s * 500)))
    bus = RedisEventBus(redis, f"{prefix}:events", parse, read_block_ms=block_ms)
    presence = RedisPresence(redis, f"{prefix}:presence")
    sockets = RedisSocketCounts(redis, f"{prefix}:sockets", limits.sockets_per_ip)
    try:
        try:
            await bus.start()
            await presence.start()
            await sockets.start()
        except RedisError as exc:
            raise _unreachable(exc) from exc
        yield Coordination(
            bus,
            presence,
            RedisTurnLocks(redis, f"{prefix}:turn"),
            RedisFloodWindows(
                redis, f"{prefix}:flood", limits.flood_messages, limits.flood_window_s
            ),
            RedisFloodWindows(
                redis, f"{prefix}:connects", limits.connections_per_minute, CONNECT_WINDOW_S
            ),
            sockets,
            redis,
        )
    finally:
        await sockets.stop()
        await presence.stop()
        await bus.stop()
        await redis.aclose()
