"""The conversation graph alone, with a stub search and a stub policy: fast, no server."""

from typing import Any

from warmline.agent.decision import EscalationDecision, Reason, TurnFacts
from warmline.agent.graph import build_graph
from warmline.agent.nodes import HOLDING_MESSAGE, GraphDeps
from warmline.config import Settings
from warmline.retrieval.chunking import Chunk
from warmline.retrieval.store import Hit

ARTICLE = Chunk(
    id="report-fraud#0",
    article_id="report-fraud",
    title="Report an unrecognised charge",
    url="https://help.example/report-fraud",
    section="Report an unrecognised charge",
    position=0,
    text="Open Account > Billing, pick the charge and choose Report. We refund it in 5 days.",
    visibility="public",
    language="en",
    tags=[],
)


class Stubs:
    """Records what the graph asked for, and answers with a fixed hit and verdict."""

    def __init__(self, escalate: bool) -> None:
        self.escalate = escalate
        self.searched: list[str] = []
        self.assessed: list[TurnFacts] = []

    async def search(self, query: str) -> list[Hit]:
        self.searched.append(query)
        return [Hit(chunk=ARTICLE, score=0.9, dense=0.9, lexical=0.9)]

    def assess(self, facts: TurnFacts) -> EscalationDecision:
        self.assessed.append(facts)
        sensitive = [
            Reason(code="sensitive_topic", value=facts.signals.sensitive.topic, detail="fraud")
        ]
        return EscalationDecision(
            escalate=self.escalate and bool(facts.signals.sensitive.topic),
            reasons=sensitive if self.escalate else [],
            adjustments=[] if self.escalate else sensitive,
            priority="high",
        )


async def _turn(stubs: Stubs, text: str) -> dict[str, Any]:
    graph = build_graph(GraphDeps(search=stubs.search, assess=stubs.assess, settings=Settings()))
    state = await graph.ainvoke({"turn": {"seq": 1, "text": text, "mode": "bot"}})
    outcome: dict[str, Any] = state["outcome"]
    return outcome


async def test_a_sensitive_topic_the_policy_keeps_is_searched_and_answered() -> None:
    stubs = Stubs(escalate=False)
    outcome = await _turn(stubs, "someone hacked my account and charged my card")
    assert stubs.assessed[0].signals.sensitive.topic, "the detector saw a sensitive topic"
    assert outcome["kind"] == "reply"
    assert stubs.searched == ["someone hacked my account and charged my card"]
    assert outcome["text"] and outcome["text"] != HOLDING_MESSAGE
    assert stubs.assessed[-1].confidence is not None, "the verdict that stands saw the answer"


async def test_a_sensitive_topic_the_policy_hands_over_is_not_searched() -> None:
    stubs = Stubs(escalate=True)
    outcome = await _turn(stubs, "someone hacked my account and charged my card")
    assert outcome["kind"] == "escalate" and outcome["text"] == HOLDING_MESSAGE
    assert stubs.searched == [] and len(stubs.assessed) == 1


async def test_an_ordinary_question_is_searched_once_and_assessed_once() -> None:
    stubs = Stubs(escalate=True)
    outcome = await _turn(stubs, "where do I see my invoices?")
    assert outcome["kind"] == "reply"
    assert stubs.searched == ["where do I see my invoices?"] and len(stubs.assessed) == 1
