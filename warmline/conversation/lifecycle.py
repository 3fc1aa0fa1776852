"""Who answers a conversation, and the only moves between those modes.

`bot → queued → human → (bot | resolved)`, `human → queued` on a transfer or a lost
agent, and `resolved → bot` when the customer writes again. The table is the diagram in
ARCHITECTURE.md as data: a move it does not list is a bug (two parties answering, or a
conversation no one answers), so it raises instead of being written.
"""

from typing import Any

from warmline.storage.conversations import ConversationLog, Event, Mode
from warmline.storage.database import Connection

TRANSITIONS: dict[Mode, frozenset[Mode]] = {
    "bot": frozenset({"queued"}),
    "queued": frozenset({"human"}),
    "human": frozenset({"queued", "bot", "resolved"}),
    "resolved": frozenset({"bot"}),
}


class IllegalTransition(Exception):
    """A mode change the lifecycle does not allow; the transaction making it is undone."""

    def __init__(self, conversation_id: str, current: Mode, target: Mode) -> None:
        super().__init__(f"conversation {conversation_id}: {current} → {target} is not allowed")
        self.conversation_id = conversation_id
        self.current = current
        self.target = target


def allowed(current: Mode, target: Mode) -> bool:
    return target in TRANSITIONS[current]


async def change_mode(
    conn: Connection,
    conversation_id: str,
    target: Mode,
    owner: str | None = None,
    **details: Any,
) -> Event:
    """Move a conversation to `target` inside the caller's transaction: the mode column and
    the "mode" event both sides read are written together, after the move is checked
    against the mode the row has now (read in the same transaction, so a concurrent
    move cannot slip between the check and the write). `owner` is the agent who answers
    in `human` mode; the event names them too."""
    current = (await ConversationLog.get_in(conn, conversation_id)).mode
    if not allowed(current, target):
        raise IllegalTransition(conversation_id, current, target)
    await ConversationLog.set_mode(conn, conversation_id, target, owner)
    data: dict[str, Any] = {"mode": target}
    if owner is not None:
        data["agent_id"] = owner
    return await ConversationLog.append(conn, conversation_id, "mode", data | details)
