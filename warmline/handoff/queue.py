"""The durable handoff queue.

A claim is one conditional UPDATE, so among agents racing for the same
conversation exactly one sees its row change and wins. A conversation that leaves
its agent without being finished (transfer, agent gone) goes back to `queued` on
the same row, keeping its packet, with the agent it should wait for. It also keeps
the moment its customer started waiting and its SLA deadline: the customer has waited
since the handoff, and a transfer is no reason to start their clock again. The move
records its own time (`requeued_at`), from which the typical waits are measured.
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from warmline.agent.decision import Priority
from warmline.clock import Clock, utc_now
from warmline.handoff.packet import HandoffPacket
from warmline.storage.database import Connection, Database, Row

PRIORITY_RANK: dict[Priority, int] = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
PRIORITY_BY_RANK: dict[int, Priority] = {rank: name for name, rank in PRIORITY_RANK.items()}
RECENT_CLAIMS = 500  # enough for a stable median per priority, few enough to read on every change
Disposition = Literal["resolved", "not_resolved", "follow_up", "duplicate", "spam"]


class QueueEntry(BaseModel):
    id: int
    conversation_id: str
    status: Literal["queued", "claimed"]
    claimed_by: str | None
    priority: Priority
    waiting_since: datetime
    skills: list[str]
    language: str
    preferred_agent: str | None
    preferred_until: datetime | None
    sla_deadline: datetime
    breached_at: datetime | None
    requeued_at: datetime | None = None
    packet: HandoffPacket

    def reserved_for(self, now: datetime) -> str | None:
        """The agent this conversation waits for, while the reservation lasts."""
        if self.preferred_agent and self.preferred_until and now < self.preferred_until:
            return self.preferred_agent
        return None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _seconds_waited(row: Row) -> float:
    claimed = datetime.fromisoformat(row["claimed_at"])
    return (claimed - datetime.fromisoformat(row["queued"])).total_seconds()


def _entry(row: Row, packet: HandoffPacket) -> QueueEntry:
    return QueueEntry(
        id=row["id"],
        conversation_id=row["conversation_id"],
        status=row["status"],
        claimed_by=row["claimed_by"],
        priority=packet.decision.priority,
        waiting_since=_time(row["waiting_since"]) or packet.created_at,
        skills=json.loads(row["skills"]),
        language=row["language"],
        preferred_agent=row["preferred_agent"],
        preferred_until=_time(row["preferred_until"]),
        sla_deadline=_time(row["sla_deadline"]) or packet.sla_deadline,
        breached_at=_time(row["breached_at"]),
        requeued_at=_time(row["requeued_at"]),
        packet=packet,
    )


class HandoffQueue:
    """The queue's rows; the moments it records (claims, requeues, closes, breaches) are
    read from `clock`, the same clock the routing compares them with."""

    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock
        # Parsed packets by row, reused while the stored text is unchanged: every queue
        # change reads every open row, and parsing each packet again grew with the line.
        self._parsed: dict[int, tuple[str, HandoffPacket]] = {}

    def _row(self, row: Row) -> QueueEntry:
        cached = self._parsed.get(row["id"])
        if cached is None or cached[0] != row["packet"]:
            cached = (row["packet"], HandoffPacket.model_validate_json(row["packet"]))
            self._parsed[row["id"]] = cached
        return _entry(row, cached[1])

    @staticmethod
    async def enqueue(
        conn: Connection,
        packet: HandoffPacket,
        preferred_agent: str | None = None,
        preferred_until: datetime | None = None,
    ) -> None:
        await conn.execute(
            "INSERT INTO handoffs (conversation_id, status, priority, created_at, packet, skills, "
            "language, preferred_agent, preferred_until, sla_deadline, waiting_since) "
            "VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                packet.conversation_id,
                PRIORITY_RANK[packet.decision.priority],
                packet.created_at.isoformat(),
                packet.model_dump_json(),
                json.dumps(packet.decision.skills),
                packet.decision.language,
                preferred_agent,
                preferred_until.isoformat() if preferred_until else None,
                packet.sla_deadline.isoformat(),
                packet.created_at.isoformat(),
            ),
        )

    async def claim(self, conn: Connection, conversation_id: str, agent_id: str) -> bool:
        cursor = await conn.execute(
            "UPDATE handoffs SET status = 'claimed', claimed_by = ?, claimed_at = ? "
            "WHERE conversation_id = ? AND status = 'queued'",
            (agent_id, self.clock().isoformat(), conversation_id),
        )
        return cursor.rowcount == 1

    async def requeue(
        self,
        conn: Connection,
        conversation_id: str,
        preferred_agent: str | None,
        preferred_for: timedelta,
        skills: list[str] | None = None,
    ) -> None:
        """Back in line, waiting `preferred_for` for `preferred_agent`; the customer's wait
        and SLA deadline go on from the handoff (a breach already told stays told)."""
        now = self.clock()
        await conn.execute(
            "UPDATE handoffs SET status = 'queued', claimed_by = NULL, claimed_at = NULL, "
            "requeued_at = ?, preferred_agent = ?, preferred_until = ?, "
            "skills = COALESCE(?, skills) WHERE conversation_id = ? AND status = 'claimed'",
            (
                now.isoformat(),
                preferred_agent,
                (now + preferred_for).isoformat() if preferred_agent else None,
                json.dumps(skills) if skills is not None else None,
                conversation_id,
            ),
        )

    async def close(
        self, conn: Connection, conversation_id: str, disposition: Disposition | None = None
    ) -> None:
        await conn.execute(
            "UPDATE handoffs SET status = 'closed', closed_at = ?, disposition = ? "
            "WHERE conversation_id = ? AND status IN ('queued', 'claimed')",
            (self.clock().isoformat(), disposition, conversation_id),
        )

    async def replace_packet(self, handoff_id: int, packet: HandoffPacket) -> None:
        """A better summary for a handoff still open (the LLM's, written after it was queued);
        by row id, so a late summary never lands on a later handoff of the same chat."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE handoffs SET packet = ? WHERE id = ? AND status IN ('queued', 'claimed')",
                (packet.model_dump_json(), handoff_id),
            )

    @staticmethod
    async def record_csat(conn: Connection, conversation_id: str, score: int) -> None:
        await conn.execute(
            "UPDATE handoffs SET csat = ? WHERE id = (SELECT MAX(id) FROM handoffs "
            "WHERE conversation_id = ? AND status = 'closed')",
            (score, conversation_id),
        )

    async def mark_breached(self, conversation_id: str) -> bool:
        """True only for the first call after the deadline passed, so each breach is told once."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE handoffs SET breached_at = ? WHERE conversation_id = ? "
                "AND status = 'queued' AND breached_at IS NULL",
                (self.clock().isoformat(), conversation_id),
            )
            return cursor.rowcount == 1

    @staticmethod
    async def last_agent(conn: Connection, conversation_id: str) -> str | None:
        """Who last helped this customer, so a returning conversation can go to them."""
        cursor = await conn.execute(
            "SELECT claimed_by FROM handoffs WHERE conversation_id = ? AND claimed_by IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            (conversation_id,),
        )
        row = await cursor.fetchone()
        return row["claimed_by"] if row else None

    async def waits_since(self, since: datetime) -> list[tuple[Priority, float]]:
        """Priority and seconds from queued to claimed of the latest claims since a moment.

        A requeued handoff counts from when it went back in line: the time before that was
        the previous agent's, not the line's."""
        rows = await self.db.fetch_all(
            "SELECT priority, COALESCE(requeued_at, waiting_since, created_at) AS queued, "
            "claimed_at "
            "FROM handoffs WHERE claimed_at >= ? ORDER BY claimed_at DESC LIMIT ?",
            since.astimezone(UTC).isoformat(),
            RECENT_CLAIMS,
        )
        return [(PRIORITY_BY_RANK[row["priority"]], _seconds_waited(row)) for row in rows]

    async def claims_since(self, since: datetime) -> int:
        """Every claim since a moment (the waits above are only the latest ones)."""
        row = await self.db.fetch_one(
            "SELECT COUNT(*) AS n FROM handoffs WHERE claimed_at >= ?",
            since.astimezone(UTC).isoformat(),
        )
        return int(row["n"]) if row else 0

    async def reasons_since(self, since: datetime) -> list[tuple[datetime, set[str]]]:
        """When each handoff since a moment was made and the escalation reason codes that
        took part in it.

        Read here rather than counted in SQL, so the same code runs on SQLite and PostgreSQL
        (their JSON functions differ); a day's handoffs are few enough to read."""
        rows = await self.db.fetch_all(
            "SELECT created_at, packet FROM handoffs WHERE created_at >= ?",
            since.astimezone(UTC).isoformat(),
        )
        return [
            (
                datetime.fromisoformat(row["created_at"]),
                {
                    str(reason["code"])
                    for reason in json.loads(row["packet"])["decision"]["reasons"]
                },
            )
            for row in rows
        ]

    async def csat_since(self, since: datetime) -> list[int]:
        """The ratings customers gave conversations a person closed since a moment."""
        rows = await self.db.fetch_all(
            "SELECT csat FROM handoffs WHERE closed_at >= ? AND csat IS NOT NULL",
            since.astimezone(UTC).isoformat(),
        )
        return [int(row["csat"]) for row in rows]

    async def handled_since(self, since: datetime) -> list[tuple[str, float]]:
        """Each conversation a person closed since a moment: who closed it and the seconds
        from their claim to its end (a transferred one counts for its last agent)."""
        rows = await self.db.fetch_all(
            "SELECT claimed_by, claimed_at, closed_at FROM handoffs WHERE closed_at >= ? "
            "AND claimed_by IS NOT NULL AND claimed_at IS NOT NULL",
            since.astimezone(UTC).isoformat(),
        )
        return [
            (
                row["claimed_by"],
                (
                    datetime.fromisoformat(row["closed_at"])
                    - datetime.fromisoformat(row["claimed_at"])
                ).total_seconds(),
            )
            for row in rows
        ]

    async def handed_over_share(self, since: datetime) -> tuple[int, int]:
        """Conversations started since a moment in which the customer wrote or asked for a
        person, and how many of those went to a person at least once."""
        row = await self.db.fetch_one(
            "SELECT COUNT(DISTINCT c.id) AS started, COUNT(DISTINCT h.conversation_id) AS handed "
            "FROM conversations c LEFT JOIN handoffs h ON h.conversation_id = c.id "
            "WHERE c.created_at >= ? AND c.last_seq > 0",
            since.astimezone(UTC).isoformat(),
        )
        return (int(row["started"]), int(row["handed"])) if row else (0, 0)

    async def entry(self, conversation_id: str) -> QueueEntry | None:
        """The conversation's open handoff, if it has one."""
        row = await self.db.fetch_one(
            "SELECT * FROM handoffs WHERE conversation_id = ? AND status IN ('queued', 'claimed')",
            conversation_id,
        )
        return self._row(row) if row else None

    async def open_entries(self) -> list[QueueEntry]:
        rows = await self.db.fetch_all(
            "SELECT * FROM handoffs WHERE status IN ('queued', 'claimed') "
            "ORDER BY priority DESC, created_at"
        )
        open_ids = {row["id"] for row in rows}
        self._parsed = {k: v for k, v in self._parsed.items() if k in open_ids}
        return [self._row(row) for row in rows]
