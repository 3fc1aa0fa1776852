"""`turn_limit` counts questions the bot had no answer for, and thanks are never a handoff.

The graph runs with the real policy and a stub search (a confident hit, or nothing),
checkpointed in memory so each turn sees the ones before it, as on the server.
"""

from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from test_graph import ARTICLE, stub_context

from warmline.agent.decision import TurnFacts
from warmline.agent.graph import ConversationGraph
from warmline.agent.state import TurnInput
from warmline.config import Settings
from warmline.guardrails.signals import compute_signals
from warmline.handoff.policy import EscalationPolicy
from warmline.retrieval.store import Hit

QUESTIONS = [
    "where do I see my invoices?",
    "how do I change my delivery address?",
    "can I pay with PayPal?",
    "how long does shipping take?",
    "do you ship to Canada?",
    "how do I reset my password?",
    "what is your return window?",
    "how do I cancel an order?",
]
# Questions the stub help center has nothing for, each unlike the others (no loop).
MISSES = [
    "who won the football match yesterday?",
    "what colour is the sky on mars?",
    "recommend me a good novel",
    "is it going to rain in Lisbon tomorrow?",
    "what's the capital of Mongolia?",
    "how many legs does a spider have?",
    "write me a poem about cats",
    "which planet has the most moons?",
]


def facts(text: str, **given: Any) -> TurnFacts:
    return TurnFacts(
        signals=compute_signals(text),
        confidence=given.pop("confidence", 0.9),
        low_confidence_strikes=given.pop("low_confidence_strikes", 0),
        bot_turns=given.pop("bot_turns", 1),
        **given,
    )


POLICY = EscalationPolicy(Settings().policy)


def test_eight_answered_questions_are_not_a_turn_limit() -> None:
    decision = POLICY.assess(facts("how do I cancel an order?", bot_turns=8, unanswered_turns=0))
    assert decision.escalate is False and decision.reasons == []


def test_eight_unanswered_questions_reach_the_turn_limit_in_words() -> None:
    decision = POLICY.assess(
        facts("what colour is the sky on mars?", bot_turns=9, unanswered_turns=8, confidence=0.1)
    )
    reason = next(r for r in decision.reasons if r.code == "turn_limit")
    assert reason.value == 8 and reason.threshold == 8
    assert reason.detail == "8 questions the help center had no answer for."
    seven = POLICY.assess(facts("and on venus?", bot_turns=9, unanswered_turns=7, confidence=0.9))
    assert "turn_limit" not in {r.code for r in seven.reasons}


def test_thanks_after_misses_is_not_a_handoff_but_a_request_for_a_person_is() -> None:
    thanks = POLICY.assess(
        facts(
            "thanks!",
            bot_turns=12,
            unanswered_turns=8,
            low_confidence_strikes=3,
            confidence=None,
            thanked=True,
        )
    )
    assert thanks.escalate is False
    person = POLICY.assess(
        facts("thanks, but I want to talk to a person", confidence=None, thanked=True)
    )
    assert [r.code for r in person.reasons] == ["explicit_request"]


class Search:
    """A confident hit for every question, or nothing for the ones listed as misses."""

    def __init__(self, misses: set[str] | None = None) -> None:
        self.misses = misses or set()

    async def __call__(self, query: str) -> list[Hit]:
        if query in self.misses:
            return []
        return [Hit(chunk=ARTICLE, score=0.9, dense=0.9, lexical=0.9)]


class Conversation:
    """One checkpointed conversation through the graph, recording what the policy saw."""

    def __init__(self, search: Search) -> None:
        self.seen: list[TurnFacts] = []

        def assess(turn: TurnFacts) -> Any:
            self.seen.append(turn)
            return POLICY.assess(turn)

        self.graph = ConversationGraph(stub_context(search, assess), InMemorySaver())
        self.seq = 0

    async def say(self, text: str) -> dict[str, Any]:
        self.seq += 1
        state = await self.graph.run("c1", TurnInput(seq=self.seq, text=text, mode="bot"))
        outcome: dict[str, Any] = state["outcome"]
        return outcome


async def test_a_customer_with_many_answered_questions_who_says_thanks_stays_with_the_bot() -> None:
    chat = Conversation(Search())
    kinds = [(await chat.say(q))["kind"] for q in [*QUESTIONS, "Thank you so much!"]]
    assert kinds == ["reply"] * 9
    assert [f.unanswered_turns for f in chat.seen] == [0] * 9
    assert chat.seen[-1].thanked is True
    assert chat.seen[-1].bot_turns == 9


async def test_unanswered_questions_count_even_when_answers_come_between() -> None:
    misses = MISSES
    chat = Conversation(Search(set(misses)))
    # a miss, then an answer, so the two-in-a-row rule never fires: only the total does
    kinds = []
    for miss, question in zip(misses, QUESTIONS, strict=True):
        kinds.append((await chat.say(miss))["kind"])
        if kinds[-1] == "escalate":
            break
        kinds.append((await chat.say(question))["kind"])
    assert kinds == ["reply"] * 14 + ["escalate"]
    assert chat.seen[-1].unanswered_turns == 8


async def test_thanks_start_the_count_again() -> None:
    misses = MISSES
    chat = Conversation(Search(set(misses)))
    for miss, question in zip(misses[:7], QUESTIONS, strict=False):
        await chat.say(miss)
        await chat.say(question)
    assert chat.seen[-1].unanswered_turns == 7
    assert (await chat.say("thanks, that worked"))["kind"] == "reply"
    assert chat.seen[-1].unanswered_turns == 0
    assert (await chat.say(misses[7]))["kind"] == "reply"
    assert chat.seen[-1].unanswered_turns == 1


async def test_thanks_that_go_on_to_a_new_question_are_searched_and_answered() -> None:
    """Only thanks and "it worked" are acknowledged; what the customer says after the
    thanks is answered, and an earlier miss still counts."""
    chat = Conversation(Search({MISSES[0]}))
    await chat.say(MISSES[0])
    answer = await chat.say("Thanks. I also need to change my address")
    assert "Open Account > Billing" in answer["text"]
    assert chat.seen[-1].thanked is False
    assert chat.seen[-1].unanswered_turns == 1
    thanks = await chat.say("Thanks! That worked.")
    assert thanks["text"].startswith("Glad that helped")
    assert chat.seen[-1].thanked is True


async def test_thanks_that_go_on_to_something_unanswerable_are_acknowledged_not_missed() -> None:
    """What follows the thanks is searched; when the help center has nothing for it, the
    customer gets the acknowledgement, not "I couldn't find that", and it is no miss."""
    said = "ok ill give it a few more days. its a Lumen Lock for my mum"
    chat = Conversation(Search({MISSES[0], said}))
    await chat.say(MISSES[0])
    reply = await chat.say(said)
    assert reply["text"].startswith("Glad that helped")
    assert chat.seen[-1].thanked is False
    assert chat.seen[-1].unanswered_turns == 1  # the earlier miss, and no more
    assert chat.seen[-1].low_confidence_strikes == 1
