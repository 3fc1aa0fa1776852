"""What the supervisors' dashboard reads on every queue change stays small as the store
grows: each handoff's reason codes beside its packet (kept current when the packet is
completed, filled in for rows stored before the column existed), and the day's rows found
through indexes rather than by scanning every handoff and conversation ever stored."""

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.dialects import sqlite as sqlite_dialect

from warmline.agent.decision import EscalationDecision, Reason, ReasonCode
from warmline.config import Settings
from warmline.handoff.packet import HandoffPacket
from warmline.handoff.queue import HandoffQueue
from warmline.handoff.summary import build_packet
from warmline.storage import conversations, handoffs
from warmline.storage.schema import MIGRATIONS, migrate, sqlite_url
from warmline.storage.sqlite import SqliteDatabase

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def packet(conversation_id: str, *codes: ReasonCode) -> HandoffPacket:
    decision = EscalationDecision(
        escalate=True, reasons=[Reason(code=code, detail="seen") for code in codes]
    )
    state = {
        "messages": [{"role": "customer", "text": "where is my parcel?", "seq": 1}],
        "sentiments": [],
        "articles_shown": [],
    }
    sla = Settings().policy.queue.sla_minutes
    return build_packet(conversation_id, state, decision, [], sla, now=NOW)


async def test_a_completed_packet_changes_the_reasons_the_dashboard_counts(
    tmp_path: Path,
) -> None:
    """The button's handoff goes out as an explicit request; the turn's decision, added
    when the packet is completed, also found frustration."""
    db = await SqliteDatabase.open(tmp_path / "warmline.sqlite")
    try:
        conversation = await conversations.ConversationLog(db).create()
        queue = HandoffQueue(db, clock=lambda: NOW)
        async with db.transaction() as conn:
            entry = await queue.enqueue(conn, packet(conversation.id, "explicit_request"))
        assert await queue.reasons_since(NOW - timedelta(hours=1)) == [(NOW, {"explicit_request"})]
        completed = packet(conversation.id, "frustration", "explicit_request")
        await queue.replace_packet(entry.id, completed)
        assert await queue.reasons_since(NOW - timedelta(hours=1)) == [
            (NOW, {"explicit_request", "frustration"})
        ]
        assert await queue.reasons_since(NOW + timedelta(seconds=1)) == []
    finally:
        await db.close()


async def test_handoffs_stored_before_the_reasons_column_are_counted_after_the_upgrade(
    tmp_path: Path,
) -> None:
    path = tmp_path / "warmline.sqlite"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sqlite_url(path))
    command.upgrade(config, "0002")
    stored = packet("c_old", "low_confidence", "negative_sentiment")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO conversations (id, created_at) VALUES ('c_old', ?)", (NOW.isoformat(),)
        )
        # then rows an earlier schema or a damaged write could leave: none may stop the upgrade
        for body in (stored.model_dump_json(), "{}", '{"decision": null}', "not json"):
            conn.execute(
                "INSERT INTO handoffs (conversation_id, status, priority, created_at, packet) "
                "VALUES ('c_old', 'closed', 1, ?, ?)",
                (NOW.isoformat(), body),
            )
    migrate(sqlite_url(path))
    db = await SqliteDatabase.open(path)
    try:
        assert await HandoffQueue(db).reasons_since(NOW - timedelta(days=1)) == [
            (NOW, {"low_confidence", "negative_sentiment"}),
            (NOW, set()),
            (NOW, set()),
            (NOW, set()),
        ]
    finally:
        await db.close()


def test_the_dashboards_reads_of_the_day_use_indexes(tmp_path: Path) -> None:
    """A full scan here would make every rebuild read every handoff and conversation
    ever stored."""
    path = tmp_path / "warmline.sqlite"
    migrate(sqlite_url(path))
    reads = [
        handoffs.WAITS_SINCE,
        handoffs.CLAIMS_SINCE,
        handoffs.REASONS_SINCE,
        handoffs.CSAT_SINCE,
        handoffs.HANDLED_SINCE,
        handoffs.HANDED_OVER_SHARE,
        conversations.COUNT_BY_MODE,
    ]
    with sqlite3.connect(path) as conn:
        for statement in reads:
            text, names = statement.compiled(sqlite_dialect.dialect())
            plan = conn.execute(
                f"EXPLAIN QUERY PLAN {text}",
                ["2026-12-06" if name == "since" else 500 for name in names],
            ).fetchall()
            steps = [str(step[3]) for step in plan]
            assert not [s for s in steps if re.match(r"SCAN (handoffs|conversations|c|h)\b", s)], (
                text,
                steps,
            )


async def test_an_open_entry_read_again_shows_its_claim_requeue_and_completed_packet(
    tmp_path: Path,
) -> None:
    """Every queue change reads every open row and reuses the entry of a row that did not
    change; a claim, a requeue for another agent and a completed packet must each show."""
    db = await SqliteDatabase.open(tmp_path / "warmline.sqlite")
    try:
        conversation = await conversations.ConversationLog(db).create()
        queue = HandoffQueue(db, clock=lambda: NOW)
        async with db.transaction() as conn:
            await queue.enqueue(conn, packet(conversation.id, "explicit_request"))
        [first] = await queue.open_entries()
        assert (await queue.open_entries())[0] is first  # unchanged: the same entry
        async with db.transaction() as conn:
            assert await queue.claim(conn, conversation.id, "ada")
        [claimed] = await queue.open_entries()
        assert (claimed.status, claimed.claimed_by) == ("claimed", "ada")
        async with db.transaction() as conn:
            await queue.requeue(conn, conversation.id, "grace", timedelta(minutes=2))
        [requeued] = await queue.open_entries()
        assert (requeued.status, requeued.preferred_agent) == ("queued", "grace")
        assert requeued.requeued_at == NOW
        completed = packet(conversation.id, "frustration", "explicit_request")
        await queue.replace_packet(requeued.id, completed)
        [read] = await queue.open_entries()
        assert {r.code for r in read.packet.decision.reasons} == {"explicit_request", "frustration"}
        assert await queue.entry(conversation.id) == read
    finally:
        await db.close()
