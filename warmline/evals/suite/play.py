"""Play one scenario through the real service, as a widget would, and record what happened.

Turns go in through `customer_message` (guard, redaction, store, graph, policy,
packet), and the runner waits for the bot's reply on the conversation's bus topic,
the same frames a customer's socket receives. What the policy saw on each turn is
read from the graph's checkpoint, so the tuner can re-decide a conversation under
other thresholds without playing it again. Nothing recorded holds a personal
value: texts are the stored (redacted) ones and leaks are reported by where they
were found, never by what leaked.
"""

import asyncio
import hashlib
import hmac
import json
import re
import time
from typing import Any

from pydantic import BaseModel, Field

from warmline.agent.decision import TurnFacts
from warmline.conversation.customer_commands import ConversationService
from warmline.conversation.protocol import CustomerProfileData, ServerFrame
from warmline.evals.suite.checks import (
    Check,
    RubricItem,
    expectation_checks,
    grounded,
    qa_score,
    rubric,
    tone_checks,
)
from warmline.evals.suite.scenario import Scenario
from warmline.guardrails.redaction import PlaceholderBook
from warmline.retrieval.chunking import Chunk
from warmline.retrieval.store import KnowledgeStore

TURN_TIMEOUT_S = 60.0
QUEUE_NOTICE_S = 5.0


class TurnRecord(BaseModel):
    number: int
    said: str = Field(description="The customer's message as stored (redacted).")
    kind: str = Field(description="reply, escalate, or failed (the bot could not answer).")
    reply: str = ""
    citations: list[str] = Field(default_factory=list)
    expected_cite: list[str] = Field(default_factory=list)
    retrieved: list[str] = Field(
        default_factory=list, description="Article ids of the retrieval hits, best first."
    )
    confidence: float | None = None
    grounded: bool | None = None
    latency_ms: float
    facts: TurnFacts | None = Field(None, description="What the policy saw on this turn.")
    checks: list[Check] = Field(default_factory=list)


class Played(BaseModel):
    id: str
    digest: str = Field(description="The scenario's content hash: an edited one is not compared.")
    tags: list[str]
    expected_at: int | None
    latest_at: int | None
    escalated_at: int | None = None
    expected_reasons: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    reason_words: list[str] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    priority: str | None = None
    routing_ok: bool | None = None
    summary: dict[str, Any] | None = None
    summary_written_by: str | None = None
    facts_given: int = 0
    facts_missing: list[str] = Field(default_factory=list)
    pii_given: int = 0
    pii_leaked: int = Field(0, description="How many of the given values leaked anywhere.")
    pii_leaks: list[str] = Field(default_factory=list)
    turns: list[TurnRecord] = Field(default_factory=list)
    rubric: list[RubricItem] = Field(default_factory=list)
    qa: float = 0.0
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and all(item.passed for item in self.rubric)

    @property
    def handed_over(self) -> bool:
        return self.escalated_at is not None

    @property
    def decision_ok(self) -> bool:
        """Handed over when it should, within the acceptable turns, for the expected reasons."""
        if self.expected_at is None or self.escalated_at is None:
            return self.expected_at is None and self.escalated_at is None
        timely = self.expected_at <= self.escalated_at <= (self.latest_at or self.expected_at)
        return timely and set(self.expected_reasons) <= set(self.reasons)


def sign(secret: str, segment: str) -> str:
    return hmac.new(
        secret.encode(), CustomerProfileData(segment=segment).signed_text().encode(), hashlib.sha256
    ).hexdigest()


class Player:
    """Plays scenarios on one running service; each in a conversation of its own."""

    def __init__(
        self, service: ConversationService, identity_secret: str, knowledge: KnowledgeStore
    ) -> None:
        self.service = service
        self.secret = identity_secret
        self.knowledge = knowledge
        self._chunks: dict[str, Chunk] | None = None

    async def _chunks_by_id(self) -> dict[str, Chunk]:
        """The knowledge base's chunks by id: the checkpoint names the chunks a turn found."""
        if self._chunks is None:
            chunks = await asyncio.to_thread(lambda: list(self.knowledge.chunks()))
            self._chunks = {c.id: c for c in chunks}
        return self._chunks

    async def play(self, scenario: Scenario, logs: list[str]) -> Played:
        played = Played(
            id=scenario.id,
            digest=scenario.digest,
            tags=scenario.tags,
            expected_at=scenario.escalate_at,
            latest_at=scenario.latest_turn,
            expected_reasons=list(scenario.reasons),
        )
        service = self.service
        conversation = await service.start(
            CustomerProfileData(language=scenario.language, segment=scenario.segment),
            sign(self.secret, scenario.segment),
        )
        frames: asyncio.Queue[ServerFrame] = asyncio.Queue()
        closure = (True, "")
        with service.bus.subscribe(conversation.id, frames):
            for number, turn in enumerate(scenario.turns, start=1):
                started = time.perf_counter()
                message, _ = await service.customer_message(
                    conversation.id, turn.say, f"{scenario.id}-{number}", turn.press_human
                )
                try:
                    answer, after = await bot_answer(frames, message.seq)
                except TimeoutError:
                    played.error = f"no answer to turn {number} within {TURN_TIMEOUT_S:.0f} s"
                    break
                record = await self._record(conversation.id, number, message, answer, started)
                record.expected_cite = turn.expect.cite
                record.checks = [
                    check.model_copy(update={"detail": _masked(check.detail, scenario.pii)})
                    for check in expectation_checks(
                        turn.expect, record.reply, record.citations, record.kind == "reply"
                    )
                    + tone_checks(record.reply)
                ]
                played.turns.append(record)
                if record.kind == "failed":
                    closure = (False, f"turn {number} failed: {record.reply}")
                if (await service.get(conversation.id)).mode != "bot":
                    played.escalated_at = number
                    after += await _told_what_happens(frames, after)
                    told = any(f.type in ("message", "queue_position") for f in after)
                    closure = (told, "" if told else "no word to the customer after the handoff")
                    break
        if service.summarize is not None:
            await service.drain()  # the model's summary replaces the extractive one after it
        await self._inspect_handoff(played, scenario, conversation.id)
        mine = [line for line in logs if _about(line, conversation.id)]
        played.pii_leaks = await self._leaks(scenario, conversation.id, played, mine)
        _mask_values(played, scenario.pii)
        played.rubric = rubric(
            [c for t in played.turns for c in t.checks],
            _resolution(played),
            closure if played.error is None else (False, played.error),
            played.pii_leaks,
        )
        played.qa = qa_score(played.rubric)
        return played

    def failed(self, scenario: Scenario, exc: Exception) -> Played:
        """A scenario the runner could not play, recorded as an error instead of ending the run."""
        return Played(
            id=scenario.id,
            digest=scenario.digest,
            tags=scenario.tags,
            expected_at=scenario.escalate_at,
            latest_at=scenario.latest_turn,
            error=_masked(f"{type(exc).__name__}: {exc}", scenario.pii),
        )

    async def _record(
        self,
        conversation_id: str,
        number: int,
        message: Any,
        answer: ServerFrame,
        started: float,
    ) -> TurnRecord:
        latency = (time.perf_counter() - started) * 1000
        state = await self.service.graph.memory(conversation_id)
        known = await self._chunks_by_id()
        found = [known[i] for i in state.get("retrieved", []) if i in known]
        citations = [str(c["article_id"]) for c in answer.data.get("citations", [])]
        outcome = state.get("outcome", {}).get("kind")
        kind = "failed" if answer.data.get("role") == "system" else str(outcome or "reply")
        reply = str(answer.data.get("text", ""))
        cited_text = " ".join(c.text for c in found if c.article_id in citations)
        return TurnRecord(
            number=number,
            said=str(message.data["text"]),
            kind=kind,
            reply=reply,
            citations=citations,
            retrieved=list(dict.fromkeys(c.article_id for c in found)),
            confidence=state.get("confidence"),
            grounded=grounded(reply, cited_text) if citations else None,
            latency_ms=round(latency, 1),
            facts=TurnFacts.model_validate(state["facts"]) if state.get("facts") else None,
        )

    async def _inspect_handoff(self, played: Played, scenario: Scenario, cid: str) -> None:
        """Reasons, routing and the summary's fact recall of the handoff, if there was one."""
        entry = await self.service.queue.entry(cid)
        if entry is None:
            return
        packet = entry.packet
        decision = packet.decision
        played.reasons = [r.code for r in decision.reasons]
        played.reason_words = [r.detail for r in decision.reasons]
        played.skills, played.priority = list(decision.skills), decision.priority
        played.summary = packet.summary.model_dump(mode="json")
        played.summary_written_by = packet.summary.written_by
        if scenario.routing is not None:
            expected = scenario.routing
            played.routing_ok = (
                expected.skills is None or sorted(expected.skills) == sorted(decision.skills)
            ) and (expected.priority is None or expected.priority == decision.priority)
        said = " ".join(t.say for t in scenario.turns[: played.escalated_at])
        given = [fact for fact in scenario.facts if fact in said]
        played.facts_given = len(given)
        book = PlaceholderBook(await self.service.placeholders.load(cid))
        summary = packet.summary.model_dump_json().lower()
        for fact in given:
            redacted = self._redacted(fact, book)
            if fact.lower() not in summary and redacted.lower() not in summary:
                played.facts_missing.append(redacted)

    def _redacted(self, value: str, book: PlaceholderBook) -> str:
        """A value as this conversation's redaction wrote it (reports never hold the value)."""
        verdict = self.service.guard.inspect(value, book)
        return verdict.redaction.text if verdict.redaction else "<REFUSED>"

    async def _leaks(
        self, scenario: Scenario, cid: str, played: Played, logs: list[str]
    ) -> list[str]:
        """Where any of the scenario's personal values shows up: the places PII must never be."""
        state = await self.service.graph.memory(cid)
        entry = await self.service.queue.entry(cid)
        places = {
            "bot replies": " ".join(t.reply for t in played.turns),
            "conversation log": json.dumps(
                [e.model_dump(mode="json") for e in await self.service.log.events_after(cid, 0)],
                ensure_ascii=False,
            ),
            "graph checkpoint": json.dumps(state, ensure_ascii=False, default=str),
            "handoff packet": entry.packet.model_dump_json() if entry else "",
            "logs": "\n".join(logs),
        }
        said = " ".join(t.say for t in scenario.turns[: len(played.turns)])
        values = [value for value in scenario.pii if value in said]
        played.pii_given = len(values)
        found = {
            number: [place for place, text in places.items() if value.lower() in text.lower()]
            for number, value in enumerate(values, start=1)
        }
        played.pii_leaked = sum(bool(where) for where in found.values())
        # Named by number, never by value: a value that leaked is one redaction missed.
        return [f"personal value #{n} in {place}" for n, where in found.items() for place in where]


async def bot_answer(
    frames: asyncio.Queue[ServerFrame], after_seq: int
) -> tuple[ServerFrame, list[ServerFrame]]:
    """The bot's (or the apology's) message for a turn, and the frames sent with it."""
    async with asyncio.timeout(TURN_TIMEOUT_S):
        while True:
            frame = await frames.get()
            role = frame.data.get("role")
            if (
                frame.type == "message"
                and role in ("bot", "system")
                and (frame.seq or 0) > after_seq
            ):
                break
    after = []
    while not frames.empty():
        after.append(frames.get_nowait())
    return frame, after


def _about(line: str, conversation_id: str) -> bool:
    """A log line of this conversation, or of none in particular."""
    return conversation_id in line or '"conversation_id"' not in line


async def _told_what_happens(
    frames: asyncio.Queue[ServerFrame], already: list[ServerFrame]
) -> list[ServerFrame]:
    """After a handoff the customer hears their place in line, or that nobody is online.
    The `mode` frame says only that the conversation left the bot, and may come before
    those words (they are told in separate frames), so it is read past, not taken for them."""
    if any(f.type in ("message", "queue_position") for f in already):
        return []
    try:
        async with asyncio.timeout(QUEUE_NOTICE_S):
            while True:
                frame = await frames.get()
                if frame.type in ("message", "queue_position"):
                    return [frame]
    except TimeoutError:
        return []


def _mask_values(played: Played, values: list[str]) -> None:
    """Whatever the product let through, the report does not repeat."""
    if not values:
        return
    for turn in played.turns:
        turn.said, turn.reply = _masked(turn.said, values), _masked(turn.reply, values)
    played.reason_words = [_masked(w, values) for w in played.reason_words]
    played.facts_missing = [_masked(f, values) for f in played.facts_missing]
    if played.summary is not None:
        played.summary = json.loads(_masked(json.dumps(played.summary), values))


def _masked(text: str, values: list[str]) -> str:
    """A check's detail may quote an expectation that is itself a personal value."""
    for value in values:
        text = re.sub(re.escape(value), "<personal value>", text, flags=re.IGNORECASE)
    return text


def _resolution(played: Played) -> tuple[bool, str]:
    if played.decision_ok and played.routing_ok is not False:
        return True, ""
    if played.expected_at is None:
        return False, f"handed over at turn {played.escalated_at} ({', '.join(played.reasons)})"
    if played.escalated_at is None:
        return False, f"never handed over (expected by turn {played.latest_at})"
    if not played.decision_ok:
        return False, (
            f"handed over at turn {played.escalated_at} for {played.reasons}; expected turn "
            f"{played.expected_at}-{played.latest_at} for {played.expected_reasons or 'any reason'}"
        )
    return False, f"routed to {played.skills} at {played.priority}"
