"""Routing and agent sessions over real sockets: capacity, skills, language, aging, SLA,
transfer, notes, hand-back, resolve + CSAT, disconnects, nobody online, supervisors."""

import asyncio
import hashlib
import hmac
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    Backend,
    Client,
    MovableClock,
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

from warmline.agent.decision import Priority
from warmline.clock import Clock, utc_now
from warmline.config import Settings
from warmline.conversation import broadcasting
from warmline.conversation.accounts import AgentAccount
from warmline.conversation.broadcasting import ANNOUNCE_EVERY_S
from warmline.conversation.protocol import ServerFrame
from warmline.coordination import bus
from warmline.evals.suite.replay import export_scenarios
from warmline.handoff import routing
from warmline.handoff.policy_file import QueuePolicy
from warmline.handoff.queue import QueueEntry
from warmline.handoff.wait import Wait, typical_waits
from warmline.server.runtime import running
from warmline.server.stores import database

AGENTS = [
    AgentAccount(id="alex", name="Alex", token="t-alex", capacity=1),
    AgentAccount(id="sam", name="Sam", token="t-sam"),
    AgentAccount(id="fran", name="Fran", token="t-fran", skills=["fraud"]),
    AgentAccount(id="gerd", name="Gerd", token="t-gerd", languages=["de", "en"]),
    AgentAccount(id="sup", name="Sue", token="t-sup", roles=["supervisor"]),
]


@asynccontextmanager
async def desk(
    tmp_path: Path, kb_snapshot: Path, backend: Backend, clock: Clock = utc_now, **queue: Any
) -> AsyncIterator[RunningServer]:
    base = Settings().policy
    policy = base.model_copy(
        update={
            "business_hours": None,
            "queue": QueuePolicy.model_validate(
                {"agent_reconnect_grace_seconds": 0.5, "sla_check_seconds": 0.2} | queue
            ),
        }
    )
    settings = make_settings(
        tmp_path, kb_snapshot, backend, agents=AGENTS, policy=policy, identity_secret="site-secret"
    )
    async with serving(settings, clock) as server:
        yield server


async def waiting(server: RunningServer, text: str = "", **hello: Any) -> tuple[Client, str]:
    """A customer who asked for a person (by button, after `text` if given)."""
    client, welcome = await customer(server, **hello)
    if text:
        await say(client, text)
    else:
        await client.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
    # A typed request is handed over at the edge, so the move may come before its ack.
    await client.latest(type="mode", data_mode="queued")
    return client, welcome["conversation_id"]


async def act(
    console: Client, type_: str, conversation_id: str | None, **data: Any
) -> dict[str, Any]:
    """Send an agent action; returns its ack or error frame."""
    await console.send({"type": type_, "conversation_id": conversation_id, "data": data})
    while True:
        frame = await console.receive()
        if frame["type"] in ("ack", "error", "revealed") and (
            frame["data"].get("action", type_) == type_ or frame["data"].get("frame_type") == type_
        ):
            return frame


async def on_roster(watcher: Client, agent_id: str, online: bool) -> None:
    """Read rosters until the agent shows online (or offline): the server has seen
    their socket come (or their last one close, which starts the grace timer)."""
    while True:
        roster = await watcher.wait_for(type="roster")
        status = {a["id"]: a["status"] for a in roster["data"]["agents"]}[agent_id]
        if (status != "offline") == online:
            return


def code(frame: dict[str, Any]) -> str | None:
    return frame["data"].get("code") if frame["type"] == "error" else None


async def test_capacity_limits_how_many_chats_an_agent_holds(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        alex = await agent(server, "t-alex")
        _, first = await waiting(server)
        _, second = await waiting(server)
        assert (await act(alex, "claim", first))["type"] == "ack"
        assert code(await act(alex, "claim", second)) == "at_capacity"
        assert (await act(alex, "resolve", first, disposition="resolved"))["type"] == "ack"
        assert (await act(alex, "claim", second))["type"] == "ack"


async def test_skills_and_language_decide_who_may_take_a_conversation(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        sam, fran, gerd = [await agent(server, t) for t in ("t-sam", "t-fran", "t-gerd")]
        _, fraud = await waiting(
            server, "Someone used my card to order two cameras, I never ordered them"
        )
        handoff = await sam.wait_for(type="handoff", conversation_id=fraud)
        assert handoff["data"]["entry"]["skills"] == ["fraud"]
        _, german = await waiting(server, profile={"language": "de-DE"})

        assert code(await act(sam, "claim", fraud)) == "missing_skill"
        assert code(await act(sam, "claim", german)) == "wrong_language"
        assert (await act(sam, "claim_next", None))["data"]["taken"] is None
        assert (await act(gerd, "claim_next", None))["data"]["taken"] == german
        assert (await act(fran, "claim_next", None))["data"]["taken"] == fraud


async def test_waiting_raises_priority_and_late_conversations_raise_an_sla_breach(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    clock = MovableClock()
    async with desk(
        tmp_path,
        kb_snapshot,
        backend,
        clock,
        aging_minutes=0.02,
        sla_minutes={"urgent": 2, "high": 5, "normal": 0.01, "low": 60},
    ) as server:
        sue = await agent(server, "t-sup")
        old_client, old = await waiting(server)
        breach = await sue.wait_for(type="sla_breach", conversation_id=old, timeout=10)
        assert breach["data"]["priority"] == "normal" and breach["data"]["overdue_seconds"] >= 0
        clock.advance(2.6)  # two aging steps: normal (1) + 2 outranks a fresh high (2)
        urgent_client, urgent = await waiting(server, "This is a scam, someone stole my identity")
        while urgent not in (held := queue_view(sue.frames)):
            await sue.wait_for(type="queue_update")
        ranks = {conversation: i["effective_priority"] for conversation, i in held.items()}
        assert ranks[old] > ranks[urgent] == 2
        # The customers are told the same order. The older one may have been told its
        # place before or after its move to the line, so what it holds is read, not awaited.
        assert (await urgent_client.latest(type="queue_position"))["data"]["position"] == 2
        await old_client.none_arrive(0.5, type="queue_position", data_position=2)
        assert (await old_client.latest(type="queue_position"))["data"]["position"] == 1
        assert (await act(sue, "claim_next", None))["data"]["taken"] == old


async def test_transfer_with_a_note_the_customer_never_sees(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        sam, fran, alex = [await agent(server, t) for t in ("t-sam", "t-fran", "t-alex")]
        client, conversation = await waiting(
            server, "my order LH-123456 was charged twice, let me talk to a person"
        )
        assert (await act(sam, "claim", conversation))["type"] == "ack"
        note = await act(sam, "note", conversation, text="Looks like a duplicate charge.")
        assert note["type"] == "ack"
        moved = await act(
            sam, "transfer", conversation, to_skill="fraud", note="Card may be compromised."
        )
        assert moved["type"] == "ack"
        told = await client.wait_for(type="message", data_role="system")
        assert "colleague" in told["data"]["text"]
        assert code(await act(alex, "claim", conversation)) == "missing_skill"
        assert (await act(fran, "claim", conversation))["type"] == "ack"
        snapshot = await fran.latest(type="conversation", conversation_id=conversation)
        notes = [e["data"]["text"] for e in snapshot["data"]["events"] if e["type"] == "note"]
        assert notes == ["Looks like a duplicate charge.", "Card may be compromised."]

        await act(fran, "transfer", conversation, to_agent="sam", note="Back to you, Sam.")
        assert code(await act(alex, "claim", conversation)) == "reserved"
        assert (await act(sam, "claim", conversation))["type"] == "ack"
        assert not [f for f in client.frames if f["type"] == "note"]
        await client.none_arrive(0.5, type="note")
        resumed, _ = await customer(
            server, conversation_id=conversation, token=client.frames[0]["data"]["token"]
        )
        await resumed.wait_for(type="mode", data_mode="human")
        assert not [f for f in resumed.frames if f["type"] == "note"]
        await resumed.none_arrive(0.5, type="note")


async def test_bot_is_silent_in_human_mode_and_resumes_with_context_after_hand_back(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        sam = await agent(server, "t-sam")
        client, conversation = await waiting(
            server, "My Lumen Hub from order LH-654321 is dead, I want to talk to a human"
        )
        await act(sam, "claim", conversation)
        await say(client, "how do I reset my password?")
        await sam.wait_for(type="message", data_role="customer")
        # the bot answers nothing while a person owns the conversation
        await client.none_arrive(1.0, type="message", data_role="bot")

        await act(sam, "handback", conversation)
        await client.wait_for(type="mode", data_mode="bot")
        _, reply = await ask(client, "what is the weather like on mars")
        assert not reply["data"]["text"].startswith("I'm bringing in"), "no re-escalation loop"
        _, answer = await ask(client, "how do I reset my password?")
        assert answer["data"]["citations"][0]["article_id"] == "reset-your-password"

        await client.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
        again = await sam.wait_for(type="handoff", conversation_id=conversation)
        packet = again["data"]["entry"]["packet"]
        assert packet["customer"]["previous_agent"] == "sam"
        assert "mentioned: LH-654321" in packet["summary"]["facts_collected"]
        assert "product: Lumen Hub" in packet["summary"]["facts_collected"]


async def test_resolve_with_disposition_then_the_customer_rates_the_chat(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        sam = await agent(server, "t-sam")
        client, conversation = await waiting(server)
        await act(sam, "claim", conversation)
        resolved = await act(sam, "resolve", conversation, disposition="follow_up")
        assert resolved["type"] == "ack"
        mode = await client.wait_for(type="mode", data_mode="resolved")
        assert mode["data"]["disposition"] == "follow_up"
        await client.wait_for(type="csat_request")

        bad = {"type": "csat", "client_msg_id": new_id(), "data": {"score": 7}}
        await client.send(bad)
        assert (await client.wait_for(type="error"))["data"]["code"] == "bad_frame"
        rating = {
            "type": "csat",
            "client_msg_id": new_id(),
            "data": {"score": 5, "comment": "Great, mail me at jo.pike@example.com"},
        }
        await client.send(rating)
        ack = await client.wait_for(type="ack", data_client_msg_id=rating["client_msg_id"])
        stored = await sam.wait_for(type="csat", conversation_id=conversation)
        assert stored["data"]["score"] == 5
        assert (
            "jo.pike" not in stored["data"]["comment"] and "<EMAIL_1>" in stored["data"]["comment"]
        )
        await client.send(rating)
        resent = await client.wait_for(type="ack", data_client_msg_id=rating["client_msg_id"])
        assert resent["data"]["duplicate"] and resent["data"]["seq"] == ack["data"]["seq"]
        await client.send(rating | {"client_msg_id": new_id()})
        assert (await client.wait_for(type="error"))["data"]["code"] == "no_rating_asked"


async def test_an_agent_who_drops_returns_the_chat_to_the_queue_and_nothing_is_lost(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        sam = await agent(server, "t-sam")
        client, conversation = await waiting(server, "I need a human about order LH-111222")
        await act(sam, "claim", conversation)
        await sam.close()
        heard = len(client.frames)
        await say(client, "hello? are you still there?")
        # The release comes after a grace period, so it may reach the customer before or
        # after the message's acknowledgement.
        back = await client.wait_for(type="mode", data_mode="queued", timeout=10, since=heard)
        assert back["data"]["reason"] == "agent_disconnected"
        gone = await client.wait_for(type="message", data_role="system", since=heard)
        assert "lost their connection" in gone["data"]["text"]

        sam = await agent(server, "t-sam")
        assert (await act(sam, "claim", conversation))["type"] == "ack"
        snapshot = await sam.latest(type="conversation", conversation_id=conversation)
        texts = [e["data"].get("text") for e in snapshot["data"]["events"]]
        assert "hello? are you still there?" in texts
        seqs = [e["seq"] for e in snapshot["data"]["events"]]
        assert seqs == list(range(1, len(seqs) + 1))


async def test_a_customer_who_drops_gets_exactly_what_they_missed(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        sam = await agent(server, "t-sam")
        client, conversation = await waiting(server)
        token = client.frames[0]["data"]["token"]
        await act(sam, "claim", conversation)
        joined = await client.wait_for(type="mode", data_mode="human")
        await client.close()
        for text in ("Are you there?", "I've refunded the order."):
            await sam.send(
                {
                    "type": "message",
                    "conversation_id": conversation,
                    "client_msg_id": new_id(),
                    "data": {"text": text},
                }
            )
            await sam.wait_for(type="ack")
        resumed, _ = await customer(
            server, conversation_id=conversation, token=token, resume_after=joined["seq"]
        )
        missed = [await resumed.receive() for _ in range(2)]
        assert [m["data"]["text"] for m in missed] == ["Are you there?", "I've refunded the order."]
        assert [m["seq"] for m in missed] == [joined["seq"] + 1, joined["seq"] + 2]


async def test_nobody_online_the_customer_is_told_and_leaves_a_contact(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        client, conversation = await waiting(server)
        notice = await client.wait_for(type="message", data_role="system")
        assert notice["data"]["offer_contact"] and "No one" in notice["data"]["text"]
        await client.send(
            {"type": "leave_contact", "client_msg_id": new_id(), "data": {"text": "call me"}}
        )
        assert (await client.wait_for(type="error"))["data"]["code"] == "no_contact"
        msg_id = new_id()
        await client.send(
            {
                "type": "leave_contact",
                "client_msg_id": msg_id,
                "data": {"text": "mail me at jo.pike@example.com please"},
            }
        )
        await client.wait_for(type="ack", data_client_msg_id=msg_id)
        ticket = await client.latest(type="ticket")
        assert ticket["data"]["contact"] == "<EMAIL_1>"
        assert "jo.pike" not in ticket["data"]["text"]

        sam = await agent(server, "t-sam")
        queue = (await sam.wait_for(type="queue"))["data"]["items"]
        assert [i["conversation_id"] for i in queue] == [conversation]
        assert queue[0]["status"] == "queued"


async def test_supervisors_watch_any_chat_and_see_the_roster(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        sam = await agent(server, "t-sam")
        alex = await agent(server, "t-alex")
        sue = await agent(server, "t-sup")
        client, conversation = await waiting(server)
        await act(sam, "claim", conversation)
        assert code(await act(alex, "watch", conversation)) == "forbidden"
        assert (await act(sue, "watch", conversation))["type"] == "ack"
        await sue.latest(type="conversation", conversation_id=conversation)
        await say(client, "thanks for picking this up")
        seen = await sue.wait_for(type="message", data_role="customer")
        assert seen["data"]["text"] == "thanks for picking this up"
        roster = await sue.latest(type="roster")
        async with asyncio.timeout(30):  # however many passes come meanwhile
            while {a["id"]: a for a in roster["data"]["agents"]}["sam"]["active"] != 1:
                roster = await sue.wait_for(type="roster")  # the pass after the claim
        people = {a["id"]: a for a in roster["data"]["agents"]}
        assert people["sam"]["status"] == "available" and people["sam"]["active"] == 1
        assert people["fran"]["status"] == "offline"
        assert (await act(alex, "presence", None, status="away"))["type"] == "ack"
        # A pass that began before the change may still send the roster it read then.
        async with asyncio.timeout(30):
            while {a["id"]: a["status"] for a in roster["data"]["agents"]}["alex"] != "away":
                roster = await sue.wait_for(type="roster")


async def test_auto_assignment_routes_to_the_fit_least_loaded_agent(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend, auto_assign=True) as server:
        sam = await agent(server, "t-sam")
        fran = await agent(server, "t-fran")
        await act(sam, "presence", None, status="available")
        fraud_client, fraud = await waiting(
            server, "fraud! someone hacked my account and bought stuff"
        )
        assigned = await fraud_client.wait_for(type="mode", data_mode="human")
        assert assigned["data"]["agent_id"] == "fran"
        await fran.latest(type="conversation", conversation_id=fraud)
        plain_client, plain = await waiting(server)
        assert (await plain_client.wait_for(type="mode", data_mode="human"))["data"][
            "agent_id"
        ] == "sam"
        await sam.latest(type="conversation", conversation_id=plain)


async def test_only_a_signed_profile_makes_a_customer_vip(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        sam = await agent(server, "t-sam")
        signature = hmac.new(b"site-secret", b"segment=vip", hashlib.sha256).hexdigest()
        _, signed = await waiting(server, profile={"segment": "vip"}, profile_signature=signature)
        entry = (await sam.wait_for(type="handoff", conversation_id=signed))["data"]["entry"]
        assert entry["priority"] == "high"
        assert entry["packet"]["customer"]["segment"] == "vip"
        _, forged = await waiting(server, profile={"segment": "vip"}, profile_signature="00")
        entry = (await sam.wait_for(type="handoff", conversation_id=forged))["data"]["entry"]
        assert entry["priority"] == "normal"


async def test_agents_label_the_bots_decisions_for_the_eval_suite(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        sam = await agent(server, "t-sam")
        _, conversation = await waiting(server, "how do I get a refund? I want a real person")
        await act(sam, "claim", conversation)
        labelled = await act(
            sam,
            "label",
            conversation,
            kind="bot_should_have_answered",
            article_id="request-a-refund",
            note="The refund article covers it.",
        )
        assert labelled["type"] == "ack" and labelled["data"]["label_id"] >= 1
        wrong = await act(sam, "label", conversation, kind="great")
        assert code(wrong) == "bad_frame"

        async with database(server.settings) as db:
            [scenario] = await export_scenarios(db, labeled_only=True)
        assert [t.say for t in scenario.turns] == ["how do I get a refund? I want a real person"]
        assert scenario.escalate_at is None, "the agent says the bot should have answered"
        assert scenario.tags == ["replay", "bot_should_have_answered"]
        assert scenario.turns[-1].expect.cite == ["request-a-refund"]


async def test_two_tabs_racing_transfer_and_resolve_never_lose_the_conversation(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        tab_one = await agent(server, "t-fran")
        tab_two = await agent(server, "t-fran")
        client, conversation = await waiting(server)
        await act(tab_one, "claim", conversation)
        await tab_one.send(
            {
                "type": "transfer",
                "conversation_id": conversation,
                "data": {"to_skill": "fraud", "note": "over to fraud"},
            }
        )
        await tab_two.send({"type": "resolve", "conversation_id": conversation, "data": {}})
        outcomes = []
        for tab, action in ((tab_one, "transfer"), (tab_two, "resolve")):
            while True:
                frame = await tab.receive()
                if frame["type"] == "ack" and frame["data"].get("action") == action:
                    outcomes.append("done")
                    break
                if frame["type"] == "error" and frame["data"].get("frame_type") == action:
                    outcomes.append(frame["data"]["code"])
                    break
        assert sorted(outcomes) == ["done", "not_assigned"]
        transferred = outcomes[0] == "done"
        final = await client.wait_for(
            type="mode", data_mode="queued" if transferred else "resolved"
        )
        assert final["data"].get("reason") == ("transfer" if transferred else None)
        sue = await agent(server, "t-sup")
        queue = (await sue.latest(type="queue"))["data"]["items"]
        waiting_now = [i["conversation_id"] for i in queue if i["status"] == "queued"]
        assert (conversation in waiting_now) == transferred, "mode and queue agree"


async def test_bad_text_in_agent_actions_is_refused_and_the_socket_stays(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        sam = await agent(server, "t-sam")
        _, conversation = await waiting(server)
        await act(sam, "claim", conversation)
        odd = await act(sam, "note", conversation, text="bad \ud800 text")
        assert odd["type"] in ("ack", "error"), "answered, not disconnected"
        assert code(await act(sam, "note", "c_missing", text="hello")) == "unknown_conversation"
        moved = await act(sam, "transfer", conversation, to_skill="juggling", note="x")
        assert code(moved) == "unknown_skill"
        assert (await act(sam, "note", conversation, text="still here"))["type"] == "ack"


async def test_an_agent_who_comes_back_gets_a_fresh_grace_period(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    clock = MovableClock()
    grace = 60.0
    async with desk(
        tmp_path, kb_snapshot, backend, clock, agent_reconnect_grace_seconds=grace
    ) as server:
        sue = await agent(server, "t-sup")  # sees on the roster when the server saw a close
        sam = await agent(server, "t-sam")
        client, conversation = await waiting(server)
        await act(sam, "claim", conversation)
        await on_roster(sue, "sam", online=True)
        await sam.close()
        await on_roster(sue, "sam", online=False)
        clock.advance(grace * 0.6)
        sam = await agent(server, "t-sam")
        await on_roster(sue, "sam", online=True)
        await sam.close()
        await on_roster(sue, "sam", online=False)
        clock.advance(grace * 0.6)
        # past the first timer, inside the second (the timers look every 0.2 s)
        await client.none_arrive(1.0, data_reason="agent_disconnected")
        clock.advance(grace * 0.6)
        back = await client.wait_for(type="mode", data_mode="queued", timeout=5)
        assert back["data"]["reason"] == "agent_disconnected"


def test_the_typical_wait_is_the_recent_median_per_priority_else_the_sla() -> None:
    sla: dict[Priority, float] = {"urgent": 2, "high": 5, "normal": 15, "low": 60}
    samples: list[tuple[Priority, float]] = [
        ("normal", 100),
        ("normal", 200),
        ("normal", 9000),  # one chat left overnight moves the median little
        ("high", 30),
        ("high", 50),
    ]
    typical = typical_waits(samples, sla)
    assert typical["normal"] == Wait(seconds=200, basis="recent_median")
    assert typical["high"] == Wait(seconds=300, basis="sla"), "two claims are too few to trust"
    assert typical["low"] == Wait(seconds=3600, basis="sla")


async def test_a_waiting_customer_is_told_the_expected_wait_while_someone_can_answer(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        alone, _ = await waiting(server)
        assert (await alone.latest(type="queue_position"))["data"] == {
            "position": 1,
            "expected_wait_seconds": None,
            "wait_basis": None,
        }, "nobody online: a position, no promise"

        sam = await agent(server, "t-sam")
        told = await alone.wait_for(type="queue_position", data_wait_basis="sla")
        assert 14 * 60 < told["data"]["expected_wait_seconds"] <= 15 * 60  # normal: 15 min SLA

        # three quick claims make a history: the median of what customers really waited
        for _ in range(3):
            _, conversation = await waiting(server)
            await act(sam, "claim", conversation)
            await act(sam, "resolve", conversation, disposition="resolved")
        told = await alone.wait_for(type="queue_position", data_wait_basis="recent_median")
        assert told["data"] == {
            "position": 1,
            "expected_wait_seconds": 60,  # claimed within seconds: never less than a minute
            "wait_basis": "recent_median",
        }

        assert (await act(sam, "presence", None, status="away"))["type"] == "ack"
        await alone.wait_for(type="queue_position", data_expected_wait_seconds=None)


async def test_the_expected_wait_counts_down_while_the_line_stands_still(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    """Nobody joins, leaves or is claimed: the customer is still told, minute by minute,
    what is left of the wait, not the first promise for as long as they wait. (The turn
    that completes the handoff's packet re-tells the line once, whenever it ends; two
    countdowns in a row cannot both come from it.)"""
    clock = MovableClock()
    async with desk(tmp_path, kb_snapshot, backend, clock) as server:
        await agent(server, "t-sam")
        alone, _ = await waiting(server)
        told = await alone.latest(type="queue_position", data_wait_basis="sla")
        assert 14 * 60 < told["data"]["expected_wait_seconds"] <= 15 * 60
        for minutes_left in (12, 9):
            clock.advance(3 * 60)  # short of a step of aging (5 min), which re-tells the line
            later = await alone.wait_for(type="queue_position", timeout=10)
            assert later["data"]["position"] == 1 and later["data"]["wait_basis"] == "sla"
            assert (
                (minutes_left - 1) * 60
                < later["data"]["expected_wait_seconds"]
                <= minutes_left * 60
            )
        await alone.none_arrive(1.0, type="queue_position")  # told once, not at every look


async def test_supervisors_get_a_live_dashboard_and_agents_do_not(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        sam = await agent(server, "t-sam")
        sue = await agent(server, "t-sup")
        first = await sue.latest(type="dashboard")
        assert first["data"]["waiting"] == 0 and first["data"]["escalations_today"] == []

        _, conversation = await waiting(server)
        board = await sue.wait_for(type="dashboard", data_waiting=1)
        assert board["data"]["modes"]["queued"] == 1 and len(board["data"]["waiting_since"]) == 1
        assert board["data"]["escalations_today"] == [
            {"code": "explicit_request", "words": "The customer asked for a person", "count": 1}
        ]

        await act(sam, "claim", conversation)
        board = await sue.wait_for(type="dashboard", data_with_agent=1)
        assert board["data"]["waiting"] == 0 and board["data"]["claimed_today"] == 1
        assert board["data"]["median_wait_today_seconds"] is not None
        assert board["data"]["modes"]["human"] == 1
        await sam.none_arrive(0.5, type="dashboard")


def requeued(frame: dict[str, Any], conversation_id: str) -> bool:
    """A `handoff` frame of a conversation that went back in line."""
    entry = frame["data"].get("entry") or {}
    return (
        frame["type"] == "handoff"
        and entry.get("conversation_id") == conversation_id
        and bool(entry.get("requeued_at"))
    )


async def test_a_transfer_keeps_the_customers_wait_and_sla_and_records_its_own_time(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        sam, alex = [await agent(server, t) for t in ("t-sam", "t-alex")]
        _, conversation = await waiting(server, "my parcel never arrived, let me talk to a person")

        # any agent reads a waiting conversation before claiming it, without following it
        await alex.send({"type": "preview", "conversation_id": conversation, "data": {}})
        preview = await alex.wait_for(type="preview", conversation_id=conversation)
        said = [e["data"]["text"] for e in preview["data"]["events"] if e["type"] == "message"]
        assert "my parcel never arrived, let me talk to a person" in said

        before = (await sam.latest(type="handoff", conversation_id=conversation))["data"]["entry"]
        assert (await act(sam, "claim", conversation))["type"] == "ack"
        assert code(await act(alex, "preview", conversation)) == "not_queued"
        assert (await act(sam, "transfer", conversation, to_agent="alex", note="Yours."))[
            "type"
        ] == "ack"
        while not (moved := [f for f in sam.frames[-50:] if requeued(f, conversation)]):
            await sam.receive()
        after = moved[-1]["data"]["entry"]
        assert after["waiting_since"] == before["waiting_since"]
        assert after["sla_deadline"] == before["sla_deadline"]
        assert before["requeued_at"] is None and after["requeued_at"] > before["waiting_since"]


async def test_the_supervisors_page_reads_the_floor_and_takes_no_work(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    async with desk(tmp_path, kb_snapshot, backend) as server:
        sam = await agent(server, "t-sam")
        page = await connect(server.ws_url + "/v1/agent")
        await page.send({"type": "hello", "data": {"token": "t-sup", "view": "supervisor"}})
        welcome = await page.wait_for(type="welcome")
        assert welcome["data"]["view"] == "supervisor" and welcome["data"]["can_reveal"]
        board = await page.wait_for(type="dashboard")
        assert {a["id"]: a["status"] for a in board["data"]["agents"]}["sup"] == "offline"
        assert code(await act(page, "claim_next", None)) == "read_only"

        _, conversation = await waiting(server)
        assert (await page.wait_for(type="dashboard", data_waiting=1))["data"]["waiting"] == 1
        assert (await act(sam, "claim", conversation))["type"] == "ack"
        await act(sam, "resolve", conversation)
        # waiting=0 too: a dashboard from before the claim (waiting 1, with agent 0) may
        # still be unread, and the SLA watch sends one every check
        board = await page.wait_for(type="dashboard", data_waiting=0, data_with_agent=0)
        sam_row = next(a for a in board["data"]["agents"] if a["id"] == "sam")
        assert sam_row["handled_today"] == 1 and sam_row["mean_handle_seconds"] is not None
        hours = board["data"]["reasons_by_hour"]
        assert hours[-1]["reasons"] == {"explicit_request": 1} and hours[-1]["handoffs"] == 1
        assert board["data"]["conversations_today"] == 1
        assert board["data"]["ai_resolution_rate"] == 0

        plain = await connect(server.ws_url + "/v1/agent")
        await plain.send({"type": "hello", "data": {"token": "t-sam", "view": "supervisor"}})
        assert code(await plain.wait_for(type="error")) == "forbidden"


async def test_changes_that_keep_coming_are_announced_a_tenth_of_a_second_apart(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """Each pass over the queue reads the whole line; changes made while one runs wait for
    the next, which starts no sooner than `ANNOUNCE_EVERY_S` after it (back to back, a
    stream of handoffs made the serving process's work grow with the line's square)."""
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        broadcast = runtime.service.broadcast
        loop = asyncio.get_running_loop()
        starts: list[float] = []
        five = asyncio.Event()
        read = broadcast.queue.open_entries

        async def a_change_during_each_pass() -> list[QueueEntry]:
            starts.append(loop.time())
            if len(starts) < 5:
                broadcast.announce()
            else:
                five.set()
            return await read()

        broadcast.queue.open_entries = a_change_during_each_pass  # type: ignore[method-assign]
        broadcast.announce()
        await asyncio.wait_for(five.wait(), timeout=10)
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert len(gaps) == 4 and min(gaps) >= ANNOUNCE_EVERY_S * 0.99, gaps


async def test_a_pass_looks_again_only_at_entries_that_changed_or_aged(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass compares the line with what agents were last sent. An entry whose row did
    not change is not looked at again (its priority after aging, its reservation) until
    its next aging step: every pass computed every entry's priority again, over a line two
    thousand long under load. Agents still get each entry again once it has aged."""
    clock = MovableClock()
    computed: list[str] = []
    priority = routing.effective_priority

    def counted(entry: QueueEntry, now: Any, aging_minutes: float) -> int:
        computed.append(entry.conversation_id)
        return priority(entry, now, aging_minutes)

    monkeypatch.setattr(broadcasting, "effective_priority", counted)
    async with running(make_settings(tmp_path, kb_snapshot), clock=clock) as runtime:
        service = runtime.service
        frames: asyncio.Queue[ServerFrame] = asyncio.Queue()

        async def a_pass() -> list[ServerFrame]:
            """What one pass tells agents of the queue, up to the roster it sends last
            (the conversations' own events reach agents on the same topic)."""
            service.broadcast.announce()
            sent: list[ServerFrame] = []
            while not sent or sent[-1].type != "roster":
                frame = await asyncio.wait_for(frames.get(), 10)
                if frame.type in ("queue_update", "roster"):
                    sent.append(frame)
            return sent

        with service.broadcast.bus.subscribe(bus.AGENTS, frames):
            for _ in range(3):
                conversation = await service.start()
                await service.request_human(conversation.id, new_id())
            await service.drain()  # the presses' turns have completed their packets
            for _ in range(5):  # passes scheduled by those changes may still be due
                if [f.type for f in await a_pass()] == ["roster"]:
                    break
            before = {
                i["conversation_id"]: i["effective_priority"]
                for i in (await service.broadcast.queue_frame()).data["items"]
            }
            computed.clear()
            assert [f.type for f in await a_pass()] == ["roster"]
            assert computed == []

            clock.advance(service.settings.policy.queue.aging_minutes * 60 + 1)
            aged = [f for f in await a_pass() if f.type == "queue_update"]
            changed = {
                i["conversation_id"]: i["effective_priority"] for i in aged[0].data["changed"]
            }
            assert changed == {conversation: rank + 1 for conversation, rank in before.items()}


@asynccontextmanager
async def quiet_line(
    tmp_path: Path, kb_snapshot: Path, clock: MovableClock, **queue: Any
) -> AsyncIterator[tuple[Any, asyncio.Queue[ServerFrame]]]:
    """A service whose timers look at `clock` every 0.2 s, with what it sends agents."""
    policy = Settings().policy.model_copy(
        update={
            "business_hours": None,
            "queue": QueuePolicy.model_validate({"sla_check_seconds": 0.2} | queue),
        }
    )
    settings = make_settings(tmp_path, kb_snapshot, agents=AGENTS, policy=policy)
    async with running(settings, clock=clock) as runtime:
        frames: asyncio.Queue[ServerFrame] = asyncio.Queue()
        with runtime.service.broadcast.bus.subscribe(bus.AGENTS, frames):
            yield runtime, frames


async def settled(runtime: Any, frames: asyncio.Queue[ServerFrame]) -> dict[str, dict[str, Any]]:
    """The queue as agents hold it once nothing is left to tell them (passes scheduled by
    earlier changes may still be due): its entries by conversation."""
    await runtime.service.drain()  # a press's turn completes its packet
    while True:
        runtime.service.broadcast.announce()
        sent = [(await asyncio.wait_for(frames.get(), 10)).type]
        while sent[-1] != "roster":
            sent.append((await asyncio.wait_for(frames.get(), 10)).type)
        broadcast = runtime.service.broadcast  # and no pass is due or running since
        if "queue_update" not in sent and not (
            broadcast._announcing or broadcast._passing.locked()
        ):
            items = (await runtime.service.broadcast.queue_frame()).data["items"]
            return {item["conversation_id"]: item for item in items}


async def next_change(frames: asyncio.Queue[ServerFrame]) -> dict[str, Any]:
    """The one entry the next queue update sends agents again."""
    while (frame := await asyncio.wait_for(frames.get(), 10)).type != "queue_update":
        pass
    (changed,) = frame.data["changed"]
    return dict(changed)


async def test_agents_see_a_conversation_age_while_the_line_stands_still(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """Nobody joins, leaves or is claimed: a conversation that has waited a step of aging
    is sent to agents again with its raised priority (their console orders and badges the
    line by it), not left as it was when the line last changed, however long it stays
    quiet."""
    clock = MovableClock()
    async with quiet_line(tmp_path, kb_snapshot, clock) as (runtime, frames):
        conversation = await runtime.service.start()
        await runtime.service.request_human(conversation.id, new_id())
        item = (await settled(runtime, frames))[conversation.id]
        clock.advance(runtime.settings.policy.queue.aging_minutes * 60 + 1)
        aged = await next_change(frames)
        assert aged["conversation_id"] == conversation.id
        assert aged["effective_priority"] == item["effective_priority"] + 1


async def test_agents_see_a_reservation_run_out_while_the_line_stands_still(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """A conversation transferred to a named colleague shows "Reserved for" them; once
    the reservation has run out, agents are told it waits for anyone, though nothing else
    happened in the line."""
    clock = MovableClock()
    async with quiet_line(tmp_path, kb_snapshot, clock, aging_minutes=600) as (runtime, frames):
        conversation = await runtime.service.start()
        await runtime.service.request_human(conversation.id, new_id())
        await runtime.service.drain()
        assert await runtime.agents.claim(AGENTS[0], conversation.id)
        await runtime.agents.transfer(AGENTS[0], conversation.id, "over to you", "sam", None)
        assert (await settled(runtime, frames))[conversation.id]["reserved_for"] == "Sam"
        clock.advance(runtime.settings.policy.queue.preferred_agent_minutes * 60 + 1)
        lapsed = await next_change(frames)
        assert lapsed["conversation_id"] == conversation.id and lapsed["reserved_for"] is None


async def test_a_lapsed_reservation_is_auto_assigned_while_the_line_stands_still(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """With auto-assignment, a conversation reserved for a colleague who is online but
    full waits for them; once the reservation has run out it goes to a free fit agent,
    though nothing else happened in the line (the customer waited on while Sam sat idle)."""
    clock = MovableClock()
    alex, sam = AGENTS[0], AGENTS[1]
    async with quiet_line(tmp_path, kb_snapshot, clock, aging_minutes=600, auto_assign=True) as (
        runtime,
        frames,
    ):
        service, agents = runtime.service, runtime.agents
        for account in (alex, sam):
            agents.signed_in(account)
        await agents.set_status(sam, "away")
        first = await service.start()
        await service.request_human(first.id, new_id())  # auto-assigned to Alex: he is full
        second = await service.start()
        await service.request_human(second.id, new_id())
        await service.drain()
        assert await agents.claim(sam, second.id)
        await agents.transfer(sam, second.id, "Alex knows this one", "alex", None)
        taken: asyncio.Queue[ServerFrame] = asyncio.Queue()
        with service.broadcast.bus.subscribe(bus.agent_topic("sam"), taken):
            await agents.set_status(sam, "available")
            assert (await settled(runtime, frames))[second.id]["reserved_for"] == "Alex"
            clock.advance(runtime.settings.policy.queue.preferred_agent_minutes * 60 + 1)
            while (frame := await asyncio.wait_for(taken.get(), 10)).type != "conversation":
                pass
            assert frame.conversation_id == second.id
