"""The conversation graph alone, with a stub search and a stub policy: fast, no server,
no embedding model (the request detector reads words only)."""

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import ChannelVersions, Checkpoint, CheckpointMetadata
from langgraph.checkpoint.memory import InMemorySaver

from warmline.agent.context import AgentContext
from warmline.agent.decision import EscalationDecision, Reason, TurnFacts
from warmline.agent.graph import ConversationGraph
from warmline.agent.responder import NOT_FOUND
from warmline.agent.state import Mode, TurnInput
from warmline.handoff.policy import EscalationPolicy
from warmline.handoff.policy_file import Condition, Policy, Rule
from warmline.retrieval.chunking import Chunk
from warmline.retrieval.store import Hit
from warmline.storage.checkpoints import ThreadedSqliteSaver, open_checkpoints
from warmline.texts import say

SENSITIVE = "someone hacked my account and charged my card"
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

    def __init__(self, escalate: bool, fail_search: bool = False) -> None:
        self.escalate = escalate
        self.fail_search = fail_search
        self.searched: list[str] = []
        self.assessed: list[TurnFacts] = []

    async def search(self, query: str) -> list[Hit]:
        self.searched.append(query)
        if self.fail_search:
            raise ConnectionError("the knowledge base went away")
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


class CountingSaver(InMemorySaver):
    """The in-memory checkpointer, counting its durable writes and their bytes."""

    def __init__(self) -> None:
        super().__init__()
        self.checkpoints = 0
        self.write_batches = 0
        self.bytes = 0

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        self.checkpoints += 1
        self.bytes += len(self.serde.dumps_typed(checkpoint)[1])
        return await super().aput(config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self.write_batches += 1
        await super().aput_writes(config, writes, task_id, task_path)


def stub_context(
    search: Callable[[str], Awaitable[list[Hit]]],
    assess: Callable[[TurnFacts], EscalationDecision],
) -> AgentContext:
    """The graph's dependencies with no model: a hit is a confident answer, none is not."""
    return AgentContext(
        search=search,
        assess=assess,
        answerable=lambda query, hits: 0.9 if hits else 0.0,
        embed_query=None,
        low_confidence=0.5,
        max_answer_chars=600,
        company_name="Lumen",
    )


def _context(stubs: Stubs, assess: Any = None) -> AgentContext:
    return stub_context(stubs.search, assess or stubs.assess)


def _input(text: str, seq: int = 1, mode: Mode = "bot") -> TurnInput:
    return TurnInput(seq=seq, text=text, mode=mode)


async def _turn(stubs: Stubs, text: str) -> dict[str, Any]:
    state = await ConversationGraph(_context(stubs)).run("c1", _input(text))
    outcome: dict[str, Any] = state["outcome"]
    return outcome


async def test_a_sensitive_topic_the_policy_keeps_is_searched_and_answered() -> None:
    stubs = Stubs(escalate=False)
    outcome = await _turn(stubs, SENSITIVE)
    assert stubs.assessed[0].signals.sensitive.topic, "the detector saw a sensitive topic"
    assert outcome["kind"] == "reply"
    assert stubs.searched == [SENSITIVE]
    assert outcome["text"] and outcome["text"] != say("holding", "en")
    assert stubs.assessed[-1].confidence is not None, "the verdict that stands saw the answer"


async def test_a_sensitive_rule_that_does_not_escalate_gets_the_article_not_a_failure() -> None:
    """The real policy with a rule that only sets priority and skills for the topic."""
    stubs = Stubs(escalate=False)
    topics = ["fraud", "identity_theft", "legal_threat", "staff_complaint"]
    rule = Rule(name="fraud desk", when=Condition(sensitive_topic=topics), priority="high")
    policy = EscalationPolicy(Policy(rules=[rule]))
    graph = ConversationGraph(_context(stubs, assess=policy.assess), CountingSaver())
    state = await graph.run("c1", _input(SENSITIVE))
    assert state["outcome"]["kind"] == "reply"
    assert ARTICLE.title in state["outcome"]["text"]
    assert state["outcome"]["citations"][0]["article_id"] == "report-fraud"
    assert state["decision"].escalate is False


async def test_a_sensitive_topic_the_policy_hands_over_is_not_searched() -> None:
    stubs = Stubs(escalate=True)
    outcome = await _turn(stubs, SENSITIVE)
    assert outcome["kind"] == "escalate" and outcome["text"] == say("holding", "en")
    assert outcome["decision"]["reasons"][0]["code"] == "sensitive_topic"
    assert stubs.searched == [] and len(stubs.assessed) == 1


async def test_an_ordinary_question_is_searched_once_and_assessed_once() -> None:
    stubs = Stubs(escalate=True)
    outcome = await _turn(stubs, "where do I see my invoices?")
    assert outcome["kind"] == "reply"
    assert stubs.searched == ["where do I see my invoices?"] and len(stubs.assessed) == 1


async def test_a_turn_takes_few_graph_steps_and_thread_calls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each of LangGraph's steps, and each trip of a turn's work to a thread and back,
    costs a worker CPU of its own beside the work: an ordinary question is two steps
    (the verdict is part of `answer`), and only the detectors and the drafting with its
    verdict go to a thread (the stub search runs none), never a router. The verdict reads
    the message's words, so it never runs on the event loop the worker's turns share."""
    loop = asyncio.get_running_loop()
    run_in_executor = loop.run_in_executor
    sent: list[object] = []

    def counted(executor: Any, func: Callable[..., Any], *args: Any) -> Any:
        sent.append(func)
        return run_in_executor(executor, func, *args)

    monkeypatch.setattr(loop, "run_in_executor", counted)
    steps: dict[str, list[str]] = {}
    on_the_loop: list[bool] = []
    stubs = Stubs(escalate=False)

    def assess(facts: TurnFacts) -> EscalationDecision:
        on_the_loop.append(threading.current_thread() is threading.main_thread())
        return stubs.assess(facts)

    for text in ("where do I see my invoices?", SENSITIVE):
        graph = ConversationGraph(_context(stubs, assess))
        updates = graph.compiled.astream(
            {"turn": _input(text)}, context=graph.context, stream_mode="updates"
        )
        steps[text] = [name async for update in updates for name in update]
    assert steps == {
        "where do I see my invoices?": ["read", "answer"],
        SENSITIVE: ["read", "assess", "answer"],
    }
    assert on_the_loop == [False, False, False], "the verdicts: one, then two (kept, answered)"
    assert len(sent) == 5, "signals, then the draft with its verdict; the kept verdict first"


async def test_an_unanswerable_question_says_so_and_counts_a_strike() -> None:
    stubs = Stubs(escalate=False)
    graph = ConversationGraph(replace(_context(stubs), answerable=lambda query, hits: 0.1))
    state = await graph.run("c1", _input("what is the airspeed of a swallow?"))
    assert state["outcome"]["text"] == NOT_FOUND
    assert state["low_confidence_strikes"] == 1 and stubs.assessed[0].low_confidence_strikes == 1


async def test_while_a_person_owns_the_chat_the_bot_neither_searches_nor_speaks() -> None:
    stubs = Stubs(escalate=False)
    state = await ConversationGraph(_context(stubs)).run("c1", _input("hello?", mode="human"))
    assert state["outcome"]["kind"] == "silent"
    assert stubs.searched == [] and stubs.assessed == []
    assert state["messages"][-1] == {"role": "customer", "text": "hello?", "seq": 1}


async def test_a_turn_is_one_checkpoint_holding_chunk_ids_not_chunks() -> None:
    stubs = Stubs(escalate=False)
    saver = CountingSaver()
    graph = ConversationGraph(_context(stubs), saver)
    await graph.run("c1", _input("where do I see my invoices?"))
    assert (saver.checkpoints, saver.write_batches) == (1, 0)
    await graph.run("c1", _input("and can I download them?", seq=2))
    assert (saver.checkpoints, saver.write_batches) == (2, 0), "one durable write per turn"
    memory = await graph.memory("c1")
    assert memory["retrieved"] == [ARTICLE.id]
    assert memory["last_seq"] == 2 and [m["seq"] for m in memory["messages"]] == [1, 1, 2, 2]
    assert not {"turn", "hits", "signals", "answer", "decision"} & set(memory)
    stored = json.dumps(memory)
    assert '"visibility"' not in stored and '"dense"' not in stored, "no hit is kept"


async def test_a_replayed_turn_returns_the_stored_outcome_without_running_again() -> None:
    stubs = Stubs(escalate=False)
    graph = ConversationGraph(_context(stubs), CountingSaver())
    first = await graph.run("c1", _input("where do I see my invoices?"))
    again = await graph.run("c1", _input("where do I see my invoices?"))
    assert again["outcome"] == first["outcome"]
    assert len(stubs.searched) == 1 and len(stubs.assessed) == 1
    assert len(again["messages"]) == 2, "the message is recorded once"


async def test_a_turn_that_fails_midway_keeps_the_message_and_the_next_turn_runs() -> None:
    """The server apologises for a failed turn; the conversation's memory still has the
    customer's message (for a person reading it later), and the next turn is answered."""
    stubs = Stubs(escalate=False)
    saver = CountingSaver()
    graph = ConversationGraph(_context(stubs), saver)
    await graph.run("c1", _input("where do I see my invoices?"))
    stubs.fail_search = True
    with pytest.raises(ConnectionError):
        await graph.run("c1", _input("can I download them?", seq=2))
    assert saver.checkpoints == 2, "the failed run is saved once, when it stops"
    memory = await graph.memory("c1")
    assert memory["messages"][-1] == {"role": "customer", "text": "can I download them?", "seq": 2}
    stubs.fail_search = False
    state = await graph.run("c1", _input("how long does a refund take?", seq=3))
    assert state["outcome"]["kind"] == "reply" and state["outcome"]["for_seq"] == 3
    assert [m["seq"] for m in state["messages"]] == [1, 1, 2, 3, 3]


async def test_a_turn_that_stopped_after_reading_its_message_is_answered_when_run_again() -> None:
    """A turn that stopped after its message was read (here its search failed) is saved
    with the message and no answer; run again for that message, it is answered, and the
    message and its sentiment are in the memory once. Back from a person, the bot's
    stretch still starts at that message."""
    stubs = Stubs(escalate=False)
    graph = ConversationGraph(_context(stubs), CountingSaver())
    await graph.run("c1", _input("hello?", mode="human"))
    stubs.fail_search = True
    with pytest.raises(ConnectionError):
        await graph.run("c1", _input("where do I see my invoices?", seq=2))
    stubs.fail_search = False
    state = await graph.run("c1", _input("where do I see my invoices?", seq=2))
    assert state["outcome"]["kind"] == "reply" and state["outcome"]["for_seq"] == 2
    assert [(m["role"], m["seq"]) for m in state["messages"]] == [
        ("customer", 1),
        ("customer", 2),
        ("bot", 2),
    ]
    assert len(state["sentiments"]) == 2 and state["bot_since"] == 1
    assert stubs.assessed[-1].earlier_sentiments == state["sentiments"][:1]


async def test_a_turn_reads_and_writes_its_checkpoint_file_in_two_thread_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded checkpoints: a turn reads the memory in one call to a thread and
    writes the turn (once, at its end) in one, never one round trip through the event
    loop per statement (the async saver's ten or so a turn); a second turn reads what
    the first wrote."""
    call = ThreadedSqliteSaver.call
    called: list[str] = []

    async def counted(saver: ThreadedSqliteSaver, function: Callable[..., Any], *args: Any) -> Any:
        called.append(getattr(function, "__name__", repr(function)))
        return await call(saver, function, *args)

    async with open_checkpoints(tmp_path / "checkpoints.sqlite", None, 2) as saver:
        graph = ConversationGraph(_context(Stubs(escalate=False)), saver)
        await graph.run("c1", _input("where do I see my invoices?"))
        monkeypatch.setattr(ThreadedSqliteSaver, "call", counted)
        await graph.run("c1", _input("and my receipts?", seq=2))
        monkeypatch.undo()
        memory = await graph.memory("c1")
    assert called == ["get_tuple", "put"]
    assert [m["text"] for m in memory["messages"] if m["role"] == "customer"] == [
        "where do I see my invoices?",
        "and my receipts?",
    ]
