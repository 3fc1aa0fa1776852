"""Which WebSockets may open, and closing them all for a restart.

Every socket passes here before it is served: refused while the server shuts down,
refused from a page whose origin is not allowed, and refused past the per-address
limits (new sockets per minute, sockets open at once). A refused client is told why
in an `error` frame and a close code, so a widget or integration can show it or back
off. The gate also keeps the sockets it let in, so a shutdown can close each with
1012 (service restart) after the answers in progress are written: the clients
reconnect and resume, on this worker's successor or on another one.
"""

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Literal
from urllib.parse import urlsplit

from starlette.websockets import WebSocket, WebSocketDisconnect

from warmline.config import Settings
from warmline.conversation.protocol import ServerFrame, error
from warmline.coordination.shared import Coordination
from warmline.coordination.socket_counts import Lease
from warmline.server.client_ip import client_address
from warmline.server.connection import Connection
from warmline.server.telemetry import SOCKETS_REFUSED
from warmline.storage.database import Unavailable

log = logging.getLogger("warmline.gate")

Endpoint = Literal["chat", "agent"]
CLOSE_WAIT_S = 2.0  # how long a drain waits for clients to answer the close
UNAVAILABLE_LOG_EVERY_S = 60.0  # an outage's refusals, logged this often at most


class Refusal(Exception):
    """Why a socket may not open; `close_code` is 1008 (policy violation), 1012 (service
    restart) or 1013 (try again later), so a client knows whether retrying can help."""

    def __init__(self, code: str, message: str, close_code: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.close_code = close_code


def own_origin(origin: str, names: list[str]) -> bool:
    """The page came from a name this server answers to (`Settings.host_names`).

    Never judged by the Host header: after DNS rebinding, a hostile page's requests
    carry its own name as Host, and its Origin matches it."""
    host = urlsplit(origin).hostname or ""
    name = f"[{host}]" if ":" in host else host
    return any(
        name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:]))
        for pattern in names
    )


class Gate:
    def __init__(self, settings: Settings, shared: Coordination[ServerFrame]) -> None:
        self.settings = settings
        self.shared = shared
        self.draining = False
        self.open: dict[Connection, Endpoint] = {}
        self._none_open = asyncio.Event()
        self._unavailable_logged = -math.inf

    def origin_refusal(self, websocket: WebSocket, endpoint: Endpoint) -> Refusal | None:
        """Browsers always send Origin; other clients (integrations) need no origin check,
        as they could write any header. Both sockets take pages of this server (the demo,
        the console) and of the listed origins; the widget's takes any origin while
        `allowed_origins` is empty, so the widget works anywhere until an operator says."""
        origin = websocket.headers.get("origin")
        if origin is None:
            return None
        origin = origin.lower()
        allowed = self.settings.allowed_origins
        if origin in allowed or own_origin(origin, self.settings.host_names):
            return None
        if endpoint == "chat" and not allowed:
            return None
        return Refusal("origin_not_allowed", f"Pages from {origin} may not open this socket.", 1008)

    def address(self, websocket: WebSocket) -> str:
        peer = websocket.client.host if websocket.client else None
        forwarded = websocket.headers.get("x-forwarded-for")
        return client_address(peer, forwarded, self.settings.trusted_proxies)

    async def _lease(self, address: str) -> Lease:
        limits = self.settings.limits
        try:
            if not await self.shared.connects.admit(address):
                raise Refusal(
                    "rate_limited",
                    f"Too many new connections: at most {limits.connections_per_minute} per "
                    "minute from one address. Try again shortly.",
                    1013,
                )
            lease = await self.shared.sockets.acquire(address)
        except Unavailable as exc:
            # The client retries, and `SOCKETS_REFUSED` counts each refusal; the operator
            # needs the store's own words to see why, once a minute at most in an outage.
            now = time.monotonic()
            if now - self._unavailable_logged >= UNAVAILABLE_LOG_EVERY_S:
                self._unavailable_logged = now
                log.warning("sockets refused, shared store unreachable: %r", exc.__cause__)
            raise Refusal("unavailable", exc.message, 1013) from exc
        if lease is None:
            raise Refusal(
                "rate_limited",
                f"Too many open connections: at most {limits.sockets_per_ip} at once from "
                "one address.",
                1013,
            )
        return lease

    async def _admit(self, websocket: WebSocket, endpoint: Endpoint) -> Lease:
        if self.draining:
            raise Refusal(
                "shutting_down", "This server is restarting; connect again in a moment.", 1012
            )
        refusal = self.origin_refusal(websocket, endpoint)
        if refusal is not None:
            raise refusal
        return await self._lease(self.address(websocket))

    @asynccontextmanager
    async def entry(self, conn: Connection, endpoint: Endpoint) -> AsyncIterator[bool]:
        """Accept the socket if it may open (yields True) and keep it for the drain;
        a refused socket is told why and closed (yields False)."""
        websocket = conn.websocket
        lease: Lease | None = None
        try:
            lease = await self._admit(websocket, endpoint)
        except Refusal as refusal:
            await self._refuse(websocket, refusal)
        if lease is None:
            yield False
            return
        self.open[conn] = endpoint
        try:
            await websocket.accept()
            yield True
        finally:
            # Closed, it stops counting (`counts`, /metrics; the drain's wait) before its
            # address has its seat back: that takes a Redis round trip, which a stalled
            # Redis holds up (the lease then lapses on its own), and a closed socket is
            # neither open nor worth a drain's wait.
            del self.open[conn]
            if not self.open:
                self._none_open.set()
            await self.shared.sockets.release(lease)

    async def _refuse(self, websocket: WebSocket, refusal: Refusal) -> None:
        """Accepted only to say why: a page's script sees a close code and reason, but
        nothing of an HTTP 403 refusing the handshake."""
        SOCKETS_REFUSED.labels(reason=refusal.code).inc()
        with suppress(WebSocketDisconnect, RuntimeError, OSError):  # it left before hearing
            await websocket.accept()
            await websocket.send_text(error(refusal.code, refusal.message).wire())
            await websocket.close(refusal.close_code, refusal.code)

    def counts(self) -> dict[Endpoint, int]:
        """Open sockets per endpoint in this worker."""
        endpoints = list(self.open.values())
        return {"chat": endpoints.count("chat"), "agent": endpoints.count("agent")}

    async def drain(self, finish_turns: Callable[[float], Awaitable[bool]]) -> None:
        """Refuse new sockets, let answers in progress finish (bounded), then close every
        socket with 1012 once what is queued for it is sent."""
        self.draining = True
        grace = self.settings.shutdown_grace_s
        log.info("draining sockets", extra={"count": len(self.open)})
        if not await finish_turns(grace):
            log.warning("answers still running at the end of the grace period; closing anyway")
        if not self.open:
            return
        self._none_open.clear()
        for conn in list(self.open):
            await conn.restart()
        with suppress(TimeoutError):  # a client that never answers the close is cut by uvicorn
            await asyncio.wait_for(self._none_open.wait(), CLOSE_WAIT_S)
