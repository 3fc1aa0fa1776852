"""Two gateways on PostgreSQL + Redis, each with a compute worker process of its own.

A customer on gateway A and a supervisor on gateway B: A's worker answers the bot turn
and each logged event reaches both sides once, in order; "Talk to a person" on A reaches
B while every slot of A's worker is held; a worker killed mid-turn and a gateway killed
mid-turn both leave a turn that is answered once, by the workers that remain.

The model is a real HTTP server in the test's process that holds the answer of chosen
questions until the test lets it go, so "mid-turn" and "busy" are states the test
waits for, not moments it sleeps until. Which process runs a turn is read from the
kernel: the worker holding a connection to the model while the answer is held.
"""

import asyncio
import json
import os
import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import (
    Backend,
    Client,
    ServerProcess,
    agent,
    customer,
    free_port,
    make_settings,
    new_id,
    say,
    shared_services_up,
)
from fake_openai import FakeOpenAI, Reply, fake_openai
from fastapi import Request

from warmline.server.runtime import load_secret, load_vault_keys

pytestmark = [
    pytest.mark.slow,
    # The first test's time includes starting two gateways and their workers together
    # (four processes loading models): minutes on two busy cores.
    pytest.mark.timeout(600),
    pytest.mark.skipif(not shared_services_up(), reason="PostgreSQL or Redis is not reachable"),
]

ANSWER = "Open the app, tap Orders, then Return or refund [1]."


class HeldModel:
    """Holds every request whose body mentions a held word until the test releases it;
    `arrived` gets the word of each held request as it comes in."""

    def __init__(self, fake: FakeOpenAI) -> None:
        self.fake = fake
        self.held: dict[str, asyncio.Event] = {}
        self.arrived: asyncio.Queue[str] = asyncio.Queue()
        answer = fake._complete

        async def complete(request: Request) -> Any:
            body = json.dumps(await request.json())
            for word, released in list(self.held.items()):
                if word in body and not released.is_set():
                    self.arrived.put_nowait(word)
                    await released.wait()
            return await answer(request)

        fake.app.router.routes.clear()
        fake.app.post("/v1/chat/completions")(complete)

    def hold(self, word: str) -> None:
        self.held[word] = asyncio.Event()

    def release(self, word: str) -> None:
        self.held[word].set()

    async def reached(self, word: str, times: int = 1) -> None:
        """Until `times` requests mentioning `word` are held."""
        for _ in range(times):
            assert await asyncio.wait_for(self.arrived.get(), 120) == word

    @property
    def port(self) -> int:
        return int(self.fake.url.rsplit(":", 1)[1].split("/")[0])


class Deployment:
    def __init__(self, model: HeldModel, a: ServerProcess, b: ServerProcess, db: str) -> None:
        self.model, self.a, self.b, self.database_url = model, a, b, db

    def logged(self, conversation_id: str) -> list[tuple[int, str, dict[str, Any]]]:
        """The conversation's event log as PostgreSQL holds it: (seq, type, data)."""
        with psycopg.connect(self.database_url) as conn:
            rows = conn.execute(
                "SELECT seq, type, data FROM events WHERE conversation_id = %s ORDER BY seq",
                (conversation_id,),
            ).fetchall()
        return [(seq, kind, json.loads(data)) for seq, kind, data in rows]


@pytest.fixture(scope="module")
async def deployment(
    tmp_path_factory: pytest.TempPathFactory, kb_snapshot: Path
) -> AsyncIterator[Deployment]:
    """Gateways A and B, one worker each with two slots; a start deadline long enough for
    a replacement worker to load its models, and a model that may take its time."""
    backend = Backend("postgres+redis")
    shared = backend.environment()
    folder = tmp_path_factory.mktemp("scale-out-workers")
    async with fake_openai() as fake:
        fake.default = Reply(content=ANSWER)
        model = HeldModel(fake)
        env = shared | {
            "WARMLINE_WORKERS": "1",
            "WARMLINE_WORKER_SLOTS": "2",
            "WARMLINE_TURN_START_S": "300",
            "WARMLINE_LLM__BASE_URL": fake.url,
            "WARMLINE_LLM__TIMEOUT_S": "300",
            "WARMLINE_LLM__DEADLINE_S": "300",
            "WARMLINE_LLM__MAX_RETRIES": "0",
        }
        a = ServerProcess(folder / "a", free_port(), env)
        b = ServerProcess(folder / "b", free_port(), env)
        settings = make_settings(a.data_dir, kb_snapshot)
        make_settings(b.data_dir, kb_snapshot)
        load_secret(settings)  # created as the product creates them on a first start
        load_vault_keys(settings)
        for key in (settings.secret_path, settings.vault_key_path):  # one deployment's keys
            shutil.copy(key, b.data_dir / key.name)
        try:
            # Together (their migrations take turns under a lock), from threads: the loop
            # keeps serving the model meanwhile.
            await asyncio.gather(asyncio.to_thread(a.start, 300), asyncio.to_thread(b.start, 300))
            yield Deployment(model, a, b, shared["WARMLINE_DATABASE_URL"])
        finally:
            for word in model.held:
                model.release(word)  # a turn held at shutdown would wait out the drain
            await asyncio.gather(asyncio.to_thread(a.stop), asyncio.to_thread(b.stop))
            backend.drop()


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:  # exited meanwhile
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry.name))
    return found


def workers_of(gateway: ServerProcess) -> list[int]:
    """The gateway's compute workers: the children multiprocessing spawned to run
    `spawn_main` (its resource tracker is a child too)."""
    assert gateway.process is not None
    pids = []
    for pid in children(gateway.process.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            pids.append(pid)
    return pids


def connected_to(port: int, pids: list[int]) -> set[int]:
    """Which of the processes hold an established loopback connection to `port`."""
    sockets = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote, state, inode = fields[2], fields[3], fields[9]
        if state == "01" and int(remote.rsplit(":", 1)[1], 16) == port:
            sockets.add(f"socket:[{inode}]")
    holding = set()
    for pid in pids:
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(descriptor) in sockets:
                    holding.add(pid)
            except OSError:
                continue
    return holding


def seqs(frames: list[dict[str, Any]], conversation_id: str) -> list[int]:
    """The logged events among a socket's frames for one conversation, as they came."""
    return [
        f["seq"] for f in frames if f["seq"] is not None and f["conversation_id"] == conversation_id
    ]


def console_seqs(console: Client, conversation_id: str) -> tuple[list[int], set[int]]:
    """What a console got of a conversation: its live events in order, and every seq it
    holds (live or in a `conversation` snapshot)."""
    live = seqs(console.frames, conversation_id)
    snapshots = {
        e["seq"]
        for f in console.frames
        if f["type"] == "conversation" and f["conversation_id"] == conversation_id
        for e in f["data"]["events"]
    }
    return live, set(live) | snapshots


def bot_answers(log: list[tuple[int, str, dict[str, Any]]]) -> list[str]:
    return [d["text"] for _, kind, d in log if kind == "message" and d.get("role") == "bot"]


async def watch(console: Client, conversation_id: str) -> None:
    """A supervisor follows a conversation live (its snapshot first)."""
    await console.send({"type": "watch", "conversation_id": conversation_id})
    await console.wait_for(type="conversation", conversation_id=conversation_id)


async def test_a_customer_on_a_is_answered_by_as_worker_and_b_sees_every_event_once(
    deployment: Deployment,
) -> None:
    model, a, b = deployment.model, deployment.a, deployment.b
    console = await agent(b)
    client, welcome = await customer(a)
    conversation_id = welcome["conversation_id"]
    await watch(console, conversation_id)

    model.hold("refund")
    await say(client, "how do I get a refund?")
    await model.reached("refund")
    assert connected_to(model.port, workers_of(a)) == set(workers_of(a)) != set()
    assert connected_to(model.port, workers_of(b)) == set(), "B's worker runs no turn of A's"
    model.release("refund")
    answer = await client.wait_for(120, type="message", data_role="bot")
    assert answer["data"]["text"] == ANSWER
    await console.wait_for(120, type="message", conversation_id=conversation_id, data_role="bot")

    log = [seq for seq, _, _ in deployment.logged(conversation_id)]
    assert seqs(client.frames, conversation_id) == log, "the customer: each event once, in order"
    live, held = console_seqs(console, conversation_id)
    assert live == sorted(set(live)) and held == set(log), "the console: once, in order, all"
    await client.close()
    await console.close()


async def test_talk_to_a_person_on_a_reaches_b_while_as_worker_is_busy(
    deployment: Deployment,
) -> None:
    model, a, b = deployment.model, deployment.a, deployment.b
    console = await agent(b)
    model.hold("warranty")
    busy = [await customer(a) for _ in range(2)]  # as many turns as A's worker has slots
    for client, _ in busy:
        await say(client, "what does the warranty cover?")
    await model.reached("warranty", times=2)

    asking, welcome = await customer(a)
    conversation_id = welcome["conversation_id"]
    await asking.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
    handoff = await console.wait_for(60, type="handoff", conversation_id=conversation_id)
    assert not model.held["warranty"].is_set(), "the handoff did not wait for the worker"
    packet = handoff["data"]["entry"]["packet"]
    assert [r["code"] for r in packet["decision"]["reasons"]] == ["explicit_request"]
    await asking.wait_for(60, type="mode", data_mode="queued")

    model.release("warranty")
    for client, _ in busy:
        assert (await client.wait_for(120, type="message", data_role="bot"))["data"]["text"]
    await console.send({"type": "claim", "conversation_id": conversation_id})
    await console.wait_for(60, type="conversation", conversation_id=conversation_id)
    await asking.wait_for(60, type="mode", data_mode="human")
    await console.send(
        {
            "type": "message",
            "conversation_id": conversation_id,
            "client_msg_id": new_id(),
            "data": {"text": "Hi, I am here."},
        }
    )
    await asking.wait_for(60, type="message", data_role="agent", data_text="Hi, I am here.")
    await say(asking, "thanks")
    await console.wait_for(60, type="message", data_role="customer", data_text="thanks")

    log = deployment.logged(conversation_id)
    customer_log = [seq for seq, kind, _ in log if kind != "note"]
    assert seqs(asking.frames, conversation_id) == customer_log
    live, held = console_seqs(console, conversation_id)
    assert live == sorted(set(live)) and held == {seq for seq, _, _ in log}
    for socket in (asking, console, *(client for client, _ in busy)):
        await socket.close()


async def test_a_worker_killed_mid_turn_leaves_the_turn_answered_once(
    deployment: Deployment,
) -> None:
    model, a = deployment.model, deployment.a
    client, welcome = await customer(a)
    conversation_id = welcome["conversation_id"]
    model.hold("password")
    asked = await say(client, "how do I reset my password?")
    await model.reached("password")
    (killed,) = workers_of(a)
    os.kill(killed, signal.SIGKILL)

    # The turn runs again on the worker that takes the dead one's place.
    await model.reached("password")
    (replacement,) = workers_of(a)
    assert replacement != killed
    assert connected_to(model.port, [replacement]) == {replacement}
    model.release("password")
    answer = await client.wait_for(120, type="message", data_role="bot")
    assert answer["data"]["text"] == ANSWER
    await client.none_arrive(3, type="message")

    log = deployment.logged(conversation_id)
    assert bot_answers(log) == [ANSWER], "answered once"
    assert [seq for seq, _, d in log if d.get("kind") == "turn_failed"] == []
    assert asked["data"]["seq"] in seqs(client.frames, conversation_id)
    assert seqs(client.frames, conversation_id) == [seq for seq, _, _ in log]
    await client.close()


async def test_a_gateway_killed_mid_turn_and_the_customer_resumes_on_the_other(
    deployment: Deployment,
) -> None:
    model, a, b = deployment.model, deployment.a, deployment.b
    console = await agent(b)
    client, welcome = await customer(a)
    conversation_id, token = welcome["conversation_id"], welcome["data"]["token"]
    await watch(console, conversation_id)
    model.hold("pairing")
    await say(client, "pairing keeps failing, how do I pair the hub?")
    await model.reached("pairing")
    a.kill()
    await client.close()

    back, welcome = await customer(
        b,
        conversation_id=conversation_id,
        token=token,
        resume_after=max(seqs(client.frames, conversation_id)),
    )
    assert welcome["data"]["mode"] == "bot"
    # The unanswered message is answered by B's worker (once A's turn lock lapses).
    await model.reached("pairing")
    assert connected_to(model.port, workers_of(b)) == set(workers_of(b)) != set()
    model.release("pairing")
    answer = await back.wait_for(120, type="message", data_role="bot")
    assert answer["data"]["text"] == ANSWER
    await console.wait_for(60, type="message", conversation_id=conversation_id, data_role="bot")
    await back.none_arrive(3, type="message")

    log = deployment.logged(conversation_id)
    assert bot_answers(log) == [ANSWER]
    seen = seqs(client.frames, conversation_id) + seqs(back.frames, conversation_id)
    assert seen == [seq for seq, _, _ in log], "each event once, in order, across gateways"
    live, held = console_seqs(console, conversation_id)
    assert live == sorted(set(live)) and held == set(seen)
    assert [seq for seq, _, d in log if d.get("kind") == "turn_failed"] == []
    for socket in (back, console):
        await socket.close()
