"""`/v1/agent`: a human agent's socket (the console, or a helpdesk integration).

After `hello` with a token the agent receives the queue, the roster, the
conversations it owns with their full history, and then live queue changes and the
events of the conversations it owns or watches. Every action is acknowledged or
refused by name.
"""

import time

from starlette.websockets import WebSocket

from warmline.conversation.accounts import AgentAccount
from warmline.conversation.agent_commands import AgentCommands
from warmline.conversation.broadcasting import Broadcaster
from warmline.conversation.customer_commands import ConversationService
from warmline.conversation.protocol import (
    AgentFrame,
    AgentHello,
    ClientFrame,
    LabelData,
    PresenceData,
    ResolveData,
    RevealData,
    ServerFrame,
    TextData,
    TransferData,
    control,
)
from warmline.coordination.bus import AGENTS, SUPERVISORS, EventBus, agent_topic
from warmline.server.connection import Connection, FrameError, parse
from warmline.server.gate import Gate

TYPING_EVERY_S = 2.0


class AgentConnection(Connection):
    agent: AgentAccount | None = None
    supervising_only = False  # the supervisors' page: reads the floor, takes no work

    def __init__(
        self, websocket: WebSocket, bus: EventBus[ServerFrame], max_frame_bytes: int
    ) -> None:
        super().__init__(websocket, bus, max_frame_bytes)
        self.watching: set[str] = set()
        self.typing_told: dict[str, float] = {}  # conversation -> when its customer was told

    def deliver(self, frame: ServerFrame) -> bool:
        if frame.type == "watch" and frame.conversation_id:
            self.watching.add(frame.conversation_id)
            return False
        if frame.seq is None:
            return True
        return frame.conversation_id in self.watching


def _welcome(agent: AgentAccount, view: str) -> ServerFrame:
    return control(
        "welcome",
        agent={"id": agent.id, "name": agent.name, "roles": agent.roles},
        view=view,
        can_reveal=agent.can_reveal_pii,
    )


async def _hello(
    conn: AgentConnection, desk: AgentCommands, broadcast: Broadcaster, frame: ClientFrame
) -> None:
    hello = parse(AgentHello, frame.data)
    agent = desk.authenticate(hello.token)
    if agent is None:
        raise FrameError("unauthorized", "Unknown agent token.")
    if hello.view == "supervisor":
        if not agent.supervises:
            raise FrameError("forbidden", "This page is for supervisors.")
        conn.agent = agent
        conn.supervising_only = True
        conn.subscribe(SUPERVISORS)
        await conn.send(_welcome(agent, hello.view))
        await conn.send(await broadcast.dashboard())
        conn.start_writer()
        return
    conn.agent = agent
    desk.signed_in(agent)
    conn.subscribe(AGENTS)
    conn.subscribe(agent_topic(agent.id))
    await conn.send(_welcome(agent, hello.view))
    await conn.send(await broadcast.queue_frame())
    if agent.supervises:
        conn.subscribe(SUPERVISORS)
        await conn.send(await broadcast.dashboard())
    for conversation in await desk.log.conversations_with_agent(agent.id):
        conn.watching.add(conversation.id)
        await conn.send(await broadcast.snapshot(conversation.id))
    conn.start_writer()
    await desk.connected(agent)


async def _act(
    conn: AgentConnection, agent: AgentAccount, desk: AgentCommands, frame: ClientFrame
) -> None:
    if frame.type == "presence":
        await desk.set_status(agent, parse(PresenceData, frame.data).status)
        await conn.send(control("ack", action=frame.type))
        return
    if frame.type == "claim_next":
        taken = await desk.claim_next(agent)
        await conn.send(control("ack", taken, action=frame.type, taken=taken))
        return
    conversation_id = frame.conversation_id
    if not conversation_id:
        raise FrameError("bad_frame", "conversation_id is required.")
    if frame.type == "typing":
        await _typing(conn, agent, desk, conversation_id)
        return
    ack = control("ack", conversation_id, action=frame.type, client_msg_id=frame.client_msg_id)
    if frame.type == "claim":
        if not await desk.claim(agent, conversation_id):
            raise FrameError("already_claimed", "Another agent has this conversation.")
    elif frame.type == "message":
        if frame.client_msg_id is None:
            raise FrameError("bad_frame", "client_msg_id is required.")
        text = parse(TextData, frame.data).text
        event, duplicate = await desk.agent_message(
            agent, conversation_id, text, frame.client_msg_id
        )
        ack.data |= {"seq": event.seq, "duplicate": duplicate}
    elif frame.type == "note":
        event = await desk.note(agent, conversation_id, parse(TextData, frame.data).text)
        ack.data |= {"seq": event.seq}
    elif frame.type == "transfer":
        move = parse(TransferData, frame.data)
        await desk.transfer(agent, conversation_id, move.note, move.to_agent, move.to_skill)
        conn.watching.discard(conversation_id)
    elif frame.type == "reveal":
        asked = parse(RevealData, frame.data)
        value = await desk.reveal(agent, conversation_id, asked.placeholder, asked.reason)
        ack = control("revealed", conversation_id, placeholder=asked.placeholder, value=value)
    elif frame.type == "preview":
        ack = await desk.preview(agent, conversation_id)
    elif frame.type == "handback":
        await desk.hand_back(agent, conversation_id)
    elif frame.type == "resolve":
        await desk.resolve(agent, conversation_id, parse(ResolveData, frame.data).disposition)
    elif frame.type == "watch":
        await desk.watch(agent, conversation_id, agent_topic(agent.id))
    elif frame.type == "unwatch":
        conn.watching.discard(conversation_id)
    elif frame.type == "label":
        label = parse(LabelData, frame.data)
        ack.data |= {
            "label_id": await desk.label(
                agent, conversation_id, label.kind, label.article_id, label.note
            )
        }
    await conn.send(ack)


async def _typing(
    conn: AgentConnection, agent: AgentAccount, desk: AgentCommands, conversation_id: str
) -> None:
    """The agent is writing to their customer, whose widget says so. Told at most once per
    `TYPING_EVERY_S` a conversation, whatever the console sends, and never acknowledged:
    a lost typing frame costs nothing."""
    now = time.monotonic()
    if now - conn.typing_told.get(conversation_id, -TYPING_EVERY_S) < TYPING_EVERY_S:
        return
    await desk.owned(agent, conversation_id)
    conn.typing_told[conversation_id] = now
    frame = control("typing", conversation_id, who="agent", agent_name=agent.name)
    desk.bus.publish(conversation_id, frame)


async def agent_socket(
    websocket: WebSocket, service: ConversationService, desk: AgentCommands, gate: Gate
) -> None:
    conn = AgentConnection(websocket, service.bus, service.settings.limits.max_frame_bytes)

    async def handle(frame: ClientFrame) -> None:
        if frame.type == "ping":
            await conn.send(control("pong"))
        elif frame.type == "hello":
            if conn.agent is not None:
                raise FrameError("already_started", "This socket is already signed in.")
            await _hello(conn, desk, service.broadcast, frame)
        elif conn.agent is None:
            raise FrameError("hello_first", "Send a hello frame with your token first.")
        elif conn.supervising_only:
            raise FrameError("read_only", "The supervisors' page only reads; use the console.")
        else:
            await _act(conn, conn.agent, desk, frame)

    async with gate.entry(conn, "agent") as admitted:
        if not admitted:
            return
        try:
            await conn.serve(AgentFrame, handle)
        finally:
            if conn.agent is not None and not conn.supervising_only:
                await desk.disconnected(conn.agent)
