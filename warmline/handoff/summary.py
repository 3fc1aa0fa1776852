"""The deterministic summary builder: a complete packet with no LLM.

It quotes and extracts rather than paraphrases, so it can be wrong only by
omission; facts are kept as the placeholders and identifiers the customer gave.
"""

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from warmline.agent.decision import REASON_WORDS, EscalationDecision, Priority
from warmline.agent.responder import NOT_FOUND, smalltalk_reply
from warmline.agent.state import Citation
from warmline.guardrails.company import DEFAULT_COMPANY
from warmline.guardrails.human_request import detect_human_request
from warmline.guardrails.redaction import PLACEHOLDER
from warmline.handoff.packet import CustomerProfile, HandoffPacket, Summary, TranscriptLine
from warmline.handoff.policy import reasons_in_words
from warmline.storage.conversations import Event

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATES = re.compile(
    rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}(?: \d{{4}})?|"
    rf"{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?|"
    r"(?:last|this|on) (?:mon|tues|wednes|thurs|fri|satur|sun)day|yesterday|"
    r"(?:\d+|a|one|two|three|four|five|six|seven|ten) (?:days?|weeks?|months?) ago)\b",
    re.IGNORECASE,
)
# A stop ends a sentence only before a space or the end: "$12.99" and "the 2.4 one" stay whole.
_SENTENCES = re.compile(r"(?:[^.?!]|[.?!](?=\S))+[.?!]*")
_ASKS = re.compile(
    r"(?:how|what|why|when|where|which|who|can|could|do|does|did|is|are|was|will|would|should|"
    r"may|qu[eé]|c[oó]mo|cu[aá]ndo|d[oó]nde|por qu[eé]|puedo|wie|was|warum|wann|wo|kann|"
    r"k[oö]nnen|ist)\b",
    re.IGNORECASE,
)
_IDENTIFIERS = re.compile(r"\b(?:LH-\d{6}|E-\d{4}|[A-Z]{2,4}-\d{4,10})\b|[$€£]\s?\d+(?:[.,]\d{2})?")
_GOAL = re.compile(
    r"\b(?:i(?: want| need| would like|'d like|’d like)|how (?:do|can) i|can (?:i|you)|"
    r"please|help me)\b(?:[^.?!]|[.?!](?=\S))*[.?!]?",
    re.IGNORECASE,
)
_FIRST_SENTENCE = re.compile(r"^(.{1,220}?[.?!])(?:\s|$)", re.DOTALL)
_LABEL_WORDS = {
    "NAME": "name",
    "EMAIL": "e-mail",
    "PHONE": "phone",
    "CARD": "card number",
    "IBAN": "IBAN",
    "SSN": "SSN",
    "IP": "IP address",
    "DOB": "date of birth",
    "ADDRESS": "address",
    "HANDLE": "social media handle",
}
_NEXT_STEPS = {
    "explicit_request": "Acknowledge the request for a person and confirm you have the history.",
    "low_confidence": (
        "The help center did not cover this question: answer it directly and flag the gap."
    ),
    "negative_sentiment": "Acknowledge the customer's frustration before troubleshooting.",
    "frustration": "Acknowledge the customer's frustration before troubleshooting.",
    "turn_limit": (
        "The help center had no answer for several questions: take ownership and resolve "
        "them in as few steps as you can."
    ),
}


def _sentence(text: str) -> str:
    match = _FIRST_SENTENCE.match(text.strip())
    return (match.group(1) if match else text.strip()[:220]).strip()


def _substantive(text: str, company: str) -> bool:
    """Not small talk, nor a short request for a person ("an Acme agent please", in the
    configured `company`'s name)."""
    return smalltalk_reply(text, "") is None and not (
        detect_human_request(text, company=company).fired() and len(text.split()) <= 8
    )


def _said(text: str) -> list[str]:
    """The message's sentences, less those that are only thanks, an acknowledgement or a
    greeting: "Thanks. Separately, I'd like to raise a complaint" states its need second."""
    sentences = (m.group(0).strip() for m in _SENTENCES.finditer(text))
    return [s for s in sentences if s and smalltalk_reply(s, "") is None]


def _facts(customer_texts: list[str], products: Sequence[str]) -> list[str]:
    """Every placeholder, identifier, amount, product and date the customer gave."""
    product = (
        re.compile(r"\b(?:" + "|".join(map(re.escape, products)) + r")\b", re.IGNORECASE)
        if products
        else None
    )
    facts: list[str] = []
    for text in customer_texts:
        for placeholder in PLACEHOLDER.findall(text):
            label = placeholder.strip("<>").rsplit("_", 1)[0]
            facts.append(f"{_LABEL_WORDS.get(label, label.lower())}: {placeholder}")
        facts += [f"mentioned: {match}" for match in _IDENTIFIERS.findall(text)]
        if product is not None:
            facts += [f"product: {match}" for match in product.findall(text)]
        facts += [f"when: {match}" for match in _DATES.findall(text)]
    return list(dict.fromkeys(facts))


def _asked(messages: list[dict[str, Any]], company: str) -> list[tuple[str, bool]]:
    """Each substantive customer message, and whether the bot answered it from an article."""
    asked = []
    for message, after in zip(messages, [*messages[1:], None], strict=True):
        if message["role"] != "customer" or not _substantive(str(message["text"]), company):
            continue
        reply = str(after["text"]) if after and after["role"] == "bot" else ""
        asked.append((str(message["text"]), reply.startswith("From \u201c")))
    return asked


def _questions(text: str) -> list[str]:
    """The sentences that ask something: a question mark, or a question word first.

    A statement such as "I already did all that yesterday." is context, not a question the
    agent must answer, so it stays in the transcript and out of the open questions."""
    sentences = (m.group(0).strip() for m in _SENTENCES.finditer(text))
    return [s for s in sentences if s.endswith("?") or _ASKS.match(s.lstrip("¿"))]


def _open_questions(asked: list[tuple[str, bool]]) -> list[str]:
    """What the customer asked that the bot did not answer from the help center."""
    return list(
        dict.fromkeys(q for text, answered in asked if not answered for q in _questions(text))
    )


def _goal(asked: list[tuple[str, bool]], fallback: str, company: str) -> str:
    """The need that brought the conversation to a person: the first message the bot could
    not answer (later questions it did answer are not why a person is needed), else the
    latest one; its "I need…"/"how do I…" clause when it has one."""
    unanswered = [text for text, answered in asked if not answered]
    source = unanswered[0] if unanswered else asked[-1][0] if asked else None
    if source is None:
        return fallback
    # "…charged twice. I want to talk to a person." needs the charge, not the person.
    need = " ".join(
        s for s in _said(source) if not detect_human_request(s, company=company).fired()
    )
    if not need:
        return fallback
    wish = _GOAL.search(need)
    return wish.group(0).strip() if wish else _sentence(need)


def _bot_attempts(messages: list[dict[str, Any]]) -> list[str]:
    tried = []
    for message in messages:
        if message["role"] != "bot":
            continue
        text = str(message["text"])
        if text == NOT_FOUND:
            tried.append("Said it could not find an answer in the help center.")
        elif text.startswith("From \u201c"):
            tried.append("Answered with: " + text.split("\n", 1)[0].removesuffix(":"))
    return tried


def transcript_from(events: list[Event]) -> list[TranscriptLine]:
    """The packet's transcript is the conversation log itself, with its real seq numbers."""
    return [
        TranscriptLine(role=e.data["role"], text=e.data["text"], seq=e.seq)
        for e in events
        if e.type == "message"
    ]


def build_packet(
    conversation_id: str,
    state: Mapping[str, Any],
    decision: EscalationDecision,
    transcript: list[TranscriptLine],
    sla_minutes: Mapping[Priority, float],
    previous_agent: str | None = None,
    products: Sequence[str] = (),
    now: datetime | None = None,
    company: str = DEFAULT_COMPANY,
) -> HandoffPacket:
    """`company`: the configured company's name, which the request rules read ("an Acme
    agent please" is a request, not the issue)."""
    now = now or datetime.now(UTC)
    messages: list[dict[str, Any]] = list(state.get("messages", []))
    customer_texts = [str(m["text"]) for m in messages if m["role"] == "customer"]
    substantive = [t for t in customer_texts if _substantive(t, company)]
    issue = (
        _sentence(" ".join(_said(substantive[0])) or substantive[0])
        if substantive
        else "The customer asked for a person before describing an issue."
    )
    asked = _asked(messages, company)
    articles = list(
        {
            c["article_id"]: Citation.model_validate(c) for c in state.get("articles_shown", [])
        }.values()
    )
    steps = list(
        dict.fromkeys(_NEXT_STEPS[r.code] for r in decision.reasons if r.code in _NEXT_STEPS)
    )
    if not substantive:
        steps.append("Ask what the customer needs help with; the bot did not learn it.")
    priority: Priority = decision.priority
    return HandoffPacket(
        conversation_id=conversation_id,
        customer=CustomerProfile(
            language=decision.language,
            segment=decision.segment,
            returning=previous_agent is not None,
            previous_agent=previous_agent,
        ),
        decision=decision,
        reasons_plain=list(dict.fromkeys(REASON_WORDS[r.code] for r in decision.reasons)),
        reasons_in_words=reasons_in_words(decision),
        summary=Summary(
            issue=issue,
            customer_goal=_goal(asked, issue, company),
            facts_collected=_facts(customer_texts, products),
            what_the_bot_tried=_bot_attempts(messages),
            articles_shown=articles,
            sentiment_trajectory=[round(s, 3) for s in state.get("sentiments", [])],
            open_questions=_open_questions(asked),
            suggested_next_steps=steps,
        ),
        transcript=transcript,
        created_at=now,
        sla_deadline=now + timedelta(minutes=sla_minutes[priority]),
    )
