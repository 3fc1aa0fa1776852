"""Attacks on the sockets and the turn, each reproduced against a real server: one message
must not freeze other conversations, a failed write must not drop a socket, and malformed
input of every kind gets an error frame instead of a crash (1006)."""

import asyncio
import gc
import json
import sqlite3
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    Client,
    RunningServer,
    agent,
    ask,
    connect,
    customer,
    make_settings,
    new_id,
    queue_view,
    say,
    serving,
)
from websockets.exceptions import ConnectionClosed

from warmline.conversation.accounts import AgentAccount
from warmline.guardrails.human_request import detect_human_request, model_may_read
from warmline.guardrails.redaction import Redactor
from warmline.guardrails.signals import compute_signals, sentiment
from warmline.server.privacy import privacy_office

AGENTS = [AgentAccount(id="ana", name="Ana", token="t-ana", capacity=5)]
SERVER_SETTINGS = {"agents": AGENTS, "identity_secret": "site-secret"}
EMOJI_FLOOD = "\U0001f600" * 4000  # took 12 s in VADER and 8 s in spaCy, holding the loop


async def _loop_cpu_for(client: Client, text: str) -> tuple[float, dict[str, Any]]:
    """The CPU this thread, the server's event loop, spends while `text` is stored and
    answered; the garbage collector off meanwhile, so that no collection of this process's
    models lands in one window and not the other."""
    msg_id = new_id()
    gc.disable()
    try:
        started = time.thread_time()
        await client.send({"type": "message", "client_msg_id": msg_id, "data": {"text": text}})
        answer = await client.wait_for(type="message", data_role="bot", timeout=60)
        spent = time.thread_time() - started
    finally:
        gc.enable()
    assert any(
        f["type"] == "ack" and f["data"]["client_msg_id"] == msg_id for f in client.frames
    ), "the message was stored"
    return spent, answer


async def test_an_emoji_flood_is_computed_off_the_event_loop(server: RunningServer) -> None:
    """The server runs on this test's event loop, so the loop thread's CPU while a message
    is handled says whether its detectors held the loop (CPU of one thread, not a wall-clock
    time: a loaded machine does not move it). A 4,000-emoji flood must cost the loop about
    what a short question does (its sockets and stores); run on the loop, VADER and spaCy
    over it cost 7 times the question's loop CPU (77 against 11 ms), off it about the same
    (8 against 7 ms)."""
    # Each in a conversation of its own, so no message is judged by the ones before it.
    asker, _ = await customer(server)
    await _loop_cpu_for(asker, "how do I reset my password?")  # the models warm first
    other, _ = await customer(server)
    question, _ = await _loop_cpu_for(other, "how do I reset my password?")
    attacker, _ = await customer(server)
    flood, answer = await _loop_cpu_for(attacker, EMOJI_FLOOD)
    assert answer["data"]["text"], "the flood itself is answered"
    assert flood < 3 * question, f"the flood cost the loop {flood / question:.1f}x a question"
    for client in (asker, other, attacker):
        await client.close()


def _python_calls(work: Callable[[], object]) -> int:
    """Calls into C functions while `work` runs: a deterministic measure of its cost."""
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        if event == "c_call":
            calls += 1

    sys.setprofile(count)
    try:
        work()
    finally:
        sys.setprofile(None)
    return calls


ATTACKS = {
    "emoji run": "\U0001f600",
    "emoji between letters": "a\U0001f600",
    "sentiment words": "good ",
    "contrast": "but good bad ",
    "negated": "no good ",
}


@pytest.mark.parametrize("unit", ATTACKS.values(), ids=list(ATTACKS))
def test_sentiment_cost_grows_linearly_with_the_message(unit: str) -> None:
    sentiment("warm up")
    small, large = ((unit * 4000)[:n] for n in (1000, 4000))
    ratio = _python_calls(lambda: sentiment(large)) / _python_calls(lambda: sentiment(small))
    assert ratio < 4 * 1.5, f"4x the text cost {ratio:.1f}x the work"


def _fastest(work: Callable[[], object]) -> float:
    """The least CPU time of this thread over three runs: other processes' load does not
    count in it, as it would in a wall-clock time."""
    best = float("inf")
    for _ in range(3):
        started = time.thread_time()
        work()
        best = min(best, time.thread_time() - started)
    return best


def _assert_linear(
    read: Callable[[str], object], text_of: Callable[[int], str], size: int, times: int
) -> None:
    """`read` on a text `times` as long as one of `size` characters takes at most 2.5 ×
    `times` as long: room for a noisy shared machine, none for a quadratic pattern."""
    small = _fastest(lambda: read(text_of(size)))
    large = _fastest(lambda: read(text_of(size * times)))
    assert large / small < times * 2.5, f"{times}x the text took {large / small:.1f}x the time"


@pytest.mark.parametrize(
    "text_of",
    [
        lambda n: ("human " * n)[: n - 2] + "hu",  # backtracked for 26 s at 800 characters
        lambda n: ("a\U0001f600" * n)[:n],
        lambda n: ("talk to a " * n)[:n],
        lambda n: ("Oh great, the. I'm not angry at myself. I asked you it " * n)[:n],
        lambda n: ("@China Unicom Hunan Customer Service Please " * n)[:n],
        lambda n: "Hunan" + " " * n + "Mobile",
        lambda n: ("third time I order it from you, " * n)[:n],
        lambda n: ("I had to explain it to your agent so many " * n)[:n],
        lambda n: ("hmm ok great, the fix. Thanks, I did what you said and it works fine now " * n)[
            :n
        ],
        lambda n: ("great.... just great, yet I'm switching to your own " * n)[:n],
        lambda n: (
            "I have sent you countless cheap calls. Is this the very service so so filed a formal "
            * n
        )[:n],
        lambda n: (
            "if we're not satisfied with the nobody has ever replied to my your service is so so "
            "annoying complaint against the called you twice yesterday appreciate it... " * n
        )[:n],
        lambda n: ("I tried it, useless useless. You are useless " * n)[:n],
        lambda n: ("your staff team agents were so I was so cheated by another your fees are " * n)[
            :n
        ],
        lambda n: ("what poor service means the angry look this is such poor the " * n)[:n],
        lambda n: ("disappointed with lumen home lumen talk to a lumen home lumen " * n)[:n],
        lambda n: (
            "the guy on your phone line the support staff were so it's bad support for the "
            "steps are no use to me I feel cheated by the hidden this is no use what poor "
            "service from you " * n
        )[:n],
        lambda n: (
            "I was cheated by the hidden fees you this is poor service by any old hotel for "
            "some loyal Zig is no use since it " * n
        )[:n],
    ],
    ids=[
        "repeated person word",
        "emoji between letters",
        "repeated request",
        "praise, feelings",
        "repeated addressed account",
        "name then blanks",
        "a repeated order, no fault",
        "contacting, no 'again and again'",
        "praise, thanks, a success on our word",
        "sarcasm, switching to us",
        "countless, the service judged",
        "conditions, nobody, annoying, a complaint, errands, appreciation",
        "useless in sentences of one's own steps",
        "staff, cheated by another, your fees",
        "poor service, feelings described",
        "the company's name repeated",
        "rude staff of ours, bad support for, no use, cheated by fees",
        "our fees, poor service by others or for customers, no use since",
    ],
)
def test_every_detector_together_costs_linear_time(text_of: Callable[[int], str]) -> None:
    """Regular-expression backtracking is invisible to a call count, so this one is timed:
    a ratio of two runs' CPU times in one thread, with room for a noisy shared machine."""
    compute_signals("warm up")
    _assert_linear(compute_signals, text_of, 1000, 4)


@pytest.mark.parametrize(
    "text_of",
    [
        lambda n: ("so disappointed with the brightwave energy the brightwave " * n)[:n],
        lambda n: ("suing brightwave energy co. brightwave energy co brightwave" * n)[:n],
        lambda n: ("the guy at the brightwave energy was so rude " * n)[:n],
    ],
    ids=["a name of several words repeated", "its legal form repeated", "staff at the company"],
)
def test_every_detector_with_a_name_of_several_words_costs_linear_time(
    text_of: Callable[[int], str],
) -> None:
    def read(text: str) -> object:
        return compute_signals(text, ["hello", "my hub"], None, "The Brightwave Energy Co.")

    read("warm up")
    _assert_linear(read, text_of, 1000, 4)


@pytest.mark.parametrize(
    "text_of",
    [
        lambda n: "@" + "A" * (n - 1),  # 35 s at 160 characters when a handle split anywhere
        lambda n: ("@China Unicom " * n)[:n],
        lambda n: ("the staff told " * n)[:n],
        lambda n: ("talk about it " * n)[:n],
        lambda n: ("is an agent available " * n)[:n],
        lambda n: "where are the agents" + "?" * n + "x",
        lambda n: ("talk about the human " * n)[:n],
        lambda n: ("for two people just one " * n)[:n],
        lambda n: ("just one person " * n)[:n],
        lambda n: ("talk about it on the phone " * n)[:n],
        lambda n: "your agent was" + " so" * n + " x",
        lambda n: ("how rubbish the operator " * n)[:n],
        lambda n: ("who can I talk to or is there a " * n)[:n],
        lambda n: ("will someone contact me will an agent " * n)[:n],
        lambda n: "your agent was rude" + " to me" * n + " x",
        lambda n: ("the agent was rude today this morning again " * n)[:n],
        lambda n: ("will someone call me if there " * n)[:n],
        lambda n: ("I'm a customer, you are a bot and " * n)[:n],
    ],
    ids=[
        "capitals after @",
        "repeated handle",
        "repeated retelling",
        "repeated talk about",
        "repeated availability",
        "staff then question marks",
        "repeated subject then a person",
        "repeated head counts",
        "repeated head count after just",
        "repeated subject by phone",
        "staff judged then intensifiers",
        "repeated judgement of staff",
        "repeated whom or another way",
        "repeated contact expected",
        "staff judged then whom",
        "repeated judgement and when",
        "repeated contact expected on an event",
        "repeated customer, bot and clause",
    ],
)
def test_the_request_models_silences_cost_linear_time(text_of: Callable[[int], str]) -> None:
    """Read on every English message the rules pass over: small sizes, since a blow-up
    here grows so fast that the sizes of the test above would never finish."""
    model_may_read("warm up")
    _assert_linear(model_may_read, text_of, 30, 4)


@pytest.mark.parametrize(
    "text_of",
    [
        lambda n: "i'm a customer" + "," * n + "!x",  # 6.5 s at 20,000 commas
        lambda n: "human" + " ," * n + "x",  # 3.8 s at 20,000
        lambda n: "are you real" + " \n" * n + "!x",
        lambda n: "," * n + "don't you have any agents",
        lambda n: "could you not put me through to someone" + " ," * n + "x",
        lambda n: ("why don't you let me " * n)[:n],
        lambda n: "where are the agents" + "?" * n + "x",
        lambda n: ("she requested a " * n)[:n] + "callback",
        lambda n: ("@China Unicom Customer Service Please " * n)[:n],
        lambda n: "@" + "A " * n + "Agent Please",
        lambda n: ("I called the customer service for human service " * n)[:n],
        lambda n: "I called " + "x " * n + "human service",
        lambda n: ("i called yesterday need a human line " * n)[:n],
        lambda n: ("Dear Sir Human Please " * n)[:n],
        lambda n: ("@Support Customer Service Please " * n)[:n],
        lambda n: "where are the humans" + "?" * n + " from billing please",
        lambda n: ("human " * n) + "please",
        lambda n: ("I called to speak to a manager " * n)[:n],
        lambda n: ("I called yesterday again " * n)[:n] + " agent",
        lambda n: "please" + " ," * n + "agent",
        lambda n: ("is there someone who made " * n)[:n],
        lambda n: ("could you ring me " * n)[:n],
        lambda n: ("put me through to a word with the " * n)[:n],
        lambda n: ("Mit wem kann ich den Chef " * n)[:n],
        lambda n: ("I'd like someone from the team " * n)[:n],
        lambda n: ("can someone from billing please " * n)[:n],
        lambda n: ("who can I talk to for " * n)[:n],
        lambda n: ("is the manager around " * n)[:n],
        lambda n: ("Ich hätte gern mit einem Menschen " * n)[:n],
        lambda n: ("who can I talk to about it or is there a " * n)[:n],
        lambda n: ("is anybody actually reading " * n)[:n],
        lambda n: ("will an agent call me when " * n)[:n],
        lambda n: ("google assistant please " * n)[:n],
        lambda n: "put the manager on" + " " * n + "x",
        lambda n: ("can my complaint be escalated to management " * n)[:n],
        lambda n: ("ich will mich beim Chef " * n)[:n],
        lambda n: "is anybody actually reading these" + " " * n + "x",
        lambda n: ("is anyone even reading this chat is anybody " * n)[:n],
        lambda n: ("contact your management contact the " * n)[:n],
        lambda n: ("could you escalate this could you escalate my " * n)[:n],
        lambda n: ("put an agent on my ticket right " * n)[:n],
        lambda n: "ich möchte mich beim Chef" + " über" * n + " x",
        lambda n: ("ich möchte mich nicht beim Chef " * n)[:n],
        lambda n: ("you are a bot and I " * n)[:n],
    ],
    ids=[
        "customer then commas",
        "person word then commas",
        "bot question then blanks",
        "commas then a negation that asks",
        "asking negation then commas",
        "repeated why-not",
        "staff then question marks",
        "repeated retold request",
        "repeated addressed account",
        "capitals after @ then a person",
        "repeated retold call",
        "retold call then a long clause",
        "repeated request after a call, then a line",
        "repeated salutation and person please",
        "repeated addressee and service please",
        "staff then question marks then a department",
        "person words then please",
        "repeated call to speak",
        "repeated retold call and time, then a person",
        "please then commas",
        "repeated question about the bot's maker",
        "repeated call me",
        "repeated put through and a word with",
        "repeated German whom and a person",
        "repeated liked person from a team",
        "repeated someone from a team asked",
        "repeated whom to talk to",
        "repeated around",
        "repeated German wish",
        "repeated whom beside another way",
        "repeated whether anyone reads",
        "repeated call expected",
        "repeated device before please",
        "put on then blanks",
        "repeated escalation and management",
        "repeated German complaint to a person",
        "whether anyone reads this then blanks",
        "repeated whether anyone reads this chat",
        "repeated management contacted",
        "repeated escalation asked of us",
        "repeated person on a matter",
        "German complaint then many words",
        "repeated German complaint refused",
        "repeated remark on the bot then a clause",
    ],
)
def test_the_request_rules_cost_linear_time(text_of: Callable[[int], str]) -> None:
    """The rules decide the handoff before a message is stored: a run of punctuation that
    a pattern re-reads from each of its characters holds the thread for seconds."""
    detect_human_request("warm up")
    _assert_linear(detect_human_request, text_of, 1000, 8)


@pytest.mark.parametrize(
    "unit",
    [
        "a-",
        "a.",
        "1-",
        "1 ",
        "a,",
        "Ab ",
        "im abc, ",
        "- abcd ",
        "rr 1 box ",
        "TX 78701 ",
        "it's ab ",
        "unit 1-",
        "1 a IL, ",
        "11 old us rte. ",
        "11 rt. 1 n ",
        "Hi there",
        "DE89 3704 with ",
    ],
)
def test_redaction_costs_linear_time(unit: str) -> None:
    """Redaction reads every message before anything else, on a thread that holds the
    interpreter: a pattern that re-reads a run from each of its letters ("a-a-a-…" took
    over a second at 4,000 characters, quadratic) stalls every other conversation."""
    redactor = Redactor(["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "ADDRESS"], b"k" * 32)
    redactor.detect("warm up, John")
    _assert_linear(redactor.detect, lambda n: (unit * n)[:n], 1000, 4)


@pytest.mark.parametrize(("word", "end"), [("unit", "z"), ("1 highway", "!"), ("11 old rte.", "!")])
def test_a_unit_or_road_word_before_a_run_of_blanks_costs_linear_time(word: str, end: str) -> None:
    """A unit or road word, a run of blanks and no number: two optional blank runs around
    an optional "#" shared the run between them ("unit" then 8,000 blanks took 62 times
    what 1,000 did; "1 highway" then 8,000 blanks 2.5 s)."""
    redactor = Redactor(["ADDRESS"], b"k" * 32)
    redactor.detect("warm up, John")
    _assert_linear(redactor.detect, lambda n: word + ("\n " * n)[:n] + end, 1000, 8)


def _readyz(server: RunningServer) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(server.url + "/readyz", timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


async def test_a_failed_database_write_answers_unavailable_and_loses_nothing(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    settings = make_settings(tmp_path, kb_snapshot)
    async with serving(settings) as server:
        client, welcome = await customer(server)
        await say(client, "hello")
        await client.wait_for(type="message", data_role="bot")
        assert (await asyncio.to_thread(_readyz, server))[0] == 200

        # Another process takes the database's write lock, as a backup tool or a stuck
        # `warmline pii erase` would: every write now fails with "database is locked".
        locker = sqlite3.connect(settings.database_path, timeout=0)
        locker.execute("BEGIN IMMEDIATE")
        try:
            msg_id = new_id()
            frame = {"type": "message", "client_msg_id": msg_id, "data": {"text": "my parcel?"}}
            await client.send(frame)
            refused = await client.wait_for(type="error", timeout=30)
            assert refused["data"]["code"] == "unavailable"
            assert refused["data"]["client_msg_id"] == msg_id
            status, report = await asyncio.to_thread(_readyz, server)
            assert status == 503 and report["failed"] == ["database"]
            await client.send({"type": "ping"})
            await client.wait_for(type="pong")  # the socket is still open
        finally:
            locker.rollback()
            locker.close()

        await client.send(frame)  # the client resends the same frame
        ack = await client.wait_for(type="ack", data_client_msg_id=msg_id)
        assert ack["data"]["duplicate"] is False
        await client.wait_for(type="message", data_role="bot")
        assert (await asyncio.to_thread(_readyz, server))[0] == 200
        await client.close()

        again, _ = await customer(
            server, conversation_id=welcome["conversation_id"], token=welcome["data"]["token"]
        )
        await again.send({"type": "ping"})
        await again.wait_for(type="pong")
        texts = [f["data"].get("text") for f in again.frames if f["type"] == "message"]
        assert texts.count("my parcel?") == 1
        await again.close()


async def assert_still_open(client: Client) -> None:
    await client.send({"type": "ping"})
    await client.wait_for(type="pong")


async def test_malformed_hellos_get_error_frames_not_crashes(server: RunningServer) -> None:
    owner, welcome = await customer(server)
    conversation_id = welcome["conversation_id"]

    stranger, refused = await customer(server, conversation_id=conversation_id, token="t\u00f6ken")
    assert refused["type"] == "error" and refused["data"]["code"] == "unknown_conversation"
    await assert_still_open(stranger)

    token = welcome["data"]["token"]
    for too_far in (2**63, 10**4000):
        await stranger.send(
            f'{{"type": "hello", "conversation_id": "{conversation_id}", '
            f'"data": {{"token": "{token}", "resume_after": {too_far}}}}}'
        )
        assert (await stranger.wait_for(type="error"))["data"]["code"] == "bad_frame"
    await assert_still_open(stranger)

    signed, started = await customer(
        server, profile={"segment": "vip"}, profile_signature="sign\u00e9"
    )
    assert started["type"] == "welcome", "an unusable signature is ignored, never a refusal"
    await assert_still_open(signed)

    console = await connect(server.ws_url + "/v1/agent")
    await console.send('{"type": "hello", "data": {"token": "\\ud800"}}')
    assert (await console.wait_for(type="error"))["data"]["code"] == "unauthorized"
    await assert_still_open(console)
    for client in (owner, stranger, signed, console):
        await client.close()


async def test_hostile_json_and_oversized_frames_get_error_frames(server: RunningServer) -> None:
    client, _ = await customer(server)
    await say(client, "hello")
    hostile = {
        "deep nesting": "[" * 20_000,
        "a 5,000-digit number": '{"type": "ping", "data": {"n": ' + "9" * 5000 + "}}",
    }
    for name, frame in hostile.items():
        assert len(frame.encode()) < 65_536
        await client.send(frame)
        assert (await client.wait_for(type="error"))["data"]["code"] == "bad_json", name
    for size in (65_537, 1_100_000, 4_000_000):
        await client.send('{"type": "message", "data": {"text": "' + "x" * size + '"}}')
        error = await client.wait_for(type="error")
        assert error["data"]["code"] == "frame_too_large", size
    await assert_still_open(client)
    await say(client, "still here")
    await client.close()


async def test_erasing_a_live_conversation_ends_its_socket_with_unknown_conversation(
    server: RunningServer,
) -> None:
    client, welcome = await customer(server)
    await ask(client, "my email is jo.pike@example.com")

    async with privacy_office(server.settings) as office:
        assert await office.erase(welcome["conversation_id"], actor="test")

    await client.send({"type": "message", "client_msg_id": new_id(), "data": {"text": "hi?"}})
    error = await client.wait_for(type="error")
    assert error["data"]["code"] == "unknown_conversation"
    with pytest.raises(ConnectionClosed) as closed:
        await client.receive(timeout=10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1000 and closed.value.rcvd.reason == "unknown_conversation"


async def test_queue_changes_reach_agents_as_deltas(server: RunningServer) -> None:
    ana = await agent(server, "t-ana")
    snapshot = await ana.wait_for(type="queue")
    waiting = []
    for _ in range(4):
        client, welcome = await customer(server)
        await client.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
        await client.wait_for(type="mode", data_mode="queued")
        waiting.append((client, welcome["conversation_id"]))
    last = waiting[-1][1]

    updates = [await ana.wait_for(type="queue_update", timeout=10)]
    while last not in [i["conversation_id"] for u in updates for i in u["data"]["added"]]:
        updates.append(await ana.wait_for(type="queue_update", timeout=10))
    # Changes close together may share an update; each conversation is sent once.
    added = [i["conversation_id"] for u in updates for i in u["data"]["added"]]
    assert len(added) == len(set(added)) and added[-1] == last
    assert all(u["data"]["changed"] == [] and u["data"]["removed"] == [] for u in updates)
    assert not [f for f in ana.frames if f["type"] == "queue" and f is not snapshot]
    await ana.none_arrive(0.3, type="queue")

    await ana.send({"type": "claim", "conversation_id": last})
    claimed = await ana.wait_for(type="queue_update", timeout=10)
    assert [(i["conversation_id"], i["status"]) for i in claimed["data"]["changed"]] == [
        (last, "claimed")
    ]
    await ana.send({"type": "resolve", "conversation_id": last, "data": {}})
    resolved = await ana.wait_for(type="queue_update", timeout=10)
    assert resolved["data"]["removed"] == [last]

    held = queue_view(ana.frames)
    fresh = await agent(server, "t-ana")  # a second tab starts from a full snapshot
    full = await fresh.wait_for(type="queue")
    assert set(held) == {i["conversation_id"] for i in full["data"]["items"]}
    assert set(held) >= {conversation for _, conversation in waiting[:-1]}
    for client, _ in waiting:
        await client.close()
    for console in (ana, fresh):
        await console.close()


def test_redacting_many_names_of_the_small_model_costs_linear_time() -> None:
    """Each person the small model finds was checked against the whole text rebuilt from
    its tokens: "this is maria - sam …" took 0.12 s at 4,000 characters, quadratic. A
    sixteenfold text, since at fourfold the linear part of the cost hid the growth."""
    redactor = Redactor(["PERSON"], b"k" * 32)
    redactor.detect("warm up, John")
    _assert_linear(redactor.detect, lambda n: ("this is maria - sam " * n)[:n], 1000, 16)
