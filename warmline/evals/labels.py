"""The learning loop's way out: agents' labels become eval scenarios.

An agent who marks "the bot should have answered this" or "this escalation was
wrong" has written a test case; exporting it in the scenario format lets the next
`warmline eval handoff` hold the bot to it. Turns are the stored (redacted) customer
messages, so an export carries no personal data.
"""

from pydantic import BaseModel

from warmline.evals.handoff_eval import Scenario
from warmline.storage.conversations import ConversationLog
from warmline.storage.database import Database


class LabeledScenario(Scenario):
    label_id: int
    label: str
    article_id: str | None = None
    agent_id: str


class _Label(BaseModel):
    id: int
    conversation_id: str
    agent_id: str
    kind: str
    article_id: str | None
    note: str


async def export_labels(db: Database) -> list[LabeledScenario]:
    log = ConversationLog(db)
    rows = await db.fetch_all("SELECT * FROM labels ORDER BY id")
    scenarios = []
    for row in rows:
        label = _Label.model_validate(dict(row))
        events = await log.events_after(label.conversation_id, 0)
        customer = [e for e in events if e.type == "message" and e.data.get("role") == "customer"]
        handed_over = next(
            (e.seq for e in events if e.type == "mode" and e.data.get("mode") == "queued"), None
        )
        turns_before = [e for e in customer if handed_over is None or e.seq < handed_over]
        if not customer:
            continue  # nothing the customer said: no scenario to replay
        right = label.kind == "escalation_right"
        scenarios.append(
            LabeledScenario(
                id=f"label-{label.id}",
                category="agent_label",
                turns=[str(e.data["text"]) for e in (turns_before or customer)],
                request_human_at=next(
                    (i for i, e in enumerate(turns_before, 1) if e.data.get("force_human")), None
                ),
                escalate_at=len(turns_before) if right and turns_before else None,
                note=f"agent label: {label.kind}",
                label_id=label.id,
                label=label.kind,
                article_id=label.article_id,
                agent_id=label.agent_id,
            )
        )
    return scenarios
