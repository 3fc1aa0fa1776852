"""Customer to bot to person and back, over the real customer and agent sockets."""

import asyncio
import contextvars
import itertools
import threading
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from conftest import Client, RunningServer, agent, ask, customer, make_settings, new_id, say

from warmline.agent.decision import EscalationDecision, TurnFacts
from warmline.agent.graph import ConversationGraph
from warmline.agent.state import AgentState
from warmline.conversation import edge
from warmline.conversation.accounts import AgentAccount
from warmline.conversation.customer_commands import ConversationService
from warmline.conversation.settings import LimitSettings
from warmline.coordination.bus import AGENTS
from warmline.guardrails.limits import InputRejected
from warmline.server.runtime import running
from warmline.storage.checkpoints import ThreadedSqliteSaver
from warmline.storage.sqlite import READERS, SqliteDatabase

SERVER_SETTINGS = {
    "agents": [
        AgentAccount(id="alex", name="Alex", token="token-alex"),
        AgentAccount(id="sam", name="Sam", token="token-sam"),
    ]
}


async def agent_says(console: Client, conversation_id: str, text: str) -> dict[str, Any]:
    msg_id = new_id()
    await console.send(
        {
            "type": "message",
            "conversation_id": conversation_id,
            "client_msg_id": msg_id,
            "data": {"text": text},
        }
    )
    return await console.wait_for(type="ack", data_client_msg_id=msg_id)


async def test_full_handoff_packet_live_chat_handback_and_resolve(server: RunningServer) -> None:
    alex = await agent(server, "token-alex")
    sam = await agent(server, "token-sam")
    client, welcome = await customer(server)
    conversation_id = welcome["conversation_id"]

    await ask(client, "how do I get a refund?")
    await ask(client, "My order LH-123456 arrived broken and I need the money back")
    await client.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
    await client.wait_for(type="mode", data_mode="queued")
    position = await client.latest(type="queue_position")
    assert position["data"]["position"] >= 1

    handoff = await alex.wait_for(type="handoff", conversation_id=conversation_id)
    packet = handoff["data"]["entry"]["packet"]
    assert [r["code"] for r in packet["decision"]["reasons"]] == ["explicit_request"]
    assert packet["reasons_in_words"][0].startswith("The customer asked for a person")
    summary = packet["summary"]
    assert summary["issue"] == "how do I get a refund?"
    assert "mentioned: LH-123456" in summary["facts_collected"]
    assert summary["articles_shown"][0]["article_id"] == "request-a-refund"
    assert len(summary["sentiment_trajectory"]) == 3
    assert summary["what_the_bot_tried"] and summary["suggested_next_steps"]
    assert [line["role"] for line in packet["transcript"]][:2] == ["customer", "bot"]

    await alex.send({"type": "claim", "conversation_id": conversation_id})
    snapshot = await alex.wait_for(type="conversation", conversation_id=conversation_id)
    assert snapshot["data"]["mode"] == "human"
    await sam.send({"type": "claim", "conversation_id": conversation_id})
    assert (await sam.wait_for(type="error"))["data"]["code"] == "already_claimed"
    joined = await client.wait_for(type="mode", data_mode="human")
    assert joined["data"]["agent_name"] == "Alex"

    await agent_says(alex, conversation_id, "Hi, I'm Alex. I'll sort out the refund for LH-123456.")
    seen = await client.wait_for(type="message", data_role="agent")
    assert seen["data"]["agent_name"] == "Alex" and "LH-123456" in seen["data"]["text"]

    await say(client, "how do I get a refund?")
    relayed = await alex.wait_for(type="message", data_role="customer")
    assert relayed["data"]["text"] == "how do I get a refund?"
    await agent_says(alex, conversation_id, "Refund issued.")
    next_frame = await client.wait_for(type="message")
    assert next_frame["data"]["role"] == "agent", "the bot stays silent while a person owns it"

    await sam.send(
        {
            "type": "message",
            "conversation_id": conversation_id,
            "client_msg_id": new_id(),
            "data": {"text": "sneaky"},
        }
    )
    assert (await sam.wait_for(type="error"))["data"]["code"] == "not_assigned"

    await alex.send({"type": "handback", "conversation_id": conversation_id})
    await client.wait_for(type="mode", data_mode="bot")
    _, answer = await ask(client, "how do I reset my password?")
    assert answer["data"]["citations"][0]["article_id"] == "reset-your-password"

    await client.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
    await client.wait_for(type="mode", data_mode="queued")
    again = await alex.wait_for(type="handoff", conversation_id=conversation_id)
    assert again["data"]["entry"]["packet"]["customer"]["previous_agent"] == "alex"
    await sam.send({"type": "claim", "conversation_id": conversation_id})
    assert (await sam.wait_for(type="error"))["data"]["code"] == "reserved"
    await alex.send({"type": "claim", "conversation_id": conversation_id})
    await client.wait_for(type="mode", data_mode="human")
    await alex.send({"type": "resolve", "conversation_id": conversation_id})
    await client.wait_for(type="mode", data_mode="resolved")
    for socket in (alex, sam, client):
        await socket.close()


async def test_only_one_of_many_racing_claims_wins(server: RunningServer) -> None:
    client, welcome = await customer(server)
    await client.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
    await client.wait_for(type="mode", data_mode="queued")
    consoles = [await agent(server, t) for t in ["token-alex", "token-sam"] * 5]
    for console in consoles:
        await console.send({"type": "claim", "conversation_id": welcome["conversation_id"]})

    async def outcome(console: Client) -> str:
        while True:
            frame = await console.receive()
            if frame["type"] == "ack" and frame["data"]["action"] == "claim":
                return "won"
            if frame["type"] == "error":
                return str(frame["data"]["code"])

    results = await asyncio.gather(*(outcome(c) for c in consoles))
    assert results.count("won") == 1
    assert results.count("already_claimed") == 9
    for socket in [*consoles, client]:
        await socket.close()


async def test_unauthenticated_agent_is_refused_and_can_retry(server: RunningServer) -> None:
    from conftest import connect

    console = await connect(server.ws_url + "/v1/agent")
    await console.send({"type": "claim", "conversation_id": "c_x"})
    assert (await console.wait_for(type="error"))["data"]["code"] == "hello_first"
    await console.send({"type": "hello", "data": {"token": "wrong"}})
    assert (await console.wait_for(type="error"))["data"]["code"] == "unauthorized"
    await console.send({"type": "hello", "data": {"token": "token-alex"}})
    assert (await console.wait_for(type="welcome"))["data"]["agent"]["name"] == "Alex"
    await console.send({"type": "claim", "conversation_id": "c_missing"})
    assert (await console.wait_for(type="error"))["data"]["code"] == "unknown_conversation"
    await console.close()


def hold_turns(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Bot turns wait until the returned event is set: what a press does before its turn
    runs can be looked at alone."""
    released = asyncio.Event()
    graph_run = ConversationGraph.run

    async def when_released(self: ConversationGraph, *args: Any, **kwargs: Any) -> AgentState:
        await released.wait()
        return await graph_run(self, *args, **kwargs)

    monkeypatch.setattr(ConversationGraph, "run", when_released)
    return released


async def test_a_handoff_is_queued_before_its_turn_runs_and_the_turn_then_records_it(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = hold_turns(monkeypatch)
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        message, _ = await service.request_human(conversation.id, new_id())
        entry = await service.queue.entry(conversation.id)
        assert entry is not None and entry.packet.transcript[-1].seq == message.seq
        waiting = await service.get(conversation.id)
        assert (waiting.mode, waiting.pending_seq) == ("queued", message.seq)

        released.set()
        await service.drain()
        assert (await service.get(conversation.id)).pending_seq is None
        memory = await service.graph.memory(conversation.id)
        customer_words = [m["text"] for m in memory["messages"] if m["role"] == "customer"]
        assert customer_words == ["I'd like to talk to a person."]
        assert memory["outcome"]["kind"] == "escalate"


async def test_a_handoff_turn_cut_short_at_shutdown_is_recorded_once_after_restart(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """The press is handed over at the edge; the turn that records it in the memory reads
    the message, then the policy's call hangs, and the shutdown cuts the turn short
    (LangGraph saves the message, no outcome). The next start records the handoff, the
    message once."""
    settings = make_settings(tmp_path, kb_snapshot, shutdown_grace_s=0)
    loop = asyncio.get_running_loop()
    asked, released = asyncio.Event(), threading.Event()
    try:
        async with running(settings) as runtime:
            service = runtime.service
            policy = service.graph.context.assess
            calls = itertools.count()

            def hung_policy(facts: TurnFacts) -> EscalationDecision:
                if next(calls):  # the edge's decision is the first call, the turn's the next
                    loop.call_soon_threadsafe(asked.set)
                    released.wait()
                return policy(facts)

            service.graph.context = replace(service.graph.context, assess=hung_policy)
            conversation = await service.start()
            message, _ = await service.request_human(conversation.id, new_id())
            await asked.wait()
    finally:
        released.set()

    async with running(settings) as runtime:
        service = runtime.service
        await service.drain()
        assert (await service.get(conversation.id)).pending_seq is None
        memory = await service.graph.memory(conversation.id)
        assert [(m["role"], m["seq"]) for m in memory["messages"]] == [
            ("customer", message.seq),
            ("bot", message.seq),
        ]
        assert memory["outcome"]["kind"] == "escalate"
        assert memory["outcome"]["for_seq"] == message.seq


PRESSING: contextvars.ContextVar[bool] = contextvars.ContextVar("pressing", default=False)


class WriterCalls:
    """Counts the calls made to the SQLite writer's thread on a press's behalf (each one a
    round trip through the event loop, which a handoff's transaction waits for under
    load); the server's own background writes, in other contexts, do not count."""

    def __init__(self, db: SqliteDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        writer = db._writer
        passed_on: Callable[..., Awaitable[Any]] = writer._execute

        async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
            self.count += PRESSING.get()
            return await passed_on(fn, *args, **kwargs)

        monkeypatch.setattr(writer, "_execute", counted)


async def test_a_press_is_handed_over_in_one_call_to_the_writers_thread(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handoff's transaction (BEGIN, about fifteen statements, COMMIT) is one hop to
    the writer's thread, not one per statement."""
    released = hold_turns(monkeypatch)  # the press's turn writes nothing while counted

    async def press(service: Any, conversation_id: str) -> Any:
        PRESSING.set(True)
        return await service.request_human(conversation_id, new_id())

    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        assert isinstance(service.db, SqliteDatabase)
        conversation = await service.start()
        calls = WriterCalls(service.db, monkeypatch)
        message, _ = await asyncio.create_task(press(service, conversation.id))
        assert calls.count == 1
        entry = await service.queue.entry(conversation.id)
        assert entry is not None and entry.packet.transcript[-1].seq == message.seq
        released.set()
        await service.drain()


class ThreadHops:
    """Counts the calls a press makes to other threads (any SQLite connection's, or
    `asyncio.to_thread`): under load each one waits for the event loop's turn once more
    before the handoff reaches the agents."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        on_connection: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute
        to_thread = asyncio.to_thread

        async def counted_call(connection: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
            self.count += PRESSING.get()
            return await on_connection(connection, fn, *args, **kwargs)

        async def counted_thread(fn: Any, *args: Any, **kwargs: Any) -> Any:
            self.count += PRESSING.get()
            return await to_thread(fn, *args, **kwargs)

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted_call)
        monkeypatch.setattr(asyncio, "to_thread", counted_thread)


async def test_a_press_reads_decides_and_writes_in_two_thread_calls(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resend check, the conversation, the memory and the policy's decision are one
    call to the urgent reader's thread; the handoff's transaction is one to the writer's."""
    released = hold_turns(monkeypatch)
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        hops = ThreadHops(monkeypatch)

        async def press() -> tuple[Any, int]:
            PRESSING.set(True)
            message, _ = await service.request_human(conversation.id, new_id())
            return message, hops.count  # before the turn it spawned takes a step

        message, count = await asyncio.create_task(press())
        assert count == 2
        entry = await service.queue.entry(conversation.id)
        assert entry is not None and entry.packet.transcript[-1].seq == message.seq
        released.set()
        await service.drain()


async def test_a_message_reads_its_conversation_and_placeholders_in_one_thread_call(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A customer's message is taken in three calls to other threads: its resend check,
    conversation and placeholders read together (they were two reads), its inspection,
    and its transaction. Each call more waits for the busy event loop once more before
    the message is acknowledged. The placeholders read are the ones its redaction
    numbers from: the same address is the same placeholder in a later message."""
    released = hold_turns(monkeypatch)
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        hops = ThreadHops(monkeypatch)

        async def message(text: str) -> tuple[Any, int]:
            PRESSING.set(True)
            taken, _ = await service.customer_message(conversation.id, text, new_id())
            return taken, hops.count  # before the turn it spawned takes a step

        first, _ = await asyncio.create_task(message("my email is ana.lopez@example.com"))
        hops.count = 0
        later, count = await asyncio.create_task(message("write to ana.lopez@example.com"))
        assert count == 3
        assert later.data["redacted"] == first.data["redacted"] != []
        released.set()
        await service.drain()


async def test_a_bot_turn_reads_its_conversation_and_message_in_one_thread_call(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before its graph runs, a bot turn makes one call to a read connection's thread:
    each call more waits for the busy event loop once more before the customer's answer."""
    hops = ThreadHops(monkeypatch)
    before_graph: list[int] = []
    run_turn = ConversationService._run_turn
    graph_run = ConversationGraph.run

    async def counted_turn(self: ConversationService, *args: Any) -> None:
        PRESSING.set(True)  # counts from here, in the turn's own task
        await run_turn(self, *args)

    async def counted_graph(self: ConversationGraph, *args: Any, **kwargs: Any) -> AgentState:
        if PRESSING.get():
            before_graph.append(hops.count)
        return await graph_run(self, *args, **kwargs)

    monkeypatch.setattr(ConversationService, "_run_turn", counted_turn)
    monkeypatch.setattr(ConversationGraph, "run", counted_graph)
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        await service.customer_message(conversation.id, "where is my parcel?", new_id())
        await service.drain()
        assert before_graph == [1]
        events = await service.log.events_after(conversation.id, 0)
        assert events[-1].data["role"] == "bot"


async def test_a_press_past_a_full_flood_window_is_refused_before_any_decision(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst of presses must not each cost the urgent reader a memory read and the
    policy: once the window is full, a new press is refused without either."""
    decided: list[str] = []
    decide = edge._decide

    def counted(*args: Any, **kwargs: Any) -> Any:
        decided.append("decided")
        return decide(*args, **kwargs)

    monkeypatch.setattr(edge, "_decide", counted)
    settings = make_settings(tmp_path, kb_snapshot, limits=LimitSettings(flood_messages=2))
    async with running(settings) as runtime:
        service = runtime.service
        conversation = await service.start()
        for question in ("where is my parcel?", "how do I reset my password?"):
            await service.customer_message(conversation.id, question, new_id())
        with pytest.raises(InputRejected) as refused:
            await service.request_human(conversation.id, new_id())
        assert refused.value.code == "rate_limited"
        assert decided == [], "no decision for a press the flood window refuses"
        await service.drain()


async def handoff_frame(frames: "asyncio.Queue[Any]") -> Any:
    """The first `handoff` frame the agents get (the logged events come before it)."""
    while (frame := await frames.get()).type != "handoff":
        pass
    return frame


async def test_a_press_reaches_the_agents_while_ordinary_reads_hold_every_reader(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """A press's read does not wait behind the reads that hold the ordinary read
    connections (the queue's announcements, under load)."""
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        release = asyncio.Event()
        held = asyncio.Event()
        holding = 0

        async def hold_a_reader() -> None:
            nonlocal holding
            async with service.db.reading():
                holding += 1
                if holding == READERS:
                    held.set()
                await release.wait()

        readers = [asyncio.create_task(hold_a_reader()) for _ in range(READERS)]
        frames: asyncio.Queue[Any] = asyncio.Queue()
        try:
            await held.wait()
            with service.bus.subscribe(AGENTS, frames):
                press = asyncio.create_task(service.request_human(conversation.id, new_id()))
                # A guard against hanging, not a timing: the frame comes in milliseconds.
                frame = await asyncio.wait_for(handoff_frame(frames), timeout=60)
            assert frame.conversation_id == conversation.id
        finally:
            release.set()
            await asyncio.gather(*readers)
        await press
        await service.drain()


async def test_the_edge_reads_the_memory_in_its_thread_not_through_the_event_loop(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A press's edge reads the conversation's memory with the synchronous reader, in the
    thread that decides (one call), never through the async saver's round trips; and
    that reader reads the memory the graph wrote."""
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        await service.customer_message(conversation.id, "How do I reset my password?", new_id())
        await service.drain()
        written = await service.graph.memory(conversation.id)

        pressing = True
        read_async = ThreadedSqliteSaver.aget_tuple

        async def not_while_pressing(self: ThreadedSqliteSaver, config: Any) -> Any:
            assert not pressing, "the edge read the memory through the event loop"
            return await read_async(self, config)

        monkeypatch.setattr(ThreadedSqliteSaver, "aget_tuple", not_while_pressing)
        message, _ = await service.request_human(conversation.id, new_id())
        pressing = False
        entry = await service.queue.entry(conversation.id)
        assert entry is not None and entry.packet.transcript[-1].seq == message.seq
        await service.drain()

        read = service.graph.memory_reader()
        assert read is not None
        assert [m["text"] for m in written["messages"] if m["role"] == "customer"] == [
            "How do I reset my password?"
        ]
        assert await asyncio.to_thread(read, conversation.id) == await service.graph.memory(
            conversation.id
        )
