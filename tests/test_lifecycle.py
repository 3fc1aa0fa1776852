"""The conversation's modes move only along the diagram in ARCHITECTURE.md, and a move
writes the mode and the event both sides read together, or neither."""

from collections.abc import AsyncIterator
from itertools import product
from pathlib import Path

import pytest

from warmline.conversation.lifecycle import (
    TRANSITIONS,
    IllegalTransition,
    allowed,
    change_mode,
)
from warmline.storage.conversations import ConversationLog, Mode
from warmline.storage.sqlite import SqliteDatabase

MODES: tuple[Mode, ...] = ("bot", "queued", "human", "resolved")
# The diagram, written out once more by hand so that a change to the table is a decision.
ALLOWED = {
    ("bot", "queued"),  # the bot escalates
    ("queued", "human"),  # an agent claims
    ("human", "queued"),  # a transfer, or the agent is gone past the grace period
    ("human", "bot"),  # the agent hands back
    ("human", "resolved"),  # the agent resolves
    ("resolved", "bot"),  # the customer writes again
}


def test_the_table_is_the_diagram() -> None:
    assert set(TRANSITIONS) == set(MODES)
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_every_move_of_the_diagram_is_allowed(current: Mode, target: Mode) -> None:
    assert allowed(current, target)


@pytest.mark.parametrize(("current", "target"), sorted(set(product(MODES, MODES)) - ALLOWED))
def test_every_other_move_is_refused(current: Mode, target: Mode) -> None:
    """Among them: the bot handing straight to a person without the queue, a waiting
    customer dropped back to the bot, a resolved conversation reopened to an agent, and
    staying put (a second "mode" event for no move)."""
    assert not allowed(current, target)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = await SqliteDatabase.open(tmp_path / "warmline.sqlite")
    yield database
    await database.close()


async def test_a_move_writes_the_mode_and_its_event(db: SqliteDatabase) -> None:
    log = ConversationLog(db)
    conversation = await log.create()
    async with db.transaction() as conn:
        await change_mode(conn, conversation.id, "queued", reasons=["asked_for_human"])
    async with db.transaction() as conn:
        event = await change_mode(conn, conversation.id, "human", "a1", agent_name="Ann")
    stored = await log.get(conversation.id)
    assert stored is not None
    assert (stored.mode, stored.agent_id) == ("human", "a1")
    assert event.type == "mode"
    assert event.data == {"mode": "human", "agent_id": "a1", "agent_name": "Ann"}
    events = await log.events_after(conversation.id, 0)
    assert [e.data["mode"] for e in events if e.type == "mode"] == ["queued", "human"]


async def test_an_illegal_move_raises_and_leaves_nothing_behind(db: SqliteDatabase) -> None:
    log = ConversationLog(db)
    conversation = await log.create()
    with pytest.raises(IllegalTransition) as raised:
        async with db.transaction() as conn:
            await change_mode(conn, conversation.id, "human", "a1")
    assert (raised.value.current, raised.value.target) == ("bot", "human")
    stored = await log.get(conversation.id)
    assert stored is not None
    assert (stored.mode, stored.agent_id) == ("bot", None)
    assert [e for e in await log.events_after(conversation.id, 0) if e.type == "mode"] == []
