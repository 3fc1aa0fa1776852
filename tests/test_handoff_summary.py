"""The handoff card's summary as the agent reads it: the need that brought the customer,
and only real questions left open."""

from datetime import UTC, datetime
from typing import Any

from warmline.agent.decision import EscalationDecision
from warmline.config import Settings
from warmline.handoff.summary import build_packet

ANSWER = "From \u201cAccepted payment methods\u201d: We accept cards, PayPal and Klarna."
NOT_FOUND = "I couldn't find that in our help center."


def _summary(turns: list[tuple[str, str]]) -> Any:
    messages = [
        {"role": role, "text": text, "seq": seq} for seq, (role, text) in enumerate(turns, 1)
    ]
    packet = build_packet(
        "c_1",
        {"messages": messages, "sentiments": [], "articles_shown": []},
        EscalationDecision(escalate=True),
        [],
        Settings().policy.queue.sla_minutes,
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return packet.summary


def test_the_goal_is_the_need_the_bot_could_not_meet_not_the_last_question() -> None:
    summary = _summary(
        [
            ("customer", "The lens on my Lumen Cam is cracked, how do I get it replaced?"),
            ("bot", NOT_FOUND),
            ("customer", "I already did all that yesterday."),
            ("bot", NOT_FOUND),
            ("customer", "Can I pay with PayPal?"),
            ("bot", ANSWER),
            ("customer", "talk to a human"),
        ]
    )
    assert summary.customer_goal == "how do I get it replaced?"
    assert summary.open_questions == [
        "The lens on my Lumen Cam is cracked, how do I get it replaced?"
    ]


def test_open_questions_hold_questions_even_without_a_question_mark() -> None:
    summary = _summary(
        [
            ("customer", "My order never arrived. Where is my parcel"),
            ("bot", NOT_FOUND),
            ("customer", "I already did all that yesterday. ¿Puedo pedir un reembolso?"),
            ("bot", NOT_FOUND),
        ]
    )
    assert summary.open_questions == ["Where is my parcel", "¿Puedo pedir un reembolso?"]
    assert summary.customer_goal == "My order never arrived."


def test_when_every_question_was_answered_the_goal_is_the_latest_need() -> None:
    summary = _summary(
        [
            ("customer", "Can I pay with PayPal?"),
            ("bot", ANSWER),
            ("customer", "I need to change the card on my Lumen Plus plan."),
            ("bot", ANSWER),
            ("customer", "talk to a human"),
        ]
    )
    assert summary.customer_goal == "I need to change the card on my Lumen Plus plan."
    assert summary.open_questions == []


def test_a_need_and_a_request_for_a_person_in_one_message_gives_the_need() -> None:
    summary = _summary(
        [
            ("customer", "how do I get a refund?"),
            ("bot", ANSWER),
            (
                "customer",
                "The refund never arrived and I was charged twice. I want to talk to a person.",
            ),
        ]
    )
    assert summary.customer_goal == "The refund never arrived and I was charged twice."


def test_facts_name_each_kind_of_masked_detail_in_words() -> None:
    summary = _summary(
        [
            ("customer", "I'm <HANDLE_1> on Instagram, born <DOB_1>, living at <ADDRESS_1>."),
            ("bot", NOT_FOUND),
        ]
    )
    assert summary.facts_collected[:3] == [
        "social media handle: <HANDLE_1>",
        "date of birth: <DOB_1>",
        "address: <ADDRESS_1>",
    ]


def test_thanks_before_a_new_need_leave_the_need_as_the_goal() -> None:
    summary = _summary(
        [
            ("customer", "Hi, how do I return a Lumen Bulb?"),
            ("bot", ANSWER),
            (
                "customer",
                "Thanks. Separately, I'd like to raise a complaint about the agent who "
                "called me back on 3 June.",
            ),
        ]
    )
    assert summary.customer_goal == (
        "I'd like to raise a complaint about the agent who called me back on 3 June."
    )


def test_an_amount_in_the_goal_stays_whole() -> None:
    summary = _summary([("customer", "I was charged $12.99 twice. Why?"), ("bot", NOT_FOUND)])
    assert summary.customer_goal == "I was charged $12.99 twice."


def test_an_amount_or_a_version_in_a_stated_wish_stays_whole() -> None:
    refund = _summary([("customer", "I want a refund of $49.99 for order 77."), ("bot", NOT_FOUND)])
    assert refund.customer_goal == "I want a refund of $49.99 for order 77."
    band = _summary(
        [("customer", "Thanks. How do I get the 2.4 GHz band back?"), ("bot", NOT_FOUND)]
    )
    assert band.customer_goal == "How do I get the 2.4 GHz band back?"


def test_a_need_that_opens_with_an_acknowledgement_is_the_goal() -> None:
    summary = _summary(
        [
            ("customer", "My router is fine."),
            ("bot", ANSWER),
            ("customer", "Cool, now I need the invoice for order 5521."),
        ]
    )
    assert summary.customer_goal == "I need the invoice for order 5521."


def test_a_wish_said_with_i_d_like_is_the_goal() -> None:
    summary = _summary(
        [
            ("customer", "My Lumen Bulb arrived cracked. I'd like a replacement for order 5521."),
            ("bot", NOT_FOUND),
        ]
    )
    assert summary.customer_goal == "I'd like a replacement for order 5521."
