"""Shared fixtures: a real server on a loopback port with its own data folder.

The knowledge base is embedded once per test session and copied into each
server's folder, because Qdrant's local mode locks its folder to one client.
"""

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import psycopg
import pytest
import uvicorn
import websockets
from playwright.async_api import Browser, async_playwright
from redis import Redis
from redis.exceptions import RedisError

from warmline.clock import Clock, Ticks, monotonic, utc_now
from warmline.config import Settings
from warmline.conversation.accounts import AgentAccount
from warmline.guardrails.redaction import Redactor
from warmline.guardrails.vocabulary import kb_vocabulary
from warmline.server.runtime import open_knowledge_store, sync
from warmline.server.serving import DrainingServer, build_server

REPO = Path(__file__).resolve().parent.parent
# Debian's Chromium, headless and quiet: it must never fetch anything (updates, a browser).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium per test module: starting it costs more than a fresh context."""
    async with chromium() as instance:
        yield instance


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    """The redactor a deployment on the default settings runs, knowledge-base words included."""
    settings = Settings()
    return Redactor(
        settings.pii_entities,
        b"k" * 32,
        settings.pii_allow_patterns,
        settings.pii_company_patterns,
        kb_vocabulary(settings.kb_path),
    )


@pytest.fixture(scope="session")
def kb_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kb-snapshot")
    settings = Settings(data_dir=folder)
    store = open_knowledge_store(settings)
    try:
        sync(settings, store)
    finally:
        store.close()
    return settings.qdrant_path


PG_HOST = os.environ.get("WARMLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("WARMLINE_TEST_REDIS", "redis://127.0.0.1:6379/0")


class Backend:
    """Where a test server keeps its state: embedded files, or PostgreSQL + Redis.

    Each server on "postgres+redis" gets a database of its own and a Redis key prefix
    of its own, dropped afterwards, so tests never see each other's conversations.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._made: list[str] = []

    def overrides(self) -> dict[str, Any]:
        if self.name == "embedded":
            return {}
        name = "warmline_test_" + uuid.uuid4().hex[:12]
        with psycopg.connect(f"{PG_HOST}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self._made.append(name)
        return {
            "database_url": f"{PG_HOST}/{name}",
            "redis_url": REDIS_URL,
            "redis_prefix": name,
        }

    def environment(self) -> dict[str, str]:
        """The same choice as WARMLINE_* variables, for a server in another process."""
        return {f"WARMLINE_{k.upper()}": str(v) for k, v in self.overrides().items()}

    def drop(self) -> None:
        redis = Redis.from_url(REDIS_URL)
        with psycopg.connect(f"{PG_HOST}/postgres", autocommit=True) as conn:
            for name in self._made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                for key in redis.scan_iter(f"{name}:*"):
                    redis.delete(key)
        redis.close()


def shared_services_up() -> bool:
    try:
        with psycopg.connect(f"{PG_HOST}/postgres", connect_timeout=2):
            pass
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except (psycopg.OperationalError, RedisError):
        return False


@pytest.fixture(scope="module", params=["embedded", "postgres+redis"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Integration tests run on the embedded defaults and on PostgreSQL + Redis."""
    if request.param != "embedded" and not shared_services_up():
        pytest.skip("PostgreSQL or Redis is not reachable")
    chosen = Backend(request.param)
    yield chosen
    chosen.drop()


# The account the tests sign agents in with unless a test configures its own: a
# configured supervisor who may reveal PII, as a real deployment's lead would be. (The
# built-in demo account is neither, and exists only while no agents are configured.)
LEAD = AgentAccount(
    id="lead",
    name="Demo Agent",
    token="lead-agent-token",
    roles=["agent", "supervisor"],
    skills=["fraud", "legal", "safety", "supervisor", "retention"],
    permissions=["pii:reveal"],
)


def make_settings(
    data_dir: Path, kb_snapshot: Path, backend: Backend | None = None, **overrides: Any
) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    if not (data_dir / "qdrant").exists():
        shutil.copytree(kb_snapshot, data_dir / "qdrant")
    shared = backend.overrides() if backend is not None else {}
    overrides.setdefault("agents", [LEAD])
    # Bot turns in the test's own process unless a test asks for worker processes.
    overrides.setdefault("workers", 0)
    return Settings(data_dir=data_dir, log_file=data_dir / "warmline.log", **shared, **overrides)


class Endpoint(Protocol):
    ws_url: str


class MovableClock:
    """Real time plus an offset the test moves forward: the server's timers (aging,
    reservations, SLAs) see the time pass at once, without the test sleeping."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


class RunningServer:
    def __init__(self, settings: Settings, port: int, instance: DrainingServer) -> None:
        self.settings = settings
        self.port = port
        self.instance = instance  # set should_exit to shut it down as SIGTERM would
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"


@pytest.fixture(scope="module")
async def server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    kb_snapshot: Path,
    backend: Backend,
) -> AsyncIterator[RunningServer]:
    """One in-process server per test module and backend, on the session's event loop.

    A module may set SERVER_SETTINGS (a dict) to override settings for its server.
    """
    overrides = getattr(request.module, "SERVER_SETTINGS", {})
    settings = make_settings(tmp_path_factory.mktemp("server"), kb_snapshot, backend, **overrides)
    async with serving(settings) as running:
        yield running


@asynccontextmanager
async def serving(
    settings: Settings, clock: Clock = utc_now, ticks: Ticks = monotonic
) -> AsyncIterator[RunningServer]:
    """The product's server (graceful drain included) on a free loopback port, for the
    length of the block; its timers read `clock`, its event loop's lag `ticks`."""
    port = free_port()
    instance = build_server(
        settings.model_copy(update={"host": "127.0.0.1", "port": port}), clock=clock, ticks=ticks
    )
    task = asyncio.create_task(instance.serve())
    while not instance.started:
        await asyncio.sleep(0.05)
        if task.done():
            task.result()
    try:
        yield RunningServer(settings, port, instance)
    finally:
        # Also when the test failed: a server left running keeps its worker processes
        # and sockets, and the next test would count them as its own.
        instance.should_exit = True
        await task


@asynccontextmanager
async def serving_app(app: Any) -> AsyncIterator[str]:
    """Any ASGI app (a fake model, a host page) on a free loopback port; yields its URL."""
    port = free_port()
    instance = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    task = asyncio.create_task(instance.serve())
    while not instance.started:
        await asyncio.sleep(0.02)
        if task.done():
            task.result()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        await task


class Client:
    """A WebSocket client that keeps every frame it receives, for assertions."""

    def __init__(self, socket: websockets.ClientConnection) -> None:
        self.socket = socket
        self.frames: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.socket.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def receive(self, timeout: float = 30) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
        self.frames.append(frame)
        return frame

    async def wait_for(
        self, timeout: float = 30, since: int | None = None, **match: Any
    ) -> dict[str, Any]:
        """Next frame whose fields (and `data` fields, dotted as data_x) match; with
        `since`, the first match from that index of `frames` on, already read or not (for
        frames that may come before or after one awaited in between)."""
        if since is not None:
            for frame in self.frames[since:]:
                if _matches(frame, match):
                    return frame

        async def find() -> dict[str, Any]:
            while True:
                frame = await self.receive(timeout)
                if _matches(frame, match):
                    return frame

        return await asyncio.wait_for(find(), timeout)

    async def latest(self, timeout: float = 30, **match: Any) -> dict[str, Any]:
        """The last frame already read that matches, else the next one to match: for a
        frame whose order against the others the server does not promise (a place in
        line may be told before or after the move to the line)."""
        seen = [frame for frame in self.frames if _matches(frame, match)]
        return seen[-1] if seen else await self.wait_for(timeout, **match)

    async def none_arrive(self, within: float, **match: Any) -> None:
        """Read every frame for `within` seconds and fail on one that matches.

        `frames` holds only what was already read, so "nothing arrived" is checked by
        reading: a frame still in flight would be missed by looking at the list."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while (left := deadline - loop.time()) > 0:
            try:
                frame = await self.receive(left)
            except TimeoutError:
                return
            assert not _matches(frame, match), f"unexpected frame: {frame}"

    async def close(self) -> None:
        await self.socket.close()


def _matches(frame: dict[str, Any], match: dict[str, Any]) -> bool:
    for key, expected in match.items():
        value = frame["data"].get(key[5:]) if key.startswith("data_") else frame.get(key)
        if value != expected:
            return False
    return True


def queue_view(frames: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The queue as a console holds it: the last full `queue` with each `queue_update` after
    it applied (entries by conversation id)."""
    held: dict[str, dict[str, Any]] = {}
    for frame in frames:
        if frame["type"] == "queue":
            held = {i["conversation_id"]: i for i in frame["data"]["items"]}
        elif frame["type"] == "queue_update":
            for gone in frame["data"]["removed"]:
                held.pop(gone, None)
            for item in frame["data"]["added"] + frame["data"]["changed"]:
                held[item["conversation_id"]] = item
    return held


def new_id() -> str:
    return uuid.uuid4().hex


async def connect(url: str) -> Client:
    return Client(await websockets.connect(url, max_size=1 << 22))


async def customer(server: Endpoint, **hello: Any) -> tuple[Client, dict[str, Any]]:
    """Open /v1/chat and say hello; returns the client and its welcome frame."""
    client = await connect(server.ws_url + "/v1/chat")
    conversation_id = hello.pop("conversation_id", None)
    await client.send({"v": 1, "type": "hello", "conversation_id": conversation_id, "data": hello})
    welcome = await client.receive()
    return client, welcome


async def agent(server: Endpoint, token: str = LEAD.token) -> Client:
    client = await connect(server.ws_url + "/v1/agent")
    await client.send({"v": 1, "type": "hello", "data": {"token": token}})
    await client.wait_for(type="welcome")
    return client


async def say(client: Client, text: str, client_msg_id: str | None = None) -> dict[str, Any]:
    msg_id = client_msg_id or new_id()
    await client.send({"v": 1, "type": "message", "client_msg_id": msg_id, "data": {"text": text}})
    return await client.wait_for(type="ack", data_client_msg_id=msg_id)


async def ask(
    client: Client, text: str, client_msg_id: str | None = None, within: float = 30
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Say `text`; its ack and the bot's answer to it: the first bot message after the
    ack's seq, within `within` seconds however many other frames come meanwhile. On
    PostgreSQL + Redis the ack waits until the message's events are in Redis, and the
    answer, handed to this process's sockets at once, may come before it, among the
    frames `say` reads past on its way to the ack: so the answer is looked for in what
    was read since the message went out, then in what comes next (a later `wait_for`
    would wait past it for another)."""
    since = len(client.frames)
    ack = await say(client, text, client_msg_id)

    def answer(frame: dict[str, Any]) -> bool:
        is_bot = frame["type"] == "message" and frame["data"].get("role") == "bot"
        return is_bot and int(frame["seq"]) > int(ack["data"]["seq"])

    for frame in client.frames[since:]:
        if answer(frame):
            return ack, frame
    async with asyncio.timeout(within):
        while not answer(frame := await client.receive()):
            pass
    return ack, frame


@pytest.fixture
def artifacts() -> Path:
    folder = REPO / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


class ServerProcess:
    """`warmline serve` in its own process, for tests that kill and restart it."""

    def __init__(self, data_dir: Path, port: int, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = port
        self.env = env or {}
        self.ws_url = f"ws://127.0.0.1:{port}"
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120, **extra_env: str) -> None:
        env = (
            os.environ
            | {"WARMLINE_AGENTS": json.dumps([LEAD.model_dump()])}
            | self.env
            | extra_env
            | {
                "WARMLINE_DATA_DIR": str(self.data_dir),
                "WARMLINE_PORT": str(self.port),
                "WARMLINE_LOG_FILE": str(self.data_dir / "warmline.log"),
            }
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "warmline.cli", "serve"],
            env=env,
            stdout=open(self.data_dir / "stdout.log", "ab"),  # noqa: SIM115
            stderr=open(self.data_dir / "stderr.log", "ab"),  # noqa: SIM115
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("server did not become healthy")

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, as in a crash."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def server_process(tmp_path: Path, kb_snapshot: Path) -> Iterator[ServerProcess]:
    make_settings(tmp_path, kb_snapshot)
    process = ServerProcess(tmp_path, free_port())
    yield process
    process.stop()
