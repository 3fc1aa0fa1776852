"""The graph's nodes and routers. Each node reads the state it needs and returns only
what it changes; its dependencies come from the run's context (`AgentContext`).

A node is a step of LangGraph's loop, and each step costs about half a millisecond of
its own (task preparation, channel writes, callbacks, the router's fresh read of the
state), so steps that always run one after the other are one node: `read` (record the
message, then its signals), `answer` (search, draft the answer, then the policy's
verdict on it, `decide`, or a waiting customer's reply) and `assess` (the verdict
alone, for a turn that meets the policy before it is searched); a bot turn is two
steps, three when the policy keeps a turn it saw first. The functions they are made of
stay apart (`guard_input`, `retrieve`, `draft`, `decide`, `reply`, `escalate`) and each
sees the state the previous one left (`applied`), as across a step boundary.

Every node and router is a coroutine, so LangGraph runs it on the event loop: a plain
function it would hand to a thread of its own, a round trip through the executor that
cost more than a router's work. The nodes pass their CPU work (detectors, search,
confidence, the extractive responder, the policy's verdict, which reads the message's
words) to a thread, once a step where they can, so that no turn holds the event loop
the worker's other turns share.

Routers only map what a node decided to the next node: the policy's verdict, `decide`
(called by `answer` after the draft, or by `assess` before any search), is the one
place where a turn is handed over or kept.
"""

import asyncio
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from langgraph.runtime import Runtime

from warmline.agent.context import AgentContext
from warmline.agent.decision import TurnFacts
from warmline.agent.facts import facts_of_turn
from warmline.agent.follow_up import holds_its_words, is_follow_up, previous_question
from warmline.agent.hints import classify, with_hints
from warmline.agent.llm import LlmAnswerer, LlmFailure
from warmline.agent.responder import extractive_answer, opens_with_thanks, smalltalk_reply
from warmline.agent.state import AgentState, Answer, Message, Outcome, applied, joined
from warmline.agent.waiting import answers_while_waiting, reply_while_waiting
from warmline.guardrails.masked import without_masked_values
from warmline.guardrails.signals import Signals, compute_signals
from warmline.retrieval.store import Hit
from warmline.texts import DEFAULT_LANGUAGE, primary, say

Update = dict[str, Any]
Ctx = Runtime[AgentContext]


def _conversation(runtime: Ctx) -> str | None:
    """The conversation the run belongs to (its thread), for the LLM's usage ledger."""
    info = runtime.execution_info
    return info.thread_id if info is not None else None


def guard_input(state: AgentState) -> Update:
    """Record the customer's (already redacted) message once, however often its turn runs.

    The server runs a turn again while its message is pending (a restart, a customer's
    resume, a lost worker). When the checkpoint holds the turn's outcome, the graph had
    finished it before the answer was stored: the turn is replayed, and the server stores
    that outcome. A turn older than the last one read is replayed too: a later turn went
    past it. When the checkpoint holds the message and no outcome for it, a run of the
    turn stopped after `read` (a later step raised, or the run was cancelled at a
    shutdown) and LangGraph saved what it had done on its way out: the turn goes on from
    there, its message recorded and counted once (`_recorded_unanswered`).
    """
    turn = state["turn"]
    if turn.seq < state.get("last_seq", 0) or state.get("outcome", {}).get("for_seq") == turn.seq:
        return {"replayed": True}
    update: Update = {
        "replayed": False,
        "last_seq": turn.seq,
        "mode": turn.mode,
        "query": "",
        "retrieved": [],
        "confidence": None,
        "facts": {},
    }
    earlier = state.get("messages", [])
    if _recorded_unanswered(state):
        earlier = earlier[:-1]
    else:
        message: Message = {"role": "customer", "text": turn.text, "seq": turn.seq}
        update["messages"] = [message]
    if turn.mode == "bot" and state.get("mode", "bot") != "bot":
        # Back from a person: the bot starts afresh, and what the customer said to the
        # person does not count as asking the bot the same thing again.
        update |= {
            "bot_turns": 0,
            "low_confidence_strikes": 0,
            "unanswered_turns": 0,
            "quiet_while_waiting": False,
            "bot_since": len(earlier),
        }
    return update


def _recorded_unanswered(state: AgentState) -> bool:
    """Whether the memory holds the turn's message, last, with its sentiment, and nothing
    after it: a run of this turn read it and stopped before its outcome (a turn the graph
    finished is replayed instead, see `guard_input`)."""
    return state["turn"].seq == state.get("last_seq", 0)


def _signals(state: AgentState, context: AgentContext) -> Signals:
    """Signals of this message, with its embedding (computed once; the search below reuses
    it) for the request model."""
    turn = state["turn"]
    embed = context.embed_query
    # The request model learned from English MiniLM vectors; in the widget's other
    # languages the written rules decide (it read "Wie bekomme ich eine Rückerstattung?"
    # as a request for a person).
    english = primary(turn.language) == DEFAULT_LANGUAGE
    vector = embed(turn.text) if embed is not None and turn.mode == "bot" and english else None
    return turn_signals(state, vector, context.company_name)


def turn_signals(
    state: AgentState, vector: npt.NDArray[np.float32] | None, company: str
) -> Signals:
    """Signals of the turn's message, with the customer's earlier questions to the bot for
    loops; `vector` is its embedding, None to read its words only (the server's edge);
    `company` the configured company's name."""
    since_bot = state.get("messages", [])[state.get("bot_since", 0) : -1]
    earlier = [m["text"] for m in since_bot if m["role"] == "customer"]
    return compute_signals(state["turn"].text, earlier, vector, company)


async def read(state: AgentState, runtime: Ctx) -> Update:
    """Record the message (`guard_input`), then its signals, unless the turn is replayed;
    a message recorded by a run cut short has its sentiment counted already."""
    recorded = guard_input(state)
    if recorded["replayed"]:
        return recorded
    found = await signals(applied(state, recorded), runtime)
    if _recorded_unanswered(state):
        found.pop("sentiments")
    return joined(recorded, found)


async def signals(state: AgentState, runtime: Ctx) -> Update:
    """The detectors' signals, plus the model's hints when a classify model is set."""
    context = runtime.context
    found = await asyncio.to_thread(_signals, state, context)
    turn = state["turn"]
    if context.llm is not None and context.classify_model and turn.mode == "bot":
        try:
            hints = await classify(
                context.llm, turn.text, context.classify_model, _conversation(runtime)
            )
            found = with_hints(found, hints)
        except LlmFailure:
            pass
    return {"signals": found, "sentiments": [found.sentiment]}


def _found(query: str, hits: list[Hit]) -> Update:
    return {"hits": hits, "query": query, "retrieved": [h.chunk.id for h in hits]}


async def retrieve(state: AgentState, runtime: Ctx) -> Update:
    """Search the message; a follow-up that finds nothing alone is searched with the
    question before it (see `follow_up`), and the answer is judged on that query.

    The placeholders of masked numbers and addresses are left out of the search: a
    customer's card number or e-mail is in no help article, and "<CARD_1>" only pulled
    the search towards articles about cards ("My card is <CARD_1>, how do I get a
    refund?" scored 0.43 on the refund-status article, refused, where the question alone
    scores 0.93). Masked names and handles stay: a word taken for a name may be the
    subject ("can <NAME_1> unlock the Lumen Lock", Alexa), and without it the search
    answers another question."""
    context = runtime.context
    text = without_masked_values(state["turn"].text)
    hits = await context.search(text)
    previous = previous_question(state.get("messages", []), state.get("bot_since", 0))
    if (
        previous is not None
        and is_follow_up(text)
        and await asyncio.to_thread(context.answerable, text, hits) < context.low_confidence
    ):
        query = f"{previous} {text}"
        in_context = await context.search(query)
        top = in_context[0].chunk.article_id if in_context else None
        found = " ".join(h.chunk.text for h in in_context if h.chunk.article_id == top)
        if await asyncio.to_thread(
            context.answerable, query, in_context
        ) >= context.low_confidence and holds_its_words(text, found):
            return _found(query, in_context)
    return _found(text, hits)


async def answer(state: AgentState, runtime: Ctx) -> Update:
    """Search (`retrieve`), draft the answer, then the policy's verdict on it (`decide`);
    a waiting customer's answer goes out as it is (the policy already handed them over),
    or nothing. The verdict reads the message's words (thanks, faults: work that grows
    with its length), so it runs in a thread too: with the embedded answer, in the same
    one."""
    context = runtime.context
    found = await retrieve(state, runtime)
    searched = applied(state, found)
    if context.llm is None:
        return joined(found, await asyncio.to_thread(_answered, searched, context))
    written = await draft(searched, runtime, context.llm)
    return joined(found, await asyncio.to_thread(_with_verdict, searched, written, context))


def _answered(state: AgentState, context: AgentContext) -> Update:
    """The embedded answer and the verdict on it."""
    return _with_verdict(state, _embedded_draft(state, context), context)


def _with_verdict(state: AgentState, written: Update, context: AgentContext) -> Update:
    """The drafted answer `written` and what follows from it: a waiting customer's reply,
    or the policy's verdict."""
    drafted = applied(state, written)
    if state["turn"].mode == "queued":
        return joined(written, reply_while_waiting(drafted, context.low_confidence))
    return joined(written, decide(drafted, context))


async def draft(state: AgentState, runtime: Ctx, llm: LlmAnswerer) -> Update:
    """The LLM writes the answer when the knowledge base has it; the extractive responder
    answers otherwise: when the LLM fails, and when the message reads as a prompt
    injection (a quote cannot be talked into anything). Without an LLM, `_answered`."""
    context = runtime.context
    first = await asyncio.to_thread(_smalltalk_or_confidence, state, context)
    if isinstance(first, Answer):
        return {"answer": first}
    confidence = first
    injected = state["signals"].injection.fired()
    if confidence >= context.low_confidence and not injected:
        text = state["turn"].text
        hits = state.get("hits", [])
        language = state["turn"].language
        writer = runtime.stream_writer
        try:
            written = await llm.answer(
                text,
                state.get("messages", [])[:-1],
                hits,
                confidence,
                language,
                on_token=lambda piece: writer({"delta": piece}),
                conversation_id=_conversation(runtime),
            )
            return {"answer": written, "confidence": written.confidence}
        except LlmFailure:
            pass
    return await asyncio.to_thread(_extracted, state, context, confidence)


def _smalltalk_or_confidence(state: AgentState, context: AgentContext) -> Answer | float:
    """The reply to smalltalk (thanks, a greeting), else how well the hits answer; thanks
    that go on to something the hits do not answer are acknowledged."""
    turn = state["turn"]
    hits = state.get("hits", [])
    kb_language = hits[0].chunk.language if hits else None
    smalltalk = smalltalk_reply(turn.text, context.company_name, turn.language, kb_language)
    if smalltalk is not None:
        return Answer(text=smalltalk)
    confidence = context.answerable(state.get("query") or turn.text, hits)
    if confidence < context.low_confidence and opens_with_thanks(turn.text):
        # "ok I'll give it a few more days. It's a Lumen Lock for my mum": what follows the
        # thanks is no question the help center answers, so the thanks is what is answered,
        # neither a miss counted against the bot nor thanks that forgive the misses before.
        return Answer(text=say("acknowledged", turn.language))
    return confidence


def _extracted(state: AgentState, context: AgentContext, confidence: float) -> Update:
    """The extractive responder's answer: the section that answers, or that it does not know."""
    found = extractive_answer(
        state.get("hits", []),
        confidence=confidence,
        threshold=context.low_confidence,
        max_chars=context.max_answer_chars,
        query=state.get("query") or state["turn"].text,
        language=state["turn"].language,
    )
    return {"answer": found, "confidence": found.confidence}


def _embedded_draft(state: AgentState, context: AgentContext) -> Update:
    first = _smalltalk_or_confidence(state, context)
    if isinstance(first, Answer):
        return {"answer": first}
    return _extracted(state, context, first)


async def assess(state: AgentState, runtime: Ctx) -> Update:
    """The policy's verdict on a turn before it is searched (`decide`, in a thread: it
    reads the message's words): one it keeps has no answer yet, and `after_assess` sends
    it to be answered."""
    return await asyncio.to_thread(decide, state, runtime.context)


def decide(state: AgentState, context: AgentContext) -> Update:
    """Ask the policy for its verdict on the turn, with what it needs to decide, and
    carry it out: hand over (`escalate`), or `reply` with the answer when it has one."""
    facts = turn_facts(state, context.low_confidence)
    decision = context.assess(facts)
    # The policy's input is kept beside its verdict, so a decision can be explained
    # (and re-decided under other thresholds) from the checkpoint alone.
    verdict: Update = {
        "decision": decision,
        "facts": facts.model_dump(mode="json"),
        "low_confidence_strikes": facts.low_confidence_strikes,
        "unanswered_turns": facts.unanswered_turns,
    }
    if decision.escalate:
        return joined(verdict, escalate(applied(state, verdict)))
    if state.get("answer") is not None:
        return joined(verdict, reply(applied(state, verdict)))
    return verdict


def turn_facts(state: AgentState, low_confidence: float) -> TurnFacts:
    """What the policy sees of a turn whose signals are in `state` (and its answer, when
    it was searched first): the server's edge asks the same question for a handoff."""
    turn = state["turn"]
    answer = state.get("answer")
    return facts_of_turn(
        state["signals"],
        turn.text,
        earlier_sentiments=state.get("sentiments", [])[:-1],
        confidence=answer.confidence if answer is not None else None,
        low_confidence=low_confidence,
        strikes=state.get("low_confidence_strikes", 0),
        unanswered=state.get("unanswered_turns", 0),
        bot_turns=state.get("bot_turns", 0) + 1,
        force_human=turn.force_human,
        language=turn.language,
        segment=turn.segment,
    )


def reply(state: AgentState) -> Update:
    seq = state["turn"].seq
    answer = state.get("answer")
    if answer is None:
        raise RuntimeError("reply reached without an answer")
    outcome = Outcome(for_seq=seq, kind="reply", text=answer.text, citations=answer.citations)
    message: Message = {"role": "bot", "text": answer.text, "seq": seq}
    return {
        "outcome": outcome.model_dump(mode="json"),
        "messages": [message],
        "articles_shown": [c.model_dump() for c in answer.citations],
        "bot_turns": state.get("bot_turns", 0) + 1,
    }


def escalate(state: AgentState) -> Update:
    seq = state["turn"].seq
    holding = say("holding", state["turn"].language)
    decision = state["decision"].model_dump(mode="json")
    outcome = Outcome(for_seq=seq, kind="escalate", text=holding, decision=decision)
    message: Message = {"role": "bot", "text": holding, "seq": seq}
    return {
        "outcome": outcome.model_dump(mode="json"),
        "messages": [message],
        "bot_turns": 0,
        "low_confidence_strikes": 0,
        "unanswered_turns": 0,
        "quiet_while_waiting": False,
    }


async def stay_silent(state: AgentState) -> Update:
    """A person owns (or is about to own) the conversation: the bot says nothing. A waiting
    customer who asked for only a person keeps the bot quiet until it has the chat again."""
    turn = state["turn"]
    update: Update = {"outcome": Outcome(for_seq=turn.seq, kind="silent").model_dump(mode="json")}
    if turn.mode == "queued":
        update["quiet_while_waiting"] = True
    return update


async def after_read(state: AgentState) -> Literal["replayed", "stay_silent", "assess", "answer"]:
    """Who speaks, and in which order the policy and the search run; never the verdict.

    A message that carries a handoff signal (a request for a person, a sensitive topic)
    meets the policy before the search, which saves the search when the policy hands
    it over; whatever the policy says then, `after_assess` follows it.
    """
    if state.get("replayed"):
        return "replayed"
    turn = state["turn"]
    if turn.mode == "queued" and answers_while_waiting(state):
        return "answer"
    if turn.mode != "bot":
        return "stay_silent"
    found = state["signals"]
    if turn.force_human or found.human_request.fired() or found.sensitive.topic:
        return "assess"
    return "answer"


async def after_assess(state: AgentState) -> Literal["decided", "answer"]:
    """The policy's verdict decided; a conversation it keeps gets an answer, so a turn
    that met the policy before searching (a sensitive topic whose rule only sets the
    priority, say) is searched and answered now instead of replying with nothing."""
    if state["decision"].escalate or state.get("answer") is not None:
        return "decided"
    return "answer"
