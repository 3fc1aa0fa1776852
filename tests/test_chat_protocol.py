"""The customer socket over real WebSockets: answers, resume, idempotency, bad input."""

import json
from typing import Any

from conftest import RunningServer, agent, ask, customer, new_id, say


async def test_refund_question_gets_cited_answer_from_refund_article(server: RunningServer) -> None:
    client, welcome = await customer(server)
    assert welcome["type"] == "welcome" and welcome["data"]["mode"] == "bot"
    _, reply = await ask(client, "how do I get a refund?")
    urls = [c["url"] for c in reply["data"]["citations"]]
    assert urls[0] == "https://help.lumenhome.example/articles/request-a-refund"
    assert "How to request a refund" in reply["data"]["text"]
    assert "Return or refund" in reply["data"]["text"]
    await client.close()


async def test_a_question_carrying_a_card_number_is_answered_as_it_is_without_it(
    server: RunningServer,
) -> None:
    client, _ = await customer(server)
    _, reply = await ask(client, "My card is 4012 8888 8888 1881, how do I get a refund?")
    urls = [c["url"] for c in reply["data"]["citations"]]
    assert urls and "couldn't find that" not in reply["data"]["text"], reply["data"]["text"]
    assert "refund" in urls[0]
    await client.close()


async def test_unanswerable_question_says_it_does_not_know(server: RunningServer) -> None:
    client, _ = await customer(server)
    _, reply = await ask(client, "what's the airspeed velocity of an unladen swallow?")
    assert "couldn't find that" in reply["data"]["text"]
    assert reply["data"]["citations"] == []
    await client.close()


async def test_resume_after_returns_exactly_the_missed_events(server: RunningServer) -> None:
    client, welcome = await customer(server)
    conversation_id, token = welcome["conversation_id"], welcome["data"]["token"]
    await client.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
    queued = await client.wait_for(type="mode", data_mode="queued")
    console = await agent(server)
    await console.send({"type": "claim", "conversation_id": conversation_id})
    joined = await client.wait_for(type="mode", data_mode="human")
    last_seen = joined["seq"]
    assert last_seen > queued["seq"]
    await client.close()

    sent_while_away = []
    for text in ("Hi, I'm Alex from Lumen Home.", "I can see your question about refunds."):
        msg_id = new_id()
        await console.send(
            {
                "type": "message",
                "conversation_id": conversation_id,
                "client_msg_id": msg_id,
                "data": {"text": text},
            }
        )
        ack = await console.wait_for(type="ack", data_client_msg_id=msg_id)
        sent_while_away.append(ack["data"]["seq"])

    back, welcome = await customer(
        server, conversation_id=conversation_id, token=token, resume_after=last_seen
    )
    assert welcome["data"]["mode"] == "human"
    replayed = [await back.receive() for _ in sent_while_away]
    assert [f["seq"] for f in replayed] == sent_while_away == [last_seen + 1, last_seen + 2]
    assert [f["data"]["role"] for f in replayed] == ["agent", "agent"]
    await back.send({"type": "ping"})
    assert (await back.receive())["type"] == "pong", "nothing beyond the missed events"

    everything, _ = await customer(server, conversation_id=conversation_id, token=token)
    history = [await everything.receive() for _ in range(sent_while_away[-1])]
    assert [f["seq"] for f in history] == list(range(1, sent_while_away[-1] + 1))
    for socket in (back, everything, console):
        await socket.close()


async def test_resent_client_msg_id_is_stored_once(server: RunningServer) -> None:
    client, welcome = await customer(server)
    msg_id = new_id()
    first, reply = await ask(client, "How long does shipping take?", msg_id)
    second = await say(client, "How long does shipping take?", msg_id)
    assert second["data"] == {**first["data"], "duplicate": True}
    await client.close()

    again, _ = await customer(
        server,
        conversation_id=welcome["conversation_id"],
        token=welcome["data"]["token"],
        resume_after=reply["seq"],
    )
    third = await say(again, "How long does shipping take?", msg_id)
    assert third["data"]["seq"] == first["data"]["seq"] and third["data"]["duplicate"]

    history, _ = await customer(
        server, conversation_id=welcome["conversation_id"], token=welcome["data"]["token"]
    )
    await history.send({"type": "ping"})
    frames = []
    while (frame := await history.receive())["type"] != "pong":
        frames.append(frame)
    customer_messages = [f for f in frames if f["data"].get("role") == "customer"]
    bot_messages = [f for f in frames if f["data"].get("role") == "bot"]
    assert len(customer_messages) == 1 and len(bot_messages) == 1
    for socket in (again, history):
        await socket.close()


async def test_bad_frames_get_errors_and_the_socket_and_data_survive(
    server: RunningServer,
) -> None:
    client, _ = await customer(server)
    stored = await say(client, "Where is my parcel?")

    await client.send("{not json")
    assert (await client.wait_for(type="error"))["data"]["code"] == "bad_json"
    await client.send(
        json.dumps({"type": "message", "client_msg_id": new_id(), "data": {"text": "x" * 100_000}})
    )
    assert (await client.wait_for(type="error"))["data"]["code"] == "frame_too_large"
    await client.socket.send(b"\x00\x01binary")
    assert (await client.wait_for(type="error"))["data"]["code"] == "binary_not_supported"
    await client.send({"type": "message", "client_msg_id": new_id(), "data": {"text": 42}})
    error = await client.wait_for(type="error")
    assert error["data"]["code"] == "bad_frame" and "text" in error["data"]["message"]
    await client.send({"type": "teleport", "data": {}})
    assert (await client.wait_for(type="error"))["data"]["code"] == "bad_frame"
    await client.send({"type": "message", "data": {"text": "no id"}})
    assert (await client.wait_for(type="error"))["data"]["code"] == "bad_frame"
    await client.send({"type": "message", "client_msg_id": new_id(), "data": {"text": "y" * 5000}})
    assert (await client.wait_for(type="error"))["data"]["code"] == "message_too_long"
    await client.send({"type": "message", "client_msg_id": new_id(), "data": {"text": " \u200b "}})
    assert (await client.wait_for(type="error"))["data"]["code"] == "empty_message"
    await client.send({"type": "hello", "data": {}})
    assert (await client.wait_for(type="error"))["data"]["code"] == "already_started"

    after = await say(client, "Thanks!")
    assert after["data"]["seq"] > stored["data"]["seq"]
    await client.close()


async def test_unknown_conversation_gets_error_then_a_fresh_start_works(
    server: RunningServer,
) -> None:
    client, error = await customer(server, conversation_id="c_doesnotexist", token="nope")
    assert error["type"] == "error" and error["data"]["code"] == "unknown_conversation"
    await client.send({"type": "message", "client_msg_id": new_id(), "data": {"text": "hi"}})
    assert (await client.wait_for(type="error"))["data"]["code"] == "hello_first"
    await client.send({"type": "hello", "data": {}})
    welcome = await client.wait_for(type="welcome")
    assert welcome["conversation_id"].startswith("c_")
    await say(client, "hello")
    await client.close()


async def test_a_valid_id_with_a_wrong_token_is_refused(server: RunningServer) -> None:
    owner, welcome = await customer(server)
    await say(owner, "my order is late")
    intruder, error = await customer(
        server, conversation_id=welcome["conversation_id"], token="0" * 32
    )
    assert error["data"]["code"] == "unknown_conversation"
    for socket in (owner, intruder):
        await socket.close()


async def test_a_resent_press_is_acknowledged_once_even_past_a_flood(
    server: RunningServer,
) -> None:
    """ "Talk to a person" sent again (a reconnecting widget) is the same press: the same
    seq, marked a duplicate, one handoff; and still so once the flood window is full."""
    client, _ = await customer(server)
    press = new_id()

    async def pressed() -> dict[str, Any]:
        await client.send({"type": "request_human", "client_msg_id": press, "data": {}})
        ack: dict[str, Any] = await client.wait_for(type="ack", data_client_msg_id=press)
        return ack

    first = await pressed()
    again = await pressed()
    assert again["data"] == {**first["data"], "duplicate": True}
    for i in range(server.settings.limits.flood_messages - 1):
        await say(client, f"still there? {i}")
    await client.send({"type": "message", "client_msg_id": new_id(), "data": {"text": "more"}})
    assert (await client.wait_for(type="error"))["data"]["code"] == "rate_limited"
    past_flood = await pressed()
    assert past_flood["data"] == {**first["data"], "duplicate": True}
    console = await agent(server)
    await console.send({"type": "claim_next"})
    assert (await console.wait_for(type="ack", data_action="claim_next"))["data"]["taken"]
    await console.send({"type": "claim_next"})
    assert not (await console.wait_for(type="ack", data_action="claim_next"))["data"]["taken"]
    for socket in (client, console):
        await socket.close()


async def test_a_flood_of_messages_is_refused_and_resends_still_work(server: RunningServer) -> None:
    client, _ = await customer(server)
    first = new_id()
    limit = server.settings.limits.flood_messages
    for i in range(limit):
        await say(client, f"message {i}", first if i == 0 else None)
    await client.send({"type": "message", "client_msg_id": new_id(), "data": {"text": "more"}})
    refused = await client.wait_for(type="error")
    assert refused["data"]["code"] == "rate_limited"
    resent = await say(client, "message 0", first)
    assert resent["data"]["duplicate"] is True
    await client.close()
