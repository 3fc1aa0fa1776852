"""Intent and escalation hints from the model: a second reader of the customer's message.

With `llm.classify_model` set, the model classifies each message in a strict JSON
schema. Its hints can only add evidence the word detectors missed (a request for a
person said in a way no pattern knows, a sensitive topic) and are recorded as the
model's, quoted; they never remove a detector's finding, so a model outage or a
wrong hint cannot stop a handoff the detectors would make.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict

from warmline.agent.llm import LlmAnswerer
from warmline.agent.prompts import load
from warmline.guardrails.evidence import Signal
from warmline.guardrails.sensitive import SensitiveTopic
from warmline.guardrails.signals import Signals


class TurnHints(BaseModel):
    model_config = ConfigDict(extra="forbid")

    wants_person: bool
    sensitive_topic: Literal[
        "fraud",
        "identity_theft",
        "legal_threat",
        "self_harm",
        "medical_emergency",
        "staff_complaint",
        "none",
    ]
    intent: Literal["question", "problem", "complaint", "cancellation", "thanks", "other"]
    evidence: str


async def classify(
    llm: LlmAnswerer, text: str, model: str, conversation_id: str | None
) -> TurnHints:
    return await llm.structured(
        [
            {"role": "system", "content": load("classify")},
            {"role": "user", "content": f"<customer_message>\n{text}\n</customer_message>"},
        ],
        TurnHints,
        model,
        conversation_id,
    )


def with_hints(found: Signals, hints: TurnHints) -> Signals:
    """The detectors' signals plus what only the model saw, marked as the model's."""
    quote = f"model: \u201c{hints.evidence.strip()[:120]}\u201d"
    update: dict[str, object] = {}
    if hints.wants_person and not found.human_request.fired():
        update["human_request"] = Signal(score=1.0, evidence=[quote])
    if hints.sensitive_topic != "none" and found.sensitive.topic is None:
        update["sensitive"] = SensitiveTopic(
            topic=hints.sensitive_topic, signal=Signal(score=1.0, evidence=[quote])
        )
    if hints.intent == "cancellation" and not found.cancellation.fired():
        update["cancellation"] = Signal(score=1.0, evidence=[quote])
    return found.model_copy(update=update)
