"""What an operator and a client notice of the operations side: readiness, a graceful
restart, origin checks, per-address limits, security headers and metrics.

Every test talks to a real server over HTTP and WebSocket, on the embedded defaults
and on PostgreSQL + Redis. The module's server trusts 127.0.0.1 as a proxy, so each
test names its own client address in X-Forwarded-For and the limits of one test
never spend another's.
"""

import asyncio
import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from ipaddress import IPv6Address, ip_network
from pathlib import Path
from typing import Any

import pytest
import websockets
from conftest import (
    Backend,
    Client,
    RunningServer,
    agent,
    ask,
    chromium,
    customer,
    make_settings,
    new_id,
    say,
    serving,
)
from fake_openai import Reply, fake_openai
from playwright.async_api import expect
from test_llm import llm_settings
from websockets.exceptions import ConnectionClosed

from warmline.config import Settings
from warmline.conversation.settings import LimitSettings
from warmline.retrieval.settings import RetrievalSettings
from warmline.server.client_ip import client_address

SERVER_SETTINGS = {
    "allowed_origins": ["https://shop.example"],
    "trusted_proxies": ["127.0.0.1"],
    "limits": LimitSettings(connections_per_minute=6, sockets_per_ip=3),
}
EVIL = "https://evil.example"
POLL_S = 0.05  # the pace of a test's reads of a state it waits for


def some_address() -> str:
    """A client address of the documentation range, new for each call."""
    return str(IPv6Address("2001:db8::") + uuid.uuid4().int % (1 << 64))


async def get(url: str) -> tuple[int, dict[str, str], str]:
    """Status, headers and body of a GET, whatever the status."""

    def fetch() -> tuple[int, dict[str, str], str]:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode()

    return await asyncio.to_thread(fetch)


async def read_until(url: str, shows: Callable[[int, str], bool], within: float = 15.0) -> str:
    """GET `url` until `shows(status, body)`, the server's own report of the state a test
    waits for (read, not slept for: a state that never comes fails the test, and one
    that comes late is still read); the body that showed it. Reads are paced by
    `POLL_S`, not to hammer the server the test waits on."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        status, _, body = await get(url)
        if shows(status, body):
            return body
        assert loop.time() < deadline, f"{url} never showed it: {status} {body[:500]}"
        await asyncio.sleep(POLL_S)


async def open_socket(
    server: RunningServer, path: str, address: str, origin: str | None = None
) -> Client:
    headers = {"X-Forwarded-For": address} | ({"Origin": origin} if origin else {})
    socket = await websockets.connect(server.ws_url + path, additional_headers=headers)
    return Client(socket)


async def hello_chat(client: Client) -> dict[str, Any]:
    await client.send({"v": 1, "type": "hello", "data": {}})
    return await client.receive()


async def close_of(client: Client) -> tuple[int, str]:
    """Read frames until the server closes the socket; its close code and reason."""
    try:
        while True:
            await client.receive(timeout=15)
    except ConnectionClosed as closed:
        frame = closed.rcvd
    assert frame is not None, "closed without a close frame"
    return frame.code, frame.reason


async def refusal(client: Client) -> tuple[str, int, str]:
    """The error code, close code and close reason of a refused socket."""
    frame = await client.receive()
    assert frame["type"] == "error"
    return (frame["data"]["code"], *await close_of(client))


# -- readiness ------------------------------------------------------------------------


async def test_readyz_names_each_dependency_in_use_and_healthz_stays_cheap(
    server: RunningServer,
) -> None:
    status, _, body = await get(server.url + "/readyz")
    report = json.loads(body)
    assert status == 200, report
    assert report["status"] == "ready"
    expected = {"database", "knowledge", "serving"}
    if server.settings.redis_url:
        expected.add("redis")
    assert set(report["checks"]) == expected
    assert all(check["ok"] for check in report["checks"].values())
    status, _, body = await get(server.url + "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})


async def test_readyz_answers_503_naming_an_empty_knowledge_base(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, retrieval=RetrievalSettings(sync_on_start=False))
    async with serving(settings) as empty:
        status, _, body = await get(empty.url + "/readyz")
        live, _, _ = await get(empty.url + "/healthz")
    report = json.loads(body)
    assert status == 503
    assert report["failed"] == ["knowledge"]
    assert "empty" in report["checks"]["knowledge"]["detail"]
    assert live == 200  # alive, just not ready: restarting it would not help


# -- graceful restart -----------------------------------------------------------------


async def test_shutdown_finishes_the_answer_then_closes_every_socket_with_1012(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with fake_openai() as fake:
        fake.default = Reply(content="Open the app, tap Orders, then Refund [1].", delay_s=2.0)
        settings = make_settings(
            tmp_path, kb_snapshot, backend, llm=llm_settings(fake, timeout_s=5, deadline_s=8)
        )
        async with serving(settings) as running:
            chat, welcome = await customer(running)
            console = await agent(running)
            await say(chat, "How do I get a refund?")
            # The answer is being written (told before or after the ack).
            await chat.latest(type="typing")
            running.instance.should_exit = True  # what SIGTERM does
            # uvicorn sees it on its next tick, and the drain begins: not ready from then.
            body = await read_until(running.url + "/readyz", lambda status, _: status == 503)
            assert json.loads(body)["failed"] == ["serving"]
            late = await open_socket(running, "/v1/chat", some_address())
            assert await refusal(late) == ("shutting_down", 1012, "shutting_down")

            answer = await chat.wait_for(type="message", data_role="bot", timeout=15)
            assert "Refund" in answer["data"]["text"]
            for client in (chat, console):
                code, reason = await close_of(client)
                assert code == 1012
                assert "reconnect" in reason

        async with serving(settings) as successor:  # the client reconnects and resumes
            again, resumed = await customer(
                successor,
                conversation_id=welcome["conversation_id"],
                token=welcome["data"]["token"],
                resume_after=answer["seq"],
            )
            assert resumed["type"] == "welcome"
            assert resumed["data"]["last_seq"] == answer["seq"]  # nothing missed, nothing new
            await again.close()


# -- origins --------------------------------------------------------------------------


async def test_the_widget_socket_opens_only_from_listed_origins(server: RunningServer) -> None:
    for origin in ("https://shop.example", f"http://127.0.0.1:{server.port}"):  # listed, own
        allowed = await open_socket(server, "/v1/chat", some_address(), origin)
        assert (await hello_chat(allowed))["type"] == "welcome"
        await allowed.close()
    integration = await open_socket(server, "/v1/chat", some_address())  # no Origin: no browser
    assert (await hello_chat(integration))["type"] == "welcome"
    await integration.close()

    stranger = await open_socket(server, "/v1/chat", some_address(), EVIL)
    assert await refusal(stranger) == ("origin_not_allowed", 1008, "origin_not_allowed")


async def test_the_console_socket_opens_from_its_own_origin_or_a_listed_one(
    server: RunningServer,
) -> None:
    for origin in (f"http://127.0.0.1:{server.port}", "https://shop.example"):
        console = await open_socket(server, "/v1/agent", some_address(), origin)
        await console.send({"v": 1, "type": "hello", "data": {"token": "lead-agent-token"}})
        assert (await console.wait_for(type="welcome"))["type"] == "welcome"
        await console.close()
    forged = await open_socket(server, "/v1/agent", some_address(), EVIL)
    assert await refusal(forged) == ("origin_not_allowed", 1008, "origin_not_allowed")


# -- limits per address ---------------------------------------------------------------


async def test_new_sockets_past_the_per_minute_limit_are_refused_as_rate_limited(
    server: RunningServer,
) -> None:
    address = some_address()
    for _ in range(6):
        client = await open_socket(server, "/v1/chat", address)
        assert (await hello_chat(client))["type"] == "welcome"
        await client.close()
    refused = await open_socket(server, "/v1/chat", address)
    code, close_code, _ = await refusal(refused)
    assert (code, close_code) == ("rate_limited", 1013)
    other = await open_socket(server, "/v1/chat", some_address())  # another client is fine
    assert (await hello_chat(other))["type"] == "welcome"
    await other.close()


CHAT_SOCKETS = 'warmline_sockets_open{endpoint="chat"}'


def chat_sockets_at_most(count: float) -> Callable[[int, str], bool]:
    """Whether /metrics says the server holds `count` chat sockets or fewer (the module's
    earlier sockets may still be closing)."""
    return lambda _, body: metric(body, CHAT_SOCKETS) <= count


async def seated(server: RunningServer, address: str, within: float = 15.0) -> Client:
    """A chat socket from `address` once the server gave a closed one's seat back, just
    after it stopped counting it (a round trip to Redis): a refusal for its open sockets
    meanwhile is tried again, paced, within the address's new connections per minute."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        client = await open_socket(server, "/v1/chat", address)
        try:
            frame = await hello_chat(client)
        except ConnectionClosed:  # refused, and closed before the hello went out
            frame = None
        if frame is not None and frame["type"] == "welcome":
            return client
        assert frame is None or frame["data"]["message"].startswith("Too many open"), frame
        assert loop.time() < deadline, "the closed socket's seat never came back"
        await asyncio.sleep(POLL_S)


async def test_open_sockets_per_address_are_capped_and_freed_on_close(
    server: RunningServer,
) -> None:
    metrics = server.url + "/metrics"
    baseline = metric(await read_until(metrics, lambda status, _: status == 200), CHAT_SOCKETS)
    address = some_address()
    held = [await open_socket(server, "/v1/chat", address) for _ in range(3)]
    for client in held:
        assert (await hello_chat(client))["type"] == "welcome"
    refused = await open_socket(server, "/v1/chat", address)
    assert (await refusal(refused))[:2] == ("rate_limited", 1013)
    await held.pop().close()
    await read_until(metrics, chat_sockets_at_most(baseline + 2))  # the server saw the close
    again = await seated(server, address)
    for client in [*held, again]:
        await client.close()


async def connect_plain(server: RunningServer) -> Client:
    return Client(await websockets.connect(server.ws_url + "/v1/chat"))


def test_forwarded_for_is_believed_only_from_a_trusted_proxy() -> None:
    proxies = [ip_network("10.0.0.0/8")]
    assert client_address("198.51.100.7", "203.0.113.9", proxies) == "198.51.100.7"
    assert client_address("10.0.0.2", "203.0.113.9", proxies) == "203.0.113.9"
    # a client's own forged hop sits left of what the proxies appended
    assert client_address("10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.5", proxies) == "203.0.113.9"
    assert client_address("10.0.0.2", "not-an-address", proxies) == "10.0.0.2"


async def test_limits_hold_across_workers_sharing_redis(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    if backend.name == "embedded":
        pytest.skip("one worker: nothing to share")
    shared = backend.overrides()
    limits = LimitSettings(sockets_per_ip=2)
    first = make_settings(tmp_path / "a", kb_snapshot, limits=limits, **shared)
    second = make_settings(tmp_path / "b", kb_snapshot, limits=limits, **shared)
    async with serving(first) as a, serving(second) as b:
        held = [await connect_plain(a), await connect_plain(b)]
        for client in held:
            assert (await hello_chat(client))["type"] == "welcome"
        for worker in (a, b):
            refused = await connect_plain(worker)
            assert (await refusal(refused))[:2] == ("rate_limited", 1013)
        for client in held:
            await client.close()


# -- headers --------------------------------------------------------------------------


async def test_pages_carry_security_headers_and_the_widget_script_stays_embeddable(
    server: RunningServer,
) -> None:
    _, console, console_html = await get(server.url + "/console")
    _, demo, demo_html = await get(server.url + "/")
    _, script, _ = await get(server.url + "/static/widget.js")
    _, ready, _ = await get(server.url + "/readyz")
    for headers in (console, demo, script, ready):
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in console["content-security-policy"]
    assert console["x-frame-options"] == "DENY"
    for headers in (console, demo):
        assert "script-src 'self';" in headers["content-security-policy"]
    # the policy allows no inline script, and neither page has any
    for html in (console_html, demo_html):
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html)
    assert "content-security-policy" not in script
    assert "x-frame-options" not in script
    assert "javascript" in script["content-type"]
    assert "access-control-allow-origin" not in ready


@pytest.mark.slow
async def test_console_and_demo_page_work_under_their_policies(server: RunningServer) -> None:
    async with chromium() as browser:
        page = await (await browser.new_context()).new_page()
        violations: list[str] = []
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        await page.goto(server.url + "/")
        await page.get_by_test_id("launcher").click()
        await page.get_by_test_id("input").fill("how do I get a refund?")
        await page.get_by_test_id("send").click()
        answer = page.locator('[data-testid="msg"][data-role="bot"]').last
        await expect(answer).to_contain_text("refund")
        await page.goto(server.url + "/console")
        await page.get_by_test_id("token").fill("lead-agent-token")
        await page.get_by_test_id("login").click()
        await expect(page.get_by_test_id("connection-status")).to_have_attribute(
            "data-state", "online"
        )
    assert violations == []


# -- metrics --------------------------------------------------------------------------


def metric(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_metrics_count_turns_escalations_errors_and_refusals(server: RunningServer) -> None:
    _, _, before = await get(server.url + "/metrics")
    chat = await open_socket(server, "/v1/chat", some_address())
    await hello_chat(chat)
    await ask(chat, "How do I get a refund?")
    await chat.send({"v": 1, "type": "request_human", "client_msg_id": new_id(), "data": {}})
    await chat.wait_for(type="mode", data_mode="queued")
    await chat.send("{not json")
    await chat.wait_for(type="error", data_code="bad_json")
    stranger = await open_socket(server, "/v1/chat", some_address(), EVIL)
    await refusal(stranger)
    # The press is handed over at the edge; its turn, which completes the packet, ends
    # after it, so read until both turns are counted (or give up after 15 s).
    for _ in range(300):
        _, _, after = await get(server.url + "/metrics")
        if (
            metric(after, "warmline_turn_seconds_count")
            >= metric(before, "warmline_turn_seconds_count") + 2
        ):
            break
        await asyncio.sleep(0.05)

    def grew(name: str) -> float:
        return metric(after, name) - metric(before, name)

    assert grew("warmline_turn_seconds_count") >= 2
    assert grew('warmline_escalations_total{reason="explicit_request"}') >= 1
    assert grew('warmline_errors_total{code="bad_json"}') >= 1
    assert grew('warmline_sockets_refused_total{reason="origin_not_allowed"}') >= 1
    assert metric(after, 'warmline_sockets_open{endpoint="chat"}') >= 1
    for gauge in ("warmline_queue_waiting", "warmline_queue_oldest_wait_seconds"):
        assert f"\n{gauge} " in after
    assert "warmline_llm_prompt_tokens_total" in after
    assert not re.search(r'="[0-9a-f_]{12,}"', after)  # no conversation ids as label values
    await chat.close()
