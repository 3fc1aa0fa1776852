"""uvicorn with a graceful shutdown that drains WebSockets before uvicorn cuts them.

On SIGTERM (or SIGINT) uvicorn would at once close every WebSocket with 1012,
cancelling answers being written. Here the app drains first: /readyz turns 503 and
new sockets are refused while the listener stays open, answers in progress finish
(up to `shutdown_grace_s`), and then each socket is closed with 1012 after the frames
queued for it, so clients reconnect and resume, possibly on another worker. A second
signal skips the drain. Client addresses come from `trusted_proxies` alone, so
uvicorn's own X-Forwarded-For handling is off.
"""

import asyncio
import socket
from collections.abc import Awaitable, Callable

import uvicorn

from warmline.clock import Clock, Ticks, monotonic, utc_now
from warmline.config import Settings
from warmline.coordination.shared import reach_redis
from warmline.heap import freeze_what_startup_loaded
from warmline.server.app import create_app
from warmline.server.exposure import refuse_unsafe
from warmline.server.runtime import open_knowledge_store
from warmline.server.startup import RedisUnreachable
from warmline.storage.database import Unavailable

# Far above the protocol's frame limit, so the app sees an oversized frame and answers it
# with `frame_too_large` instead of the library closing the socket (1009).
WS_MAX_BYTES = 16 << 20
SHUTDOWN_AFTER_DRAIN_S = 5  # uvicorn's own wait for connections once the drain is done


class DrainingServer(uvicorn.Server):
    def __init__(
        self,
        config: uvicorn.Config,
        drain: Callable[[], Awaitable[None]],
        freeze_startup: bool = False,
    ) -> None:
        super().__init__(config)
        self.drain = drain
        self.freeze_startup = freeze_startup

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Once listening, say where in plain words: the JSON log is for machines. A
        process that is this server for its whole life first freezes what its startup
        loaded, out of the garbage collector's walks (`warmline.heap`)."""
        await super().startup(sockets)
        if self.started:
            if self.freeze_startup:
                freeze_what_startup_loaded()
            base = f"http://{self.config.host}:{self.config.port}"
            print(
                f"Warmline is ready at {base}\n"
                f"  widget demo    {base}/\n"
                f"  agent console  {base}/console\n"
                f"  health         {base}/healthz",
                flush=True,
            )

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if not self.force_exit:
            await self.drain()
        await super().shutdown(sockets)


def build_server(
    settings: Settings,
    open_store: bool = False,
    clock: Clock = utc_now,
    ticks: Ticks = monotonic,
) -> DrainingServer:
    """The server for these settings; raises `UnsafeExposure` before a public address
    would be served with demo or placeholder credentials (see `exposure.py`).

    `open_store` is for `warmline serve`, whose process is this server alone: the
    knowledge store is opened here, before uvicorn starts, so a damaged one stops it with
    `StoreUnreadable`'s one-line message rather than a lifespan traceback, and what
    startup loaded is frozen once it listens (a process that serves several servers in
    turn, as the tests do, would keep each one's objects). It first asks the Redis it
    shares with other workers, if any, to answer, for `RedisUnreachable`'s one line."""
    refuse_unsafe(settings)
    knowledge = None
    if open_store:
        _refuse_unreachable_redis(settings)
        knowledge = open_knowledge_store(settings)
    app = create_app(settings, knowledge, clock, ticks)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        ws_max_size=WS_MAX_BYTES,
        proxy_headers=False,
        timeout_graceful_shutdown=SHUTDOWN_AFTER_DRAIN_S,
    )
    return DrainingServer(config, app.state.drain, freeze_startup=open_store)


def _refuse_unreachable_redis(settings: Settings) -> None:
    """`RedisUnreachable` unless the Redis in `redis_url`, if set, answers (`reach_redis`)."""
    try:
        asyncio.run(reach_redis(settings))
    except Unavailable as exc:
        raise RedisUnreachable(
            f"{str(exc).rstrip('.')}. Start it, or set redis_url (WARMLINE_REDIS_URL) to "
            "the Redis the workers share."
        ) from exc
