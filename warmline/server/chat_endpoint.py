"""`/v1/chat`: the customer's socket.

The first frame is `hello`, with a conversation id, its token and `resume_after`
to continue, or without them to start. The client then receives exactly the
events after `resume_after`, followed by live ones, each once.

While this process's event loop runs late, or the messages it has taken would keep a new
one waiting past its budget (`admission.py`), a new `message` is refused with the `busy`
error before anything is read or stored; "Talk to a person" and the other frames are not.
"""

from typing import Any

from pydantic import ValidationError
from starlette.websockets import WebSocket

from warmline.conversation.customer_commands import ConversationService
from warmline.conversation.protocol import (
    ClientFrame,
    CsatData,
    CustomerFrame,
    CustomerHello,
    CustomerProfileData,
    ServerFrame,
    TextData,
    control,
)
from warmline.server.admission import Admission
from warmline.server.connection import Connection, FrameError, parse
from warmline.server.gate import Gate
from warmline.storage.conversations import AGENT_ONLY, Conversation, Event
from warmline.texts import refusal


class CustomerConnection(Connection):
    conversation: Conversation | None = None
    last_seq_sent = 0
    service: ConversationService

    async def outgoing(self, frame: ServerFrame) -> list[ServerFrame]:
        """Logged events go out in seq order, each once.

        With several workers, events written by different workers can reach this socket
        out of order; an event past a gap brings the missing ones from the log first.
        """
        ahead = frame.seq is not None and frame.seq > self.last_seq_sent + 1
        if not ahead or frame.type in AGENT_ONLY or self.conversation is None:
            return await super().outgoing(frame)
        missed = await self.service.log.events_after(
            self.conversation.id, self.last_seq_sent, for_customer=True
        )
        frames = [ServerFrame.of(e) for e in missed if e.seq < (frame.seq or 0)] + [frame]
        return [f for f in frames if self.deliver(f)]

    def explain(self, code: str, message: str) -> str:
        """A refusal in the conversation's language, when the catalogue has it."""
        if self.conversation is None:
            return message
        limits = self.service.settings.limits
        translated = refusal(
            code,
            self.conversation.language,
            messages=limits.flood_messages,
            seconds=f"{limits.flood_window_s:g}",
            chars=limits.max_message_chars,
        )
        return translated or message

    def ends_on(self, code: str) -> bool:
        """The socket's conversation is gone (erased while open): nothing more can happen on
        it, so the client is told and the socket closes; a fresh socket may start anew."""
        return code == "unknown_conversation" and self.conversation is not None

    def deliver(self, frame: ServerFrame) -> bool:
        if frame.type in AGENT_ONLY:
            return False
        if frame.seq is None:
            return True
        if frame.seq <= self.last_seq_sent:
            return False
        self.last_seq_sent = frame.seq
        return True


def _profile(data: dict[str, Any] | None) -> CustomerProfileData | None:
    """A profile the server cannot use is dropped, never a reason to refuse the chat."""
    try:
        return CustomerProfileData.model_validate(data) if data else None
    except ValidationError:
        return None


async def _hello(
    conn: CustomerConnection, service: ConversationService, frame: ClientFrame
) -> None:
    hello = parse(CustomerHello, frame.data)
    if frame.conversation_id:
        conversation = await service.resume(frame.conversation_id, hello.token)
    else:
        conversation = await service.start(_profile(hello.profile), hello.profile_signature)
    conn.conversation = conversation
    conn.subscribe(conversation.id)
    history, last_seq = await service.log.customer_history(conversation.id, hello.resume_after)
    await conn.send(
        control(
            "welcome",
            conversation.id,
            token=service.token_for(conversation.id),
            mode=conversation.mode,
            last_seq=last_seq,
        )
    )
    for event in history:
        await conn.send(ServerFrame.of(event))
    conn.last_seq_sent = history[-1].seq if history else hello.resume_after
    if conversation.mode == "queued":
        position = await service.broadcast.position_frame(conversation.id)
        if position is not None:
            await conn.send(position)
    conn.start_writer()


async def _handle(
    conn: CustomerConnection, service: ConversationService, admission: Admission, frame: ClientFrame
) -> None:
    if frame.type == "ping":
        await conn.send(control("pong"))
        return
    if frame.type == "hello":
        if conn.conversation is not None:
            raise FrameError("already_started", "This socket already carries a conversation.")
        await _hello(conn, service, frame)
        return
    if conn.conversation is None:
        raise FrameError("hello_first", "Send a hello frame before anything else.")
    if frame.conversation_id not in (None, conn.conversation.id):
        raise FrameError("wrong_conversation", "This socket carries another conversation.")
    if frame.client_msg_id is None:
        raise FrameError("bad_frame", "client_msg_id is required so a resend is not duplicated.")
    if frame.type == "message":
        admission.check(service.in_flight)
    event, duplicate = await _store(conn.conversation.id, service, frame, frame.client_msg_id)
    await conn.send(
        control(
            "ack",
            conn.conversation.id,
            client_msg_id=frame.client_msg_id,
            seq=event.seq,
            duplicate=duplicate,
        )
    )


async def _store(
    conversation_id: str, service: ConversationService, frame: ClientFrame, client_msg_id: str
) -> tuple[Event, bool]:
    if frame.type == "leave_contact":
        text = parse(TextData, frame.data).text
        return await service.leave_contact(conversation_id, text, client_msg_id)
    if frame.type == "csat":
        rating = parse(CsatData, frame.data)
        return await service.rate(conversation_id, rating.score, rating.comment, client_msg_id)
    if frame.type == "request_human":
        return await service.request_human(conversation_id, client_msg_id)
    text = parse(TextData, frame.data).text
    return await service.customer_message(conversation_id, text, client_msg_id)


async def chat_socket(
    websocket: WebSocket, service: ConversationService, gate: Gate, admission: Admission
) -> None:
    conn = CustomerConnection(websocket, service.bus, service.settings.limits.max_frame_bytes)
    conn.service = service

    async def handle(frame: ClientFrame) -> None:
        await _handle(conn, service, admission, frame)

    async with gate.entry(conn, "chat") as admitted:
        if admitted:
            await conn.serve(CustomerFrame, handle)
