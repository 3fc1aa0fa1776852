"""Safe by default: each test replays an attack on a fresh install and checks it fails.

The demo account is a plain agent on loopback only; a public address with demo or
placeholder credentials does not start; a rebound DNS name is refused; no log line
holds a query string, message text or token; every HTML page carries its policy; the
API map is private; a damaged knowledge store stops start-up with one clear line.
"""

import json
import logging
import os
import posixpath
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import websockets
from conftest import (
    LEAD,
    Client,
    RunningServer,
    ServerProcess,
    agent,
    customer,
    free_port,
    make_settings,
    new_id,
    say,
    serving,
)
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from warmline.config import DEMO_TOKEN, Settings
from warmline.conversation.accounts import AgentAccount
from warmline.server.app import create_app
from warmline.server.exposure import refuse_unsafe
from warmline.server.startup import UnsafeExposure

PUBLIC_HOST = "support.example.com"


@pytest.fixture(scope="module")
async def fresh(
    tmp_path_factory: pytest.TempPathFactory, kb_snapshot: Path
) -> AsyncIterator[RunningServer]:
    """A server as installed: no agents configured, loopback, one public host named."""
    settings = make_settings(
        tmp_path_factory.mktemp("fresh"), kb_snapshot, agents=[], allowed_hosts=[PUBLIC_HOST]
    )
    async with serving(settings) as running:
        yield running


# -- the demo account -----------------------------------------------------------------


async def test_the_demo_account_is_a_plain_agent_that_cannot_reveal_or_watch(
    fresh: RunningServer,
) -> None:
    console = await agent(fresh, DEMO_TOKEN)
    welcome = next(f for f in console.frames if f["type"] == "welcome")
    assert welcome["data"]["agent"]["roles"] == ["agent"]
    client, hello = await customer(fresh)
    conversation_id = hello["conversation_id"]
    await say(client, "My e-mail is jane.roe@example.com and I want a refund.")
    await client.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
    await console.wait_for(type="handoff", conversation_id=conversation_id)
    await console.send({"type": "claim", "conversation_id": conversation_id})
    await console.wait_for(type="conversation", conversation_id=conversation_id)
    await console.send(
        {
            "type": "reveal",
            "conversation_id": conversation_id,
            "data": {"placeholder": "<EMAIL_1>", "reason": "Confirm the refund address"},
        }
    )
    refused = await console.wait_for(type="error")
    assert refused["data"]["code"] == "forbidden"
    await console.send({"type": "watch", "conversation_id": conversation_id})
    assert (await console.wait_for(type="error"))["data"]["code"] == "forbidden"
    assert not any(f["type"] in ("dashboard", "revealed") for f in console.frames)
    for kind in ("dashboard", "revealed"):
        await console.none_arrive(0.3, type=kind)
    for open_socket in (client, console):
        await open_socket.close()


async def test_the_demo_account_on_loopback_is_announced_once_at_start_up(
    tmp_path: Path, kb_snapshot: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="warmline.exposure"):
        async with serving(make_settings(tmp_path, kb_snapshot, agents=[])):
            pass
    warnings = [r.getMessage() for r in caplog.records if r.name == "warmline.exposure"]
    assert len(warnings) == 1 and "demo-agent-token" in warnings[0]


def test_the_demo_account_exists_only_unconfigured_and_on_loopback() -> None:
    assert [a.token for a in Settings(host="127.0.0.1").agents] == [DEMO_TOKEN]
    assert [a.token for a in Settings(host="::1").agents] == [DEMO_TOKEN]
    assert Settings(host="0.0.0.0").agents == []
    assert Settings(host="127.0.0.1", agents=[LEAD]).agents == [LEAD]
    demo = Settings().agents[0]
    assert not demo.supervises and not demo.can_reveal_pii


def serve(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`warmline serve` as an operator would type it; returns once it exits (or is stopped)."""
    variables = os.environ | {"WARMLINE_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"} | env
    return subprocess.run(
        [sys.executable, "-m", "warmline.cli", "serve", *args],
        env=variables,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.slow
def test_a_public_address_with_demo_or_placeholder_credentials_refuses_to_start(
    tmp_path: Path,
) -> None:
    fresh_install = serve(tmp_path, "--host", "0.0.0.0", "--port", str(free_port()))
    assert fresh_install.returncode == 2
    assert "refusing to listen on 0.0.0.0" in fresh_install.stderr
    assert "[[agents]]" in fresh_install.stderr and "allowed_hosts" in fresh_install.stderr
    assert "Traceback" not in fresh_install.stderr

    copied_from_readme = serve(
        tmp_path,
        "--host",
        "0.0.0.0",
        "--port",
        str(free_port()),
        WARMLINE_AGENTS=json.dumps([{"id": "ann", "name": "Ann", "token": "change-me"}]),
        WARMLINE_OPERATOR_TOKENS='["change-me"]',
        WARMLINE_IDENTITY_SECRET="change-me",
        WARMLINE_ALLOWED_HOSTS=f'["{PUBLIC_HOST}"]',
    )
    assert copied_from_readme.returncode == 2
    for setting in ("agents ['ann']", "operator_tokens", "identity_secret"):
        assert setting in copied_from_readme.stderr
    assert "allowed_hosts" not in copied_from_readme.stderr


def test_a_public_address_with_real_credentials_is_allowed() -> None:
    token = "k7Vd2p9QmX4rT8wZ1sB6nC3y"
    configured = Settings(
        host="0.0.0.0",
        allowed_hosts=[PUBLIC_HOST],
        agents=[AgentAccount(id="ann", name="Ann", token=token)],
        operator_tokens=[token[::-1]],
        identity_secret=token.upper(),
    )
    refuse_unsafe(configured)
    with pytest.raises(UnsafeExposure, match="allowed_hosts"):
        refuse_unsafe(configured.model_copy(update={"allowed_hosts": []}))


# -- host allow-list and DNS rebinding ------------------------------------------------


async def rebound(server: RunningServer, name: str, origin: str) -> Client:
    """Open /v1/agent as a page on `name` would once its DNS answer points here: the
    browser connects to this server but sends `name` as Host."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    return Client(
        await websockets.connect(
            f"ws://{name}:{server.port}/v1/agent", sock=sock, origin=Origin(origin), open_timeout=30
        )
    )


async def test_a_rebound_dns_name_is_refused_on_sockets_and_pages(fresh: RunningServer) -> None:
    evil = f"evil.example:{fresh.port}"
    with pytest.raises(InvalidStatus) as refused:
        await rebound(fresh, "evil.example", f"http://{evil}")
    assert refused.value.response.status_code == 400
    async with httpx.AsyncClient(base_url=fresh.url, timeout=30) as http:
        page = await http.get("/console", headers={"Host": evil})
        assert page.status_code == 400
        assert (await http.get("/console", headers={"Host": PUBLIC_HOST})).status_code == 200


async def test_the_console_socket_judges_the_origin_not_the_host_header(
    fresh: RunningServer,
) -> None:
    """A page elsewhere cannot borrow an allowed Host: its Origin still gives it away."""
    forged = await rebound(fresh, PUBLIC_HOST, f"http://evil.example:{fresh.port}")
    refusal = await forged.receive()
    assert refusal["data"]["code"] == "origin_not_allowed"
    own = await rebound(fresh, PUBLIC_HOST, f"https://{PUBLIC_HOST}")
    await own.send({"v": 1, "type": "hello", "data": {"token": DEMO_TOKEN}})
    assert (await own.wait_for(type="welcome"))["type"] == "welcome"
    await own.close()


# -- headers and the API map ----------------------------------------------------------


async def test_every_html_route_carries_the_policy_of_its_page(fresh: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=fresh.url, timeout=30) as http:
        for route, copy in (("/console", "/static/console.html"), ("/", "/static/demo.html")):
            page, served_file = await http.get(route), await http.get(copy)
            assert served_file.status_code == 200
            for header in ("content-security-policy", "x-frame-options"):
                assert served_file.headers[header] == page.headers[header]


STATIC_SOURCES = (
    "/static/src/widget.js",
    "/static/src/shared/socket.js",
    "/static/test/build.test.mjs",
    "/static/build.mjs",
    "/static/../package.json",
    "/static/%2e%2e/package.json",
)


async def test_static_serves_the_pages_assets_and_never_their_sources(
    fresh: RunningServer,
) -> None:
    """Under /static only the built scripts and the pages' own files: every script and
    stylesheet the three pages load (and the source map each script names) answers, and
    the sources, tests and build files beside them are not there."""
    async with httpx.AsyncClient(base_url=fresh.url, timeout=30) as http:
        assets = {"/static/widget.js"}
        for page in ("/", "/console", "/supervisor"):
            html = (await http.get(page)).text
            assets |= set(re.findall(r'<(?:script|link)[^>]* (?:src|href)="(/[^"]*)"', html))
        for script in [a for a in assets if a.endswith(".js")]:
            body = (await http.get(script)).text
            assets |= {
                posixpath.join(posixpath.dirname(script), m)
                for m in re.findall(r"//# sourceMappingURL=(\S+)", body)
            }
        assert {"/static/console.css", "/static/supervisor.js.map"} <= assets
        for asset in sorted(assets):
            assert (await http.get(asset)).status_code == 200, asset
        for source in STATIC_SOURCES:
            assert (await http.get(source)).status_code == 404, source


async def test_the_api_docs_are_off_unless_enabled(fresh: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=fresh.url, timeout=30) as http:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (await http.get(path)).status_code == 404
    enabled = create_app(Settings(api_docs=True, agents=[LEAD]))
    transport = httpx.ASGITransport(app=enabled)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        assert "/v1/kb/search" in (await http.get("/openapi.json")).json()["paths"]
        docs = await http.get("/docs")
        assert docs.status_code == 200
        assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]


# -- logs -----------------------------------------------------------------------------

SECRETS = {
    "operator": "op-Qm4x7Ln2Vt9Rk3Ws",
    "agent": LEAD.token,
    "query_token": "qt-Zr8Hc5Kp1Jd6Yf0",
}
PII = [
    "jane.roe@example.com",
    "4111 1111 1111 1111",
    "+1 415 555 0134",
    "ACC-20481632",
    "quokkaberry",  # a word only these messages and queries hold: no message text at all
]


@pytest.mark.slow
async def test_no_log_line_holds_a_query_string_message_text_or_token(
    server_process: ServerProcess,
) -> None:
    server_process.start(WARMLINE_OPERATOR_TOKENS=json.dumps([SECRETS["operator"]]))
    client, _ = await customer(server_process)
    for text in (
        f"Hi, quokkaberry here, e-mail {PII[0]}, card {PII[1]}",
        f"call me on {PII[2]} about account {PII[3]}",
    ):
        await say(client, text)
    console = await agent(server_process)
    query = {"q": f"quokkaberry refund {PII[0]} {PII[1]}", "token": SECRETS["query_token"]}
    async with httpx.AsyncClient(base_url=server_process.url, timeout=60) as http:
        searched = await http.get(
            "/v1/agent/kb/search",
            params=query,
            headers={"Authorization": f"Bearer {SECRETS['agent']}"},
        )
        assert searched.status_code == 200
        operator = {"Authorization": f"Bearer {SECRETS['operator']}"}
        assert (await http.get("/v1/kb/search", params=query, headers=operator)).status_code == 200
    tokened = await websockets.connect(
        f"{server_process.ws_url}/v1/chat?token={SECRETS['query_token']}&q=quokkaberry"
    )
    await tokened.close()
    for open_socket in (client, console):
        await open_socket.close()
    server_process.stop()

    logs = {
        name: (server_process.data_dir / name).read_text(encoding="utf-8")
        for name in ("warmline.log", "stderr.log")
    }
    for name, text in logs.items():
        for path in ("/v1/agent/kb/search", "/v1/kb/search", "/v1/chat"):
            assert path in text, f"{name} does not log requests"
        leaked = [value for value in [*PII, *SECRETS.values()] if value in text]
        assert leaked == [], f"{name} holds {leaked}"
        assert "?q=" not in text and "?token=" not in text


# -- a damaged knowledge store --------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("damaged", ["current", "chunks.json", "dense.npy"])
def test_a_damaged_knowledge_store_stops_start_up_with_one_line_naming_the_fix(
    tmp_path: Path, kb_snapshot: Path, damaged: str
) -> None:
    """The pointer to the index's generation, or a file of that generation, overwritten."""
    make_settings(tmp_path, kb_snapshot)
    [index] = [pointer.parent for pointer in (tmp_path / "qdrant").rglob("current")]
    generation = index / (index / "current").read_text().strip()
    target = index / damaged if damaged == "current" else generation / damaged
    target.write_bytes(b"\x00not what was written{")
    result = serve(tmp_path, "--port", str(free_port()))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert str(tmp_path / "qdrant") in line and "warmline kb sync" in line
