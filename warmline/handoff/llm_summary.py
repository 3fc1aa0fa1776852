"""The LLM-written handoff summary: better prose, never fewer facts.

The extractive packet is queued first, so a slow or broken model never delays a
handoff; the model's summary replaces it afterwards only if it validates against
the schema and invents no placeholder the conversation does not contain. Facts,
articles and the sentiment trajectory stay the extractive builder's: they are
records, not prose, and the model may only add to the facts.
"""

from pydantic import BaseModel, ConfigDict

from warmline.agent.llm import LlmAnswerer, LlmFailure
from warmline.agent.prompts import load
from warmline.guardrails.redaction import PLACEHOLDER
from warmline.handoff.packet import HandoffPacket, Summary


class LlmSummary(BaseModel):
    """The part of the summary the model writes (strict JSON schema: every field required)."""

    model_config = ConfigDict(extra="forbid")

    issue: str
    customer_goal: str
    facts_collected: list[str]
    open_questions: list[str]
    suggested_next_steps: list[str]


async def llm_summary(llm: LlmAnswerer, packet: HandoffPacket, company: str) -> Summary:
    transcript = "\n".join(f"{line.role}: {line.text}" for line in packet.transcript)
    draft = packet.summary.model_dump_json(include={"issue", "customer_goal", "facts_collected"})
    written = await llm.structured(
        [
            {"role": "system", "content": load("summary").format(company=company)},
            {
                "role": "user",
                "content": f"<conversation>\n{transcript}\n</conversation>\n"
                f"<draft>\n{draft}\n</draft>\n"
                f"<reasons>\n{'; '.join(packet.reasons_in_words)}\n</reasons>",
            },
        ],
        LlmSummary,
        llm.settings.summary_model,
        packet.conversation_id,
    )
    known = set(PLACEHOLDER.findall(transcript))
    invented = set(PLACEHOLDER.findall(written.model_dump_json())) - known
    if invented:
        raise LlmFailure(f"invented placeholders {sorted(invented)}")
    extractive = packet.summary
    return extractive.model_copy(
        update={
            "issue": written.issue,
            "customer_goal": written.customer_goal,
            "facts_collected": list(
                dict.fromkeys([*extractive.facts_collected, *written.facts_collected])
            ),
            "open_questions": written.open_questions or extractive.open_questions,
            "suggested_next_steps": written.suggested_next_steps or extractive.suggested_next_steps,
            "written_by": "llm",
        }
    )
