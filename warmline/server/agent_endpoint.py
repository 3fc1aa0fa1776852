"""`/v1/agent`: a human agent's socket (the console, or a helpdesk integration).

After `hello` with a token the agent receives the queue, the conversations it
owns with their full history, and then live queue changes and the events of the
conversations it has claimed.
"""

import logging

from starlette.websockets import WebSocket, WebSocketDisconnect

from warmline.config import AgentAccount
from warmline.guardrails.limits import InputRejected
from warmline.server.bus import AGENTS, EventBus
from warmline.server.connection import Connection, FrameError, parse
from warmline.server.protocol import AgentFrame, AgentHello, ServerFrame, TextData, control
from warmline.server.service import ConversationService, NotAllowed, UnknownConversation

log = logging.getLogger("warmline.agent")


class AgentConnection(Connection):
    agent: AgentAccount | None = None

    def __init__(self, websocket: WebSocket, bus: EventBus, max_frame_bytes: int) -> None:
        super().__init__(websocket, bus, max_frame_bytes)
        self.watching: set[str] = set()

    def deliver(self, frame: ServerFrame) -> bool:
        if frame.seq is None:
            return True
        return frame.conversation_id in self.watching


async def _snapshot(service: ConversationService, conversation_id: str) -> ServerFrame:
    events = await service.log.events_after(conversation_id, 0)
    entries = [
        e for e in await service.queue.open_entries() if e.conversation_id == conversation_id
    ]
    conversation = await service.get(conversation_id)
    return control(
        "conversation",
        conversation_id,
        mode=conversation.mode,
        events=[e.model_dump(mode="json") for e in events],
        entry=entries[0].model_dump(mode="json") if entries else None,
    )


async def _hello(conn: AgentConnection, service: ConversationService, frame: AgentFrame) -> None:
    hello = parse(AgentHello, frame.data)
    agent = service.authenticate(hello.token)
    if agent is None:
        raise FrameError("unauthorized", "Unknown agent token.")
    conn.agent = agent
    conn.subscribe(AGENTS)
    await conn.send(control("welcome", agent={"id": agent.id, "name": agent.name}))
    await conn.send(service.queue_frame(await service.queue.open_entries()))
    for conversation in await service.assigned_to(agent):
        conn.watching.add(conversation.id)
        await conn.send(await _snapshot(service, conversation.id))
    conn.start_writer()


async def _handle(conn: AgentConnection, service: ConversationService, raw: object) -> None:
    frame = parse(AgentFrame, raw)
    if frame.type == "ping":
        await conn.send(control("pong"))
        return
    if frame.type == "hello":
        if conn.agent is not None:
            raise FrameError("already_started", "This socket is already signed in.")
        await _hello(conn, service, frame)
        return
    if conn.agent is None:
        raise FrameError("hello_first", "Send a hello frame with your token first.")
    if not frame.conversation_id:
        raise FrameError("bad_frame", "conversation_id is required.")
    conversation_id = frame.conversation_id
    if frame.type == "claim":
        conn.watching.add(conversation_id)
        if not await service.claim(conn.agent, conversation_id):
            conn.watching.discard(conversation_id)
            raise FrameError("already_claimed", "Another agent has this conversation.")
        await conn.send(await _snapshot(service, conversation_id))
    elif frame.type == "message":
        if frame.client_msg_id is None:
            raise FrameError("bad_frame", "client_msg_id is required.")
        text = parse(TextData, frame.data).text
        event, duplicate = await service.agent_message(
            conn.agent, conversation_id, text, frame.client_msg_id
        )
        await conn.send(
            control(
                "ack",
                conversation_id,
                client_msg_id=frame.client_msg_id,
                seq=event.seq,
                duplicate=duplicate,
            )
        )
    elif frame.type == "handback":
        await service.hand_back(conn.agent, conversation_id)
    elif frame.type == "resolve":
        await service.resolve(conn.agent, conversation_id)


async def agent_socket(websocket: WebSocket, service: ConversationService) -> None:
    await websocket.accept()
    conn = AgentConnection(websocket, service.bus, service.settings.limits.max_frame_bytes)
    try:
        while True:
            try:
                raw = await conn.receive_json()
                await _handle(conn, service, raw)
            except FrameError as exc:
                await conn.send_error(exc.code, exc.message)
            except (InputRejected, NotAllowed) as exc:
                await conn.send_error(exc.code, exc.message)
            except UnknownConversation as exc:
                await conn.send_error(
                    "unknown_conversation", "No such conversation.", conversation_id=str(exc)
                )
    except WebSocketDisconnect:
        pass
    finally:
        await conn.close()
