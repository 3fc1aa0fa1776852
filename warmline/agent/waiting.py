"""The bot while a customer waits for a person: it answers what the help center knows.

A queued customer who asks something the knowledge base answers confidently gets that
answer at once, marked as the assistant's while they wait, instead of silence until
an agent is free. Anything less than a confident answer is left to the person (no
"I couldn't find that" while a human is on the way). A customer who asks for a person
again, or tells the bot to stop, is telling it to leave the answering to the team:
the bot stays quiet until the conversation is back with it.
"""

import re
from typing import Any

from warmline.agent.state import AgentState, Message, Outcome, TurnInput
from warmline.guardrails.signals import Signals

# "stop answering", "don't reply", "no more answers": the customer wants only a person.
_STOP_ANSWERING = re.compile(
    r"\b(?:stop|quit|no more)\s+(?:answering|replying|responding|answers|replies)\b|"
    r"\b(?:don'?t|do not|please don'?t)\s+(?:answer|reply|respond)\b",
    re.IGNORECASE,
)


def wants_only_a_person(turn: TurnInput, signals: Signals) -> bool:
    """A waiting customer who asks for a person again, or asks the bot to stop."""
    return (
        turn.force_human
        or signals.human_request.fired()
        or _STOP_ANSWERING.search(turn.text) is not None
    )


def answers_while_waiting(state: AgentState) -> bool:
    """Whether the bot searches this queued turn: yes, unless told to leave it to a person."""
    asked = wants_only_a_person(state["turn"], state["signals"])
    return not (asked or state.get("quiet_while_waiting", False))


def reply_while_waiting(state: AgentState, threshold: float) -> dict[str, Any]:
    """The help center's confident answer, marked as given while waiting; else nothing."""
    turn = state["turn"]
    answer = state.get("answer")
    if answer is None or answer.confidence is None or answer.confidence < threshold:
        return {"outcome": Outcome(for_seq=turn.seq, kind="silent").model_dump(mode="json")}
    outcome = Outcome(
        for_seq=turn.seq,
        kind="reply",
        text=answer.text,
        citations=answer.citations,
        while_waiting=True,
    )
    message: Message = {"role": "bot", "text": answer.text, "seq": turn.seq}
    return {
        "outcome": outcome.model_dump(mode="json"),
        "messages": [message],
        "articles_shown": [c.model_dump() for c in answer.citations],
    }
