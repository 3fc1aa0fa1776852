"""What both WebSocket endpoints share: frame parsing with clear errors, and one writer.

Bad input is answered with an error frame and the socket stays open; nothing a
client sends can close another client's stream or lose a stored event. A single
writer task owns the socket's send side, so live events, acks and errors never
interleave mid-frame, and a restart's close follows every frame queued before it.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, suppress
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from warmline.conversation.errors import NotAllowed, Overloaded, UnknownConversation
from warmline.conversation.protocol import ClientFrame, ServerFrame, error
from warmline.conversation.telemetry import ERRORS
from warmline.coordination.bus import EventBus
from warmline.guardrails.limits import InputRejected
from warmline.storage.conversations import ConversationMissing
from warmline.storage.database import Unavailable

Model = TypeVar("Model", bound=BaseModel)


class FrameError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


log = logging.getLogger("warmline.connection")
CLIENT_ERRORS = (
    FrameError,
    InputRejected,
    NotAllowed,
    Overloaded,
    UnknownConversation,
    ConversationMissing,
    Unavailable,
)
SERVICE_RESTART = 1012
RESTART_REASON = "server restarting; reconnect and resume"
TRY_AGAIN_LATER = 1013
INTERNAL_ERROR = 1011
NORMAL_CLOSE = 1000
CLOSE_WAIT_S = 5.0  # how long a refused socket's last error frame may take to go out


class _CloseCue(ServerFrame):
    """The writer's cue to close, queued behind the frames to send first; never sent."""


def parse_json(raw: str) -> object:
    """A frame's JSON; anything the parser refuses is the client's error, never a crash.

    Within the frame limit, JSON nested deeper than the parser's recursion limit raises
    RecursionError and an integer of more than 4,300 digits ValueError; both are found
    in one linear pass and answered like any other invalid JSON.
    """
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise FrameError("bad_json", f"Not valid JSON: {exc.msg}.") from exc
    except (ValueError, RecursionError) as exc:
        raise FrameError("bad_json", f"Not valid JSON: {type(exc).__name__}.") from exc


def parse(model: type[Model], data: object) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'frame'}: {e['msg']}" for e in exc.errors()
        )
        raise FrameError("bad_frame", details) from exc


class Connection:
    def __init__(
        self, websocket: WebSocket, bus: EventBus[ServerFrame], max_frame_bytes: int
    ) -> None:
        self.websocket = websocket
        self.bus = bus
        self.max_frame_bytes = max_frame_bytes
        self.outbox: asyncio.Queue[ServerFrame] = asyncio.Queue()
        self.stack = AsyncExitStack()
        self._writer: asyncio.Task[None] | None = None

    async def receive_json(self) -> object:
        """Next client frame as JSON; raises FrameError for input we refuse."""
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        raw = message.get("text")
        if raw is None:
            raise FrameError("binary_not_supported", "Frames must be JSON text.")
        # A character is at least one byte, so a long frame is refused before it is encoded.
        too_large = len(raw) > self.max_frame_bytes or (
            len(raw.encode("utf-8", "surrogatepass")) > self.max_frame_bytes
        )
        if too_large:
            raise FrameError(
                "frame_too_large", f"Frames are limited to {self.max_frame_bytes} bytes."
            )
        return parse_json(raw)

    def subscribe(self, topic: str) -> None:
        self.stack.enter_context(self.bus.subscribe(topic, self.outbox))

    async def send(self, frame: ServerFrame) -> None:
        """Send a direct reply; an ack waits until the events it confirms are on the bus,
        so a worker that dies after acknowledging has already told every other worker."""
        if frame.type == "ack":
            await self.bus.flush()
        if self._writer is None:
            await self.websocket.send_text(frame.wire())
        else:
            self.outbox.put_nowait(frame)

    async def serve(
        self,
        frame_model: type[ClientFrame],
        handle: Callable[[ClientFrame], Awaitable[None]],
    ) -> None:
        """Read frames until the client goes away; refused input becomes an error frame.

        The error echoes the frame's type, conversation id and client message id, so
        a client can tell which of its requests failed.
        """
        try:
            while True:
                frame: ClientFrame | None = None
                try:
                    frame = parse(frame_model, await self.receive_json())
                    await handle(frame)
                except CLIENT_ERRORS as exc:
                    ERRORS.labels(code=exc.code).inc()
                    await self.send(error(exc.code, self.explain(exc.code, exc.message), frame))
                    if self.ends_on(exc.code):
                        await self._end(exc.code)
                        return
        except WebSocketDisconnect:
            pass
        finally:
            await self.close()

    def start_writer(self) -> None:
        self._writer = asyncio.create_task(self._write())

    def deliver(self, frame: ServerFrame) -> bool:
        """Whether a frame from the outbox goes to this client; endpoints refine it."""
        return True

    def explain(self, code: str, message: str) -> str:
        """A refusal's message as this client reads it; endpoints may translate it."""
        return message

    def ends_on(self, code: str) -> bool:
        """Whether a refusal also ends the socket (after its error frame); endpoints refine it."""
        return False

    async def outgoing(self, frame: ServerFrame) -> list[ServerFrame]:
        """What a frame from the outbox becomes on the wire; endpoints may add to it."""
        return [frame] if self.deliver(frame) else []

    async def restart(self) -> None:
        """Close with 1012 (service restart) once every frame queued so far is sent, so the
        client reconnects and resumes; a socket still before its hello closes at once."""
        if self._writer is None:
            await self._close_now(SERVICE_RESTART, RESTART_REASON)
        else:
            self._close_after_queued(SERVICE_RESTART, RESTART_REASON)

    async def _end(self, reason: str) -> None:
        """Close normally once the frames queued so far, the last error included, are sent."""
        if self._writer is None:
            await self._close_now(NORMAL_CLOSE, reason)
            return
        self._close_after_queued(NORMAL_CLOSE, reason)
        await asyncio.wait({self._writer}, timeout=CLOSE_WAIT_S)

    def _close_after_queued(self, code: int, reason: str) -> None:
        self.outbox.put_nowait(_CloseCue(type="close", data={"code": code, "reason": reason}))

    async def _close_now(self, code: int, reason: str) -> None:
        with suppress(WebSocketDisconnect, RuntimeError):  # the client left first
            await self.websocket.close(code, reason)

    async def _write(self) -> None:
        while True:
            queued = await self.outbox.get()
            if isinstance(queued, _CloseCue):
                await self._close_now(queued.data["code"], queued.data["reason"])
                return
            try:
                frames = await self.outgoing(queued)
            except Unavailable:
                # The events this frame skipped could not be read from the log. A writer
                # that ended here would leave the socket open and silent (every later ack
                # and answer queued for nobody); closed with 1013, the client reconnects
                # and resumes after its last seq, and the log sends what it missed.
                await self._close_now(TRY_AGAIN_LATER, Unavailable.code)
                return
            except Exception:
                # Any other failure to read them (a row that no longer parses, a fault in
                # the code) would leave the same silence: logged, counted, and the socket
                # closed as an internal error (1011), from which the client resumes too.
                log.exception("the events a frame skipped could not be read")
                ERRORS.labels(code="internal").inc()
                await self._close_now(INTERNAL_ERROR, "internal")
                return
            for frame in frames:
                try:
                    await self.websocket.send_text(frame.wire())
                except (WebSocketDisconnect, RuntimeError):
                    return

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
        await self.stack.aclose()
