"""`/v1/chat`: the customer's socket.

The first frame is `hello`, with a conversation id, its token and `resume_after`
to continue, or without them to start. The client then receives exactly the
events after `resume_after`, followed by live ones, each once.
"""

import logging

from starlette.websockets import WebSocket, WebSocketDisconnect

from warmline.guardrails.limits import InputRejected
from warmline.server.connection import Connection, FrameError, parse
from warmline.server.protocol import CustomerFrame, CustomerHello, ServerFrame, TextData, control
from warmline.server.service import ConversationService, UnknownConversation
from warmline.storage.conversations import Conversation

log = logging.getLogger("warmline.chat")


class CustomerConnection(Connection):
    conversation: Conversation | None = None
    last_seq_sent = 0

    def deliver(self, frame: ServerFrame) -> bool:
        if frame.seq is None:
            return True
        if frame.seq <= self.last_seq_sent:
            return False
        self.last_seq_sent = frame.seq
        return True


async def _hello(
    conn: CustomerConnection, service: ConversationService, frame: CustomerFrame
) -> None:
    hello = parse(CustomerHello, frame.data)
    if frame.conversation_id:
        try:
            conversation = await service.resume(frame.conversation_id, hello.token)
        except UnknownConversation:
            await conn.send_error(
                "unknown_conversation",
                "No conversation with that id and token; send hello without an id to start one.",
                conversation_id=frame.conversation_id,
            )
            return
    else:
        conversation = await service.start()
    conn.conversation = conversation
    conn.subscribe(conversation.id)
    await conn.send(
        control(
            "welcome",
            conversation.id,
            token=service.token_for(conversation.id),
            mode=conversation.mode,
            last_seq=conversation.last_seq,
        )
    )
    history = await service.log.events_after(conversation.id, hello.resume_after)
    for event in history:
        await conn.send(ServerFrame.of(event))
    conn.last_seq_sent = history[-1].seq if history else hello.resume_after
    conn.start_writer()


async def _handle(conn: CustomerConnection, service: ConversationService, raw: object) -> None:
    frame = parse(CustomerFrame, raw)
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
        raise FrameError("unknown_conversation", "This socket carries another conversation.")
    if frame.client_msg_id is None:
        raise FrameError("bad_frame", "client_msg_id is required so a resend is not duplicated.")
    if frame.type == "message":
        text = parse(TextData, frame.data).text
        event, duplicate = await service.customer_message(
            conn.conversation.id, text, frame.client_msg_id
        )
    else:
        event, duplicate = await service.customer_message(
            conn.conversation.id,
            "I'd like to talk to a person.",
            frame.client_msg_id,
            force_human=True,
        )
    await conn.send(
        control(
            "ack",
            conn.conversation.id,
            client_msg_id=frame.client_msg_id,
            seq=event.seq,
            duplicate=duplicate,
        )
    )


async def chat_socket(websocket: WebSocket, service: ConversationService) -> None:
    await websocket.accept()
    conn = CustomerConnection(websocket, service.bus, service.settings.limits.max_frame_bytes)
    try:
        while True:
            try:
                raw = await conn.receive_json()
                await _handle(conn, service, raw)
            except FrameError as exc:
                await conn.send_error(exc.code, exc.message)
            except InputRejected as exc:
                await conn.send_error(exc.code, exc.message)
    except WebSocketDisconnect:
        pass
    finally:
        await conn.close()
