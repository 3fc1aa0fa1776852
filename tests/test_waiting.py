"""While a customer waits: the graph answers what the help center knows or stays quiet,
the acknowledgement's words, and the agent's typing reaching only their own customer."""

from typing import Any

import pytest
from conftest import Backend, RunningServer, agent, customer, new_id
from langgraph.checkpoint.memory import InMemorySaver
from test_graph import ARTICLE, stub_context
from test_turn_limit import POLICY

from warmline.agent.graph import ConversationGraph
from warmline.agent.state import Mode, TurnInput
from warmline.conversation.protocol import QueuePositionData
from warmline.conversation.waiting_words import waiting_words
from warmline.retrieval.store import Hit

KNOWN = "where do I report a charge I don't recognise?"


async def search(query: str) -> list[Hit]:
    """The stub help center knows one thing."""
    return [Hit(chunk=ARTICLE, score=0.9, dense=0.9, lexical=0.9)] if query == KNOWN else []


class Chat:
    def __init__(self) -> None:
        self.graph = ConversationGraph(stub_context(search, POLICY.assess), InMemorySaver())
        self.seq = 0

    async def say(self, text: str, mode: Mode, force_human: bool = False) -> dict[str, Any]:
        self.seq += 1
        turn = TurnInput(seq=self.seq, text=text, mode=mode, force_human=force_human)
        state = await self.graph.run("c1", turn)
        outcome: dict[str, Any] = state["outcome"]
        return outcome


async def test_while_waiting_the_bot_answers_only_what_it_knows_until_asked_to_stop() -> None:
    chat = Chat()
    answered = await chat.say(KNOWN, "queued")
    assert answered["kind"] == "reply" and answered["while_waiting"] is True
    assert "Report" in answered["text"] and answered["citations"]
    assert (await chat.say("what's the capital of Mongolia?", "queued"))["kind"] == "silent"
    assert (await chat.say("thanks", "queued"))["kind"] == "silent", "no small talk in line"
    assert (await chat.say("please stop answering", "queued"))["kind"] == "silent"
    assert (await chat.say(KNOWN, "queued"))["kind"] == "silent", "it stays quiet after"
    assert (await chat.say("hi", "human"))["kind"] == "silent"
    back = await chat.say(KNOWN, "bot")
    assert back["kind"] == "reply" and back["while_waiting"] is False
    # escalated again later: the bot answers in line again until told otherwise
    assert (await chat.say("x", "queued", force_human=True))["kind"] == "silent"
    assert (await chat.say(KNOWN, "queued"))["kind"] == "silent"


async def test_a_handoff_is_never_followed_by_answers_in_the_same_turn() -> None:
    chat = Chat()
    handoff = await chat.say("I want to talk to a person", "bot")
    assert handoff["kind"] == "escalate"
    assert (await chat.say(KNOWN, "queued"))["while_waiting"] is True


def test_the_acknowledgement_says_place_wait_and_what_the_bot_does() -> None:
    place = QueuePositionData(position=3, expected_wait_seconds=61, wait_basis="sla")
    assert waiting_words(place, answering=True) == (
        "Got it. You're number 3 in line. Expected wait: about 2 min. Meanwhile the "
        "assistant answers what it can from our help center; press \u201cTalk to a person\u201d "
        "if you'd rather only a person answered."
    )
    nobody = QueuePositionData(position=1)
    assert waiting_words(nobody, answering=False) == (
        "Got it. You're number 1 in line. No one from our team is online right now; you keep "
        "your place. The assistant will leave the answers to our team."
    )
    assert waiting_words(None, answering=False).startswith("Got it. A member of our team")


@pytest.fixture(scope="module")
def backend() -> Backend:
    return Backend("embedded")


async def queued(server: RunningServer) -> tuple[Any, str]:
    client, welcome = await customer(server)
    await client.send({"v": 1, "type": "request_human", "client_msg_id": new_id(), "data": {}})
    await client.wait_for(type="mode", data_mode="queued")
    return client, welcome["conversation_id"]


async def test_the_agents_typing_reaches_their_customer_once_and_no_one_elses(
    server: RunningServer,
) -> None:
    mine, mine_id = await queued(server)
    other, other_id = await queued(server)
    desk = await agent(server)
    await desk.send({"v": 1, "type": "claim", "conversation_id": mine_id})
    await mine.wait_for(type="mode", data_mode="human")

    await desk.send({"v": 1, "type": "typing", "conversation_id": other_id, "data": {}})
    refused = await desk.wait_for(type="error")
    assert refused["data"]["code"] == "not_assigned"
    await other.none_arrive(0.5, type="typing")

    for _ in range(3):  # a console sending on every key stroke
        await desk.send({"v": 1, "type": "typing", "conversation_id": mine_id, "data": {}})
    typing = await mine.wait_for(type="typing")
    assert typing["data"] == {"who": "agent", "agent_name": "Demo Agent"}
    await mine.none_arrive(0.5, type="typing")
    for client in (mine, other, desk):
        await client.close()
