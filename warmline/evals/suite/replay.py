"""`warmline eval export`: real conversations from the store as scenarios.

Each conversation's customer turns up to its first handoff become a script, and what
the bot decided becomes the expectation: handed over at that turn, for those
reasons, to those skills. Replaying the export with `eval run` reproduces those
decisions, which makes the store a regression suite: a change that alters how
yesterday's conversations would have gone shows up as failed scenarios.

Where an agent labelled the conversation in the console, the label wins: "the bot
should have answered" (citing the article named) or "this escalation was wrong"
expect the bot to keep the conversation. Turns are the stored, redacted texts, so
an export carries no personal data; agents' free-text notes are left out for the
same reason.
"""

from warmline.evals.suite.scenario import Routing, Scenario, Turn, TurnExpectation
from warmline.handoff.queue import HandoffQueue
from warmline.storage.conversations import ConversationLog, Event
from warmline.storage.database import Database
from warmline.storage.labels import Label, all_labels

KEEP_LABELS = ("bot_should_have_answered", "escalation_wrong")


def _script(events: list[Event]) -> tuple[list[Turn], int | None, list[str]]:
    """The customer's turns while the bot had the conversation, up to its first handoff."""
    turns: list[Turn] = []
    for event in events:
        if event.type == "mode" and event.data.get("mode") == "queued":
            return turns, len(turns), [str(r) for r in event.data.get("reasons", [])]
        if event.type == "message" and event.data.get("role") == "customer":
            turns.append(
                Turn(say=str(event.data["text"]), press_human=bool(event.data.get("force_human")))
            )
    return turns, None, []


async def export_scenarios(db: Database, labeled_only: bool = False) -> list[Scenario]:
    log = ConversationLog(db)
    queue = HandoffQueue(db)
    labels: dict[str, Label] = {}
    for labelled in await all_labels(db):
        labels[labelled.conversation_id] = labelled  # an agent's latest word on it counts
    scenarios = []
    for cid in await log.ids_in_order():
        label = labels.get(cid)
        if labeled_only and label is None:
            continue
        conversation = await log.get(cid)
        turns, handed_over_at, reasons = _script(await log.events_after(cid, 0))
        if conversation is None or not turns:
            continue  # nothing the customer said to the bot: nothing to replay
        packet = await queue.first_packet(cid)
        routing = None
        if packet is not None and handed_over_at is not None:
            decision = packet.decision
            routing = Routing(skills=decision.skills, priority=decision.priority)
        tags = ["replay", *([label.kind] if label else [])]
        if label is not None and label.kind in KEEP_LABELS:
            handed_over_at, reasons, routing = None, [], None
            if label.article_id:
                turns[-1] = turns[-1].model_copy(
                    update={"expect": TurnExpectation(cite=[label.article_id])}
                )
        scenarios.append(
            Scenario.model_validate(
                {
                    "id": f"replay-{cid}",
                    "tags": tags,
                    "turns": turns,
                    "language": conversation.language,
                    "segment": conversation.segment,
                    "escalate_at": handed_over_at,
                    "reasons": reasons,
                    "routing": routing,
                    "note": f"conversation {cid}"
                    + (f", agent label {label.kind} (#{label.id})" if label else ""),
                }
            )
        )
    return scenarios
