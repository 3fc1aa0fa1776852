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
        # Put through to whoever: hotels' and banks' departments; a word or a contact with
        # staff or a desk (with the chef or a venue: see test_judgement.py).
        "could you put me through to room service",
        "can I have a quick word with the duty manager",
        "please put me in touch with the front desk",
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
        # Who made the bot.
        "is there a human who programmed you?",
        "are there people who built this chat",
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
        "a room for 3 people",
        "is there a person who designed you",
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


@pytest.mark.parametrize(
    "text",
    [
        # Liked, but a hotel's or a shop's service, a plan or an errand, not a person to
        # talk to.
        "I'd like housekeeping to skip my room tomorrow",
        "I'd like the concierge to book me a taxi",
        "I'd like the front desk to hold my luggage",
        "I'd like a team plan for 5 users",
        "I'd like a staff discount",
        "I'd like someone else to be able to collect my parcel",
        "I'd like a receptionist job application form",
        "I would like the reception to print my boarding pass",
        # In touch with whoever, the customer's own errand.
        "How do I get in touch with the seller?",
        "How do I get in touch with the driver?",
        "How can I get in touch with the airline?",
        "I'll be in touch with the landlord",
        "we need to get in touch with the school about the trip",
        # Asking someone about it, planned, another's or advised.
        "I'm going to ask someone about it at the pharmacy",
        "My wife will ask someone about it at the branch",
        "Should I ask somebody about the warranty in the store",
        "Your FAQ says to ask an agent about exchange rates, what are they today?",
        "my son will ask a person about it at school",
        # A word had, retold.
        "I had a word with the front desk yesterday and they said breakfast is included",
        "My husband had a word with the manager and she promised a refund",
        "my sister had a word with the chef and he said it is gluten free",
        # Contact expected, retold or allowed, not asked for.
        "Will a courier contact me before delivery?",
        "Someone from the bank will contact me tomorrow, is that normal?",
        "I'm happy for an agent to contact me by email if needed, but for now what's my balance?",
        "will a technician get back to me with the results?",
        # Whom to talk to on a plan or in a forum.
        "With the family plan, who can I talk to for free?",
        "Who can I chat with in the community forum?",
        "who can we talk to on the group call feature",
        # Got through to a time or a step.
        "Will 5GB get me through to the end of the month?",
        "will this battery get me through to the evening",
        # Staff around a place.
        "Is the staff around the pool trained in first aid?",
        "are the agents around the world paid the same?",
    ],
)
def test_a_service_an_errand_or_a_retold_word_is_no_request_to_the_rules(text: str) -> None:
    assert not rules_hear(text)


@pytest.mark.parametrize(
    "text",
    [
        # The same words asked for: a person to talk, look or help, or a person alone.
        "I'd like a human",
        "I'd like an agent to look at my claim",
        "I would like someone from billing to call me back",
        # In touch with one of ours.
        "How do I get in touch with an agent?",
        "I want to get in touch with a manager",
        # Asking about it, asked for.
        "could I ask someone about my bill?",
        "let me ask an agent about this",
        # A word, asked for.
        "I'd like a word with the manager",
        "can we have a word with the duty manager",
        # Contact asked for.
        "please have someone contact me",
        "can a manager get back to me",
        "I need someone to contact me asap",
        # Whom to talk to, alone or about a matter.
        "Who can I talk to?",
        "who could we speak with regarding the invoice",
        # Put through to a person.
        "get me through to a human",
        # Around, ending the question.
        "Is the manager around? The room is flooding.",
        "is a supervisor around right now?",
    ],
)
def test_the_narrowed_wordings_asked_for_are_still_heard_by_the_rules(text: str) -> None:
    assert rules_hear(text)


@pytest.mark.parametrize(
    "text",
    [
        # A subject to talk about, but by phone or at once.
        "I want to talk about my complaint on the phone",
        "Can I talk about this over the phone instead?",
        "I'd rather talk about this on a call",
        "I need to speak about my account urgently",
        # Whether a person is behind or runs the chat now.
        "Is there anyone behind this chat??",
        "Is there a human running this chat? I need help",
        "Is anyone operating this chat?",
        "is there someone behind this bot?",
        # One person, asked for.
        "Just one person who can actually help please",
    ],
)
def test_a_subject_by_phone_a_person_behind_the_chat_or_one_person_is_a_request(
    text: str,
) -> None:
    assert heard(text)


def test_a_wish_in_vain_in_german_is_no_request_to_the_rules() -> None:
    assert not rules_hear(
        "Ich hätte gerne mit einem Menschen gesprochen, aber der Bot hat mir schon geholfen"
    )
    assert not rules_hear(
        "Ich hätte mit einem Mitarbeiter gesprochen, wenn die Hotline offen gewesen wäre"
    )
