"""Requests for a person in wordings the rules missed, and what reads like one but is not.

Every wording here was written for these tests (none is a row of any evaluation set): the
rules must hear a request on their own, since the request model reads English only and
carries less well to wordings far from its training sets; and the model must stay silent
on a subject to talk about, a head count or a question about who runs the bot.
"""

import pytest

from warmline.guardrails.human_request import detect_human_request
from warmline.guardrails.spelling import fold
from warmline.retrieval.embedder import Embedder


def rules_hear(text: str) -> bool:
    return detect_human_request(fold(text)).fired()


def heard(text: str) -> bool:
    """The product's reading: the rules, then the model on the message's embedding."""
    return detect_human_request(fold(text), Embedder().embed_query(text)).fired()


@pytest.mark.parametrize(
    "text",
    [
        # "on the phone" or "on the line" is how one is reached, not a day.
        "is an advisor available on the phone?",
        "are any of your agents available on the line right now",
        # Passed on to one.
        "pass me on to a human",
        "could you put me on with someone from billing",
        # A word with one, wanted.
        "I want a quick word with a supervisor",
        "we need a word with the person in charge",
        # Liked as wanted.
        "I'd like a human to go through my refund",
        "I would like an agent to review my complaint",
        # Hearing back from one.
        "can someone get back to me about the missing parcel",
        "could one of your staff contact me today",
        # Asked to call, the whole message.
        "please call me",
        "could you ring me tomorrow?",
        # Whom the customer can talk to.
        "who can I speak to about my claim?",
        "anyone we could speak with please",
        "anybody we can talk to?",
        # Asked first.
        "please escalate",
        "please, agent",
        # A bare person word after a contact retold and when, with no stop between.
        "I called yesterday agent",
        "emailed you twice already human",
        "I phoned last week operator",
        # Put through, or a word or a contact with whoever: hotels' and banks' departments.
        "could you put me through to room service",
        "can I have a quick word with the chef",
        "please put me in touch with the spa",
        # Asked about the customer's matter, or whether one is around.
        "can I ask a person about my overdraft",
        "is the supervisor around?",
    ],
)
def test_requests_the_rules_hear_on_their_own(text: str) -> None:
    assert rules_hear(text)


@pytest.mark.parametrize(
    "text",
    [
        # A role the customer holds, given alone as an answer.
        "Founder",
        "the owner",
        "developers",
        "CEO",
        # A booking's head count.
        "a room for three persons please",
        "two people now",
        # Who is behind the bot.
        "is there a human who programmed you?",
        "is there somebody behind this chat",
    ],
)
def test_roles_head_counts_and_the_bots_maker_are_no_request_to_the_rules(text: str) -> None:
    assert not rules_hear(text)


@pytest.mark.parametrize(
    "text",
    [
        # Wished for, or whom named after a wish.
        "Ich hätte gern mit einem Berater gesprochen",
        "Ich will den Chef sprechen",
        "Mit wem könnte ich reden?",
        # Asked how, or "please" first.
        "¿Cómo hablo con un asesor?",
        "Por favor, una persona",
    ],
)
def test_requests_in_german_and_spanish_the_rules_hear(text: str) -> None:
    assert rules_hear(text)


@pytest.mark.parametrize(
    "text",
    [
        # Beside the wider rules above, as before: a call the customer had, a name to be
        # called, whom to contact for a thing (a way, which the bot can give).
        "I had a man contact me about a prize",
        "call me Sam",
        "who do I contact for a lost passport",
        "transfer me to my savings",
        "I asked someone about it yesterday",
        "Ich hatte mit einem Mitarbeiter gesprochen",
        "Hablo con una persona cada semana",
    ],
)
def test_a_call_had_a_name_or_whom_to_contact_stays_with_the_bot(text: str) -> None:
    assert not rules_hear(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'd like to talk about my invoice",
        "I would like to talk about my refund",
        "I'd like to speak about a problem with my order",
        "only one person",
        "is there a person who runs you",
        "is there someone behind this bot?",
        "are there people who made you",
    ],
)
def test_a_subject_a_head_count_or_the_bots_maker_is_no_request_to_the_model(text: str) -> None:
    assert not heard(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'd like to talk about my invoice with someone",
        "can I speak to a person about the delivery date",
    ],
)
def test_a_subject_with_a_person_named_is_still_a_request(text: str) -> None:
    assert heard(text)
