"""The graph's nodes. Each reads the state it needs and returns only what it changes.

LangGraph runs the plain (sync) nodes in a worker thread; the async ones here pass
their CPU work (detectors, confidence, the extractive responder) to a thread too, so
that no turn holds the event loop that every other conversation's socket shares.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.config import get_stream_writer

from warmline.agent.decision import EscalationDecision, TurnFacts
from warmline.agent.follow_up import holds_its_words, is_follow_up, previous_question
from warmline.agent.hints import classify, with_hints
from warmline.agent.llm import LlmAnswerer, LlmFailure
from warmline.agent.responder import extractive_answer, smalltalk_reply
from warmline.agent.settings import GraphSettings
from warmline.agent.state import AgentState, Answer, Outcome, TurnInput
from warmline.guardrails.signals import Signals, compute_signals
from warmline.retrieval.embedder import Embedder
from warmline.retrieval.store import Hit

HOLDING_MESSAGE = (
    "I'm bringing in a member of our team. They'll see everything we've discussed, "
    "so you won't need to repeat yourself."
)

Update = dict[str, Any]


@dataclass(frozen=True)
class GraphDeps:
    """What the graph needs from outside: retrieval, the escalation policy and settings."""

    search: Callable[[str], Awaitable[list[Hit]]]
    assess: Callable[[TurnFacts], EscalationDecision]
    settings: GraphSettings
    llm: LlmAnswerer | None = None


def _conversation(config: RunnableConfig) -> str | None:
    return config.get("configurable", {}).get("thread_id")


def _turn(state: AgentState) -> TurnInput:
    return TurnInput.model_validate(state["turn"])


def guard_input(state: AgentState) -> Update:
    """Record the customer's (already redacted) message once, however often a turn is replayed.

    A turn is replayed when the server restarted after the graph finished but before
    the reply was stored; the checkpoint then already holds the outcome.
    """
    turn = _turn(state)
    if turn.seq <= state.get("last_seq", 0):
        return {"replayed": True}
    update: Update = {
        "replayed": False,
        "last_seq": turn.seq,
        "mode": turn.mode,
        "messages": [{"role": "customer", "text": turn.text, "seq": turn.seq}],
        "hits": [],
        "query": "",
        "answer": {},
        "decision": {},
        "facts": {},
    }
    if turn.mode == "bot" and state.get("mode", "bot") != "bot":
        # Back from a person: the bot starts afresh, and what the customer said to the
        # person does not count as asking the bot the same thing again.
        update |= {
            "bot_turns": 0,
            "low_confidence_strikes": 0,
            "bot_since": len(state.get("messages", [])),
        }
    return update


def _signals(state: AgentState) -> Signals:
    """Signals of this message, with the customer's earlier questions to the bot for loops,
    and its embedding (computed once; the search below reuses it) for the request model."""
    since_bot = state.get("messages", [])[state.get("bot_since", 0) : -1]
    earlier = [str(m["text"]) for m in since_bot if m["role"] == "customer"]
    turn = _turn(state)
    vector = Embedder().embed_query(turn.text) if turn.mode == "bot" else None
    return compute_signals(turn.text, earlier, vector)


class DependentNodes:
    """The nodes that need retrieval, the policy or settings, bound to them once."""

    def __init__(self, deps: GraphDeps) -> None:
        self.deps = deps

    async def signals(self, state: AgentState, config: RunnableConfig) -> Update:
        """The detectors' signals, plus the model's hints when a classify model is set."""
        found = await asyncio.to_thread(_signals, state)
        llm, model = self.deps.llm, self.deps.settings.llm.classify_model
        turn = _turn(state)
        if llm is not None and model and turn.mode == "bot":
            try:
                hints = await classify(llm, turn.text, model, _conversation(config))
                found = with_hints(found, hints)
            except LlmFailure:
                pass
        return {"signals": found.model_dump(), "sentiments": [found.sentiment]}

    async def retrieve(self, state: AgentState) -> Update:
        """Search the message; a follow-up that finds nothing alone is searched with the
        question before it (see `follow_up`), and the answer is judged on that query."""
        text = _turn(state).text
        hits = await self.deps.search(text)
        settings = self.deps.settings
        threshold = settings.policy.thresholds.low_confidence
        answerable = settings.retrieval.answerable.probability
        previous = previous_question(state.get("messages", []), state.get("bot_since", 0))
        if (
            previous is not None
            and is_follow_up(text)
            and await asyncio.to_thread(answerable, text, hits) < threshold
        ):
            query = f"{previous} {text}"
            in_context = await self.deps.search(query)
            top = in_context[0].chunk.article_id if in_context else None
            found = " ".join(h.chunk.text for h in in_context if h.chunk.article_id == top)
            if await asyncio.to_thread(
                answerable, query, in_context
            ) >= threshold and holds_its_words(text, found):
                return {"hits": [h.model_dump() for h in in_context], "query": query}
        return {"hits": [hit.model_dump() for hit in hits], "query": text}

    async def answer(self, state: AgentState, config: RunnableConfig) -> Update:
        """The LLM writes the answer when one is configured and the knowledge base has it;
        the extractive responder answers otherwise: when the LLM fails, and when the
        message reads as a prompt injection (a quote cannot be talked into anything)."""
        settings = self.deps.settings
        text = _turn(state).text
        smalltalk = await asyncio.to_thread(smalltalk_reply, text, settings.company_name)
        if smalltalk is not None:
            return {"answer": Answer(text=smalltalk).model_dump()}
        hits = [Hit.model_validate(h) for h in state.get("hits", [])]
        confidence = await asyncio.to_thread(
            settings.retrieval.answerable.probability, state.get("query", text), hits
        )
        threshold = settings.policy.thresholds.low_confidence
        injected = Signals.model_validate(state["signals"]).injection.fired()
        if self.deps.llm is not None and confidence >= threshold and not injected:
            writer = get_stream_writer()
            try:
                written = await self.deps.llm.answer(
                    text,
                    state.get("messages", [])[:-1],
                    hits,
                    confidence,
                    on_token=lambda piece: writer({"delta": piece}),
                    conversation_id=_conversation(config),
                )
                return {"answer": written.model_dump()}
            except LlmFailure:
                pass
        found = await asyncio.to_thread(
            partial(
                extractive_answer,
                hits,
                confidence=confidence,
                threshold=threshold,
                max_chars=settings.retrieval.max_answer_chars,
                query=state.get("query", text),
            )
        )
        return {"answer": found.model_dump()}

    def assess(self, state: AgentState) -> Update:
        turn = _turn(state)
        found = Signals.model_validate(state["signals"])
        answer = Answer.model_validate(state["answer"]) if state.get("answer") else None
        confidence = answer.confidence if answer else None
        strikes = state.get("low_confidence_strikes", 0)
        if confidence is not None:
            below = confidence < self.deps.settings.policy.thresholds.low_confidence
            strikes = strikes + 1 if below else 0
        facts = TurnFacts(
            signals=found,
            force_human=turn.force_human,
            earlier_sentiments=state.get("sentiments", [])[:-1],
            confidence=confidence,
            low_confidence_strikes=strikes,
            bot_turns=state.get("bot_turns", 0) + 1,
            language=turn.language,
            segment=turn.segment,
        )
        decision = self.deps.assess(facts)
        # The policy's input is kept beside its verdict, so a decision can be explained
        # (and re-decided under other thresholds) from the checkpoint alone.
        return {
            "decision": decision.model_dump(),
            "facts": facts.model_dump(),
            "low_confidence_strikes": strikes,
        }


def reply(state: AgentState) -> Update:
    turn = _turn(state)
    answer = Answer.model_validate(state["answer"])
    outcome = Outcome(for_seq=turn.seq, kind="reply", text=answer.text, citations=answer.citations)
    return {
        "outcome": outcome.model_dump(),
        "messages": [{"role": "bot", "text": answer.text, "seq": turn.seq}],
        "articles_shown": [c.model_dump() for c in answer.citations],
        "bot_turns": state.get("bot_turns", 0) + 1,
    }


def escalate(state: AgentState) -> Update:
    turn = _turn(state)
    outcome = Outcome(
        for_seq=turn.seq, kind="escalate", text=HOLDING_MESSAGE, decision=state["decision"]
    )
    return {
        "outcome": outcome.model_dump(),
        "messages": [{"role": "bot", "text": HOLDING_MESSAGE, "seq": turn.seq}],
        "bot_turns": 0,
        "low_confidence_strikes": 0,
    }


def stay_silent(state: AgentState) -> Update:
    """A person owns (or is about to own) the conversation: the bot says nothing."""
    return {"outcome": Outcome(for_seq=_turn(state).seq, kind="silent").model_dump()}


def after_guard(state: AgentState) -> str:
    return "replayed" if state.get("replayed") else "signals"


def after_signals(state: AgentState) -> str:
    turn = _turn(state)
    if turn.mode != "bot":
        return "stay_silent"
    found = Signals.model_validate(state["signals"])
    if turn.force_human or found.human_request.fired() or found.sensitive.topic:
        return "assess"
    return "retrieve"


def after_assess(state: AgentState) -> str:
    """The policy's verdict decides; a conversation it keeps gets an answer, so a turn
    that came to `assess` before searching (a sensitive topic whose rule only sets the
    priority, say) is searched and answered now instead of replying with nothing."""
    if state["decision"].get("escalate"):
        return "escalate"
    return "reply" if state.get("answer") else "retrieve"
