"""`/v1/agent`: a human agent's socket (the console, or a helpdesk integration).

After `hello` with a token the agent receives the queue, the conversations it
owns with their full history, and then live queue changes and the events of the
conversations it has claimed. Every action is acknowledged or refused by name.
"""

from starlette.websockets import WebSocket

from warmline.config import AgentAccount
from warmline.server.bus import AGENTS, EventBus
from warmline.server.connection import Connection, FrameError, parse
from warmline.server.protocol import (
    AgentFrame,
    AgentHello,
    ClientFrame,
    RevealData,
    ServerFrame,
    TextData,
    control,
)
from warmline.server.service import ConversationService


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
    conversation = await service.get(conversation_id)
    events = await service.log.events_after(conversation_id, 0)
    entry = await service.queue.entry(conversation_id)
    return control(
        "conversation",
        conversation_id,
        mode=conversation.mode,
        events=[e.model_dump(mode="json") for e in events],
        entry=service.describe(entry) if entry else None,
    )


async def _hello(conn: AgentConnection, service: ConversationService, frame: ClientFrame) -> None:
    hello = parse(AgentHello, frame.data)
    agent = service.authenticate(hello.token)
    if agent is None:
        raise FrameError("unauthorized", "Unknown agent token.")
    conn.agent = agent
    conn.subscribe(AGENTS)
    await conn.send(control("welcome", agent={"id": agent.id, "name": agent.name}))
    await conn.send(await service.queue_frame())
    for conversation in await service.assigned_to(agent):
        conn.watching.add(conversation.id)
        await conn.send(await _snapshot(service, conversation.id))
    conn.start_writer()


async def _act(
    conn: AgentConnection, agent: AgentAccount, service: ConversationService, frame: ClientFrame
) -> None:
    conversation_id = frame.conversation_id
    if not conversation_id:
        raise FrameError("bad_frame", "conversation_id is required.")
    ack = control("ack", conversation_id, action=frame.type, client_msg_id=frame.client_msg_id)
    if frame.type == "claim":
        conn.watching.add(conversation_id)
        if not await service.claim(agent, conversation_id):
            conn.watching.discard(conversation_id)
            raise FrameError("already_claimed", "Another agent has this conversation.")
        await conn.send(ack)
        await conn.send(await _snapshot(service, conversation_id))
    elif frame.type == "message":
        if frame.client_msg_id is None:
            raise FrameError("bad_frame", "client_msg_id is required.")
        text = parse(TextData, frame.data).text
        event, duplicate = await service.agent_message(
            agent, conversation_id, text, frame.client_msg_id
        )
        await conn.send(
            ack.model_copy(update={"data": ack.data | {"seq": event.seq, "duplicate": duplicate}})
        )
    elif frame.type == "reveal":
        placeholder = parse(RevealData, frame.data).placeholder
        value = await service.reveal(agent, conversation_id, placeholder)
        await conn.send(control("revealed", conversation_id, placeholder=placeholder, value=value))
    elif frame.type == "handback":
        await service.hand_back(agent, conversation_id)
        await conn.send(ack)
    elif frame.type == "resolve":
        await service.resolve(agent, conversation_id)
        await conn.send(ack)


async def agent_socket(websocket: WebSocket, service: ConversationService) -> None:
    await websocket.accept()
    conn = AgentConnection(websocket, service.bus, service.settings.limits.max_frame_bytes)

    async def handle(frame: ClientFrame) -> None:
        if frame.type == "ping":
            await conn.send(control("pong"))
        elif frame.type == "hello":
            if conn.agent is not None:
                raise FrameError("already_started", "This socket is already signed in.")
            await _hello(conn, service, frame)
        elif conn.agent is None:
            raise FrameError("hello_first", "Send a hello frame with your token first.")
        else:
            await _act(conn, conn.agent, service, frame)

    await conn.serve(AgentFrame, handle)
