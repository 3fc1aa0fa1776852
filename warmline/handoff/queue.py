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
from typing import Any, Literal

from pydantic import BaseModel

from warmline.agent.decision import Priority
from warmline.clock import Clock, utc_now
from warmline.handoff.packet import HandoffPacket
from warmline.storage import handoffs as statements
from warmline.storage.database import Connection, Database, Row
from warmline.storage.statements import Statement

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


def _iso(moment: datetime) -> str:
    """A moment as the rows store it: ISO 8601 in UTC, so text order is time order."""
    return moment.astimezone(UTC).isoformat()


def _seconds_waited(row: Row) -> float:
    claimed = datetime.fromisoformat(row["claimed_at"])
    return (claimed - datetime.fromisoformat(row["queued"])).total_seconds()


def _reason_codes(packet: HandoffPacket) -> str:
    """The escalation reason codes that took part in the handoff, as the row keeps them
    beside its packet: the dashboard counts them on every queue change, and reading them
    from the packets meant loading and parsing every transcript of the day."""
    return json.dumps(sorted({reason.code for reason in packet.decision.reasons}))


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
        # Entries by row, the same object while the stored row is unchanged: every queue
        # change reads every open row, and building each entry again grew with the line.
        # Callers then tell an unchanged entry by equality at once (its fields are the same
        # objects) and describe only what changed. The row is kept as its values in column
        # order: comparing two tuples costs a tenth of building a dict of the row and
        # comparing two dicts, and it is done for every open row on every read.
        self._parsed: dict[int, tuple[tuple[Any, ...], QueueEntry]] = {}
        # Packets by row, with the revision they were read at. The open rows are read
        # without their packets (each a transcript): a pass then reads and parses the
        # packets of new and replaced entries only, and its cost no longer grows with the
        # packets of the entries that did not change.
        self._packets: dict[int, tuple[int, HandoffPacket]] = {}

    def _held(self, row: Row) -> tuple[int, HandoffPacket] | None:
        """The packet held for this row, if it is its conversation's, at the row's revision
        or newer. (Row ids are not reused by the schema's tables, but a SQLite file made by
        hand before the migrations may reuse an erased one.)"""
        held = self._packets.get(row["id"])
        if held is None or held[0] < row["packet_rev"]:
            return None
        return held if held[1].conversation_id == row["conversation_id"] else None

    async def _read_open(
        self, statement: Statement, **params: Any
    ) -> tuple[list[Row], dict[int, tuple[int, HandoffPacket]], list[Row]]:
        """Open rows without their packets, the packets held for them when read, and the
        packets this reader lacks of them (`id`, `conversation_id`, `packet_rev`,
        `packet`), read in one snapshot where the engine has one.

        The held packets are taken at the read, not looked up again after it: a read that
        overlaps this one (the broadcaster's pass, a claim, the metrics) may meanwhile drop
        from `_packets` the rows it did not see open, and this read would then lose an
        entry it saw. One packet at a time, by row id, while few are lacking (one entry
        changed); all open ones at once when many are (a process that has just started),
        since one statement is then cheaper than one per row."""

        async def read(
            conn: Connection,
        ) -> tuple[list[Row], dict[int, tuple[int, HandoffPacket]], list[Row]]:
            rows = list(await (await conn.execute(statement, **params)).fetchall())
            held = {row["id"]: found for row in rows if (found := self._held(row)) is not None}
            lacking = [row["id"] for row in rows if row["id"] not in held]
            if len(lacking) > max(1, len(rows) // 4):
                packets = list(await (await conn.execute(statements.OPEN_PACKETS)).fetchall())
                return rows, held, packets
            packets = []
            for handoff_id in lacking:
                found = await (await conn.execute(statements.PACKET, id=handoff_id)).fetchone()
                if found is not None:  # erased since the first read (PostgreSQL reads apart)
                    packets.append(found)
            return rows, held, packets

        return await self.db.read(read)

    def _entries(
        self, rows: list[Row], held: dict[int, tuple[int, HandoffPacket]], packets: list[Row]
    ) -> list[QueueEntry]:
        """The rows as entries, with the packets held for them and those read for them; a
        row whose packet is gone (erased between two reads) is left out, as the next read
        leaves it out."""
        current = dict(held)
        for found in packets:
            kept = self._held(found)  # a concurrent read may have parsed it, or a newer one
            if kept is None:
                kept = (found["packet_rev"], HandoffPacket.model_validate_json(found["packet"]))
                self._packets[found["id"]] = kept
            current.setdefault(found["id"], kept)
        entries = []
        for row in rows:
            stored = tuple(row)
            cached = self._parsed.get(row["id"])
            if cached is None or cached[0] != stored:
                packet = current.get(row["id"])
                if packet is None or packet[1].conversation_id != row["conversation_id"]:
                    continue
                cached = (stored, _entry(row, packet[1]))
                self._parsed[row["id"]] = cached
            entries.append(cached[1])
        return entries

    @staticmethod
    async def enqueue(
        conn: Connection,
        packet: HandoffPacket,
        preferred_agent: str | None = None,
        preferred_until: datetime | None = None,
    ) -> QueueEntry:
        """Put the packet in line; the entry as written, so the caller tells agents without
        reading it back."""
        cursor = await conn.execute(
            statements.ENQUEUE,
            conversation_id=packet.conversation_id,
            priority=PRIORITY_RANK[packet.decision.priority],
            created_at=packet.created_at.isoformat(),
            packet=packet.model_dump_json(),
            reasons=_reason_codes(packet),
            skills=json.dumps(packet.decision.skills),
            language=packet.decision.language,
            preferred_agent=preferred_agent,
            preferred_until=preferred_until.isoformat() if preferred_until else None,
            sla_deadline=packet.sla_deadline.isoformat(),
            waiting_since=packet.created_at.isoformat(),
        )
        row = await cursor.fetchone()
        return QueueEntry(
            id=int(row["id"]),
            conversation_id=packet.conversation_id,
            status="queued",
            claimed_by=None,
            priority=packet.decision.priority,
            waiting_since=packet.created_at,
            skills=packet.decision.skills,
            language=packet.decision.language,
            preferred_agent=preferred_agent,
            preferred_until=preferred_until,
            sla_deadline=packet.sla_deadline,
            breached_at=None,
            packet=packet,
        )

    async def claim(self, conn: Connection, conversation_id: str, agent_id: str) -> bool:
        cursor = await conn.execute(
            statements.CLAIM,
            agent_id=agent_id,
            now=self.clock().isoformat(),
            conversation_id=conversation_id,
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
            statements.REQUEUE,
            now=now.isoformat(),
            preferred_agent=preferred_agent,
            preferred_until=(now + preferred_for).isoformat() if preferred_agent else None,
            skills=json.dumps(skills) if skills is not None else None,
            conversation_id=conversation_id,
        )

    async def close(
        self, conn: Connection, conversation_id: str, disposition: Disposition | None = None
    ) -> None:
        await conn.execute(
            statements.CLOSE,
            now=self.clock().isoformat(),
            disposition=disposition,
            conversation_id=conversation_id,
        )

    async def replace_packet(self, handoff_id: int, packet: HandoffPacket) -> None:
        """A better summary for a handoff still open (the LLM's, written after it was queued);
        by row id, so a late summary never lands on a later handoff of the same chat."""
        text, reasons = packet.model_dump_json(), _reason_codes(packet)

        async def replace(conn: Connection) -> None:
            await conn.execute(
                statements.REPLACE_PACKET, packet=text, reasons=reasons, id=handoff_id
            )

        await self.db.atomically(replace)

    @staticmethod
    async def record_csat(conn: Connection, conversation_id: str, score: int) -> None:
        await conn.execute(statements.RECORD_CSAT, score=score, conversation_id=conversation_id)

    async def mark_breached(self, conversation_id: str) -> bool:
        """True only for the first call after the deadline passed, so each breach is told once."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                statements.MARK_BREACHED,
                now=self.clock().isoformat(),
                conversation_id=conversation_id,
            )
            return cursor.rowcount == 1

    @staticmethod
    async def last_agent(conn: Connection, conversation_id: str) -> str | None:
        """Who last helped this customer, so a returning conversation can go to them."""
        cursor = await conn.execute(statements.LAST_AGENT, conversation_id=conversation_id)
        row = await cursor.fetchone()
        return row["claimed_by"] if row else None

    async def waits_since(self, since: datetime) -> list[tuple[Priority, float]]:
        """Priority and seconds from queued to claimed of the latest claims since a moment.

        A requeued handoff counts from when it went back in line: the time before that was
        the previous agent's, not the line's."""
        rows = await self.db.fetch_all(
            statements.WAITS_SINCE, since=_iso(since), limit=RECENT_CLAIMS
        )
        return [(PRIORITY_BY_RANK[row["priority"]], _seconds_waited(row)) for row in rows]

    async def claims_since(self, since: datetime) -> int:
        """Every claim since a moment (the waits above are only the latest ones)."""
        row = await self.db.fetch_one(statements.CLAIMS_SINCE, since=_iso(since))
        return int(row["n"]) if row else 0

    async def reasons_since(self, since: datetime) -> list[tuple[datetime, set[str]]]:
        """When each handoff since a moment was made and the escalation reason codes that
        took part in it.

        Read here rather than counted in SQL, so the same code runs on SQLite and PostgreSQL
        (their JSON functions differ); a day's handoffs are few enough to read when each
        is a moment and a short list of codes, never its packet."""
        rows = await self.db.fetch_all(statements.REASONS_SINCE, since=_iso(since))
        return [
            (datetime.fromisoformat(row["created_at"]), set(json.loads(row["reasons"])))
            for row in rows
        ]

    async def csat_since(self, since: datetime) -> list[int]:
        """The ratings customers gave conversations a person closed since a moment."""
        rows = await self.db.fetch_all(statements.CSAT_SINCE, since=_iso(since))
        return [int(row["csat"]) for row in rows]

    async def handled_since(self, since: datetime) -> list[tuple[str, float]]:
        """Each conversation a person closed since a moment: who closed it and the seconds
        from their claim to its end (a transferred one counts for its last agent)."""
        rows = await self.db.fetch_all(statements.HANDLED_SINCE, since=_iso(since))
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
        row = await self.db.fetch_one(statements.HANDED_OVER_SHARE, since=_iso(since))
        return (int(row["started"]), int(row["handed"])) if row else (0, 0)

    async def entry(self, conversation_id: str) -> QueueEntry | None:
        """The conversation's open handoff, if it has one."""
        rows, held, packets = await self._read_open(
            statements.OPEN_ENTRY, conversation_id=conversation_id
        )
        entries = self._entries(rows, held, packets)
        return entries[0] if entries else None

    async def open_entries(self) -> list[QueueEntry]:
        rows, held, packets = await self._read_open(statements.OPEN_ENTRIES)
        open_ids = {row["id"] for row in rows}
        self._parsed = {k: v for k, v in self._parsed.items() if k in open_ids}
        self._packets = {k: v for k, v in self._packets.items() if k in open_ids}
        return self._entries(rows, held, packets)

    async def first_packet(self, conversation_id: str) -> HandoffPacket | None:
        """The packet of the conversation's first handoff, open or closed (replay reads it)."""
        row = await self.db.fetch_one(statements.FIRST_PACKET, conversation_id=conversation_id)
        return HandoffPacket.model_validate_json(row["packet"]) if row else None
