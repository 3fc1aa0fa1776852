"""The handoff queue's statements: its rows are written and read only through these.

The queue's rules (who may claim, how a requeue keeps the customer's wait, what a
breach is) live in `warmline.handoff.queue`; the SQL that carries them out lives here,
with the rest of the schema's statements. Times are ISO 8601 text in UTC.
"""

from warmline.storage.statements import sql

ENQUEUE = sql(
    "INSERT INTO handoffs (conversation_id, status, priority, created_at, packet, reasons, "
    "skills, language, preferred_agent, preferred_until, sla_deadline, waiting_since) "
    "VALUES (:conversation_id, 'queued', :priority, :created_at, :packet, :reasons, :skills, "
    ":language, :preferred_agent, :preferred_until, :sla_deadline, :waiting_since) RETURNING id"
)
# Conditional, so among agents racing for the same conversation exactly one changes the row.
CLAIM = sql(
    "UPDATE handoffs SET status = 'claimed', claimed_by = :agent_id, claimed_at = :now "
    "WHERE conversation_id = :conversation_id AND status = 'queued'"
)
REQUEUE = sql(
    "UPDATE handoffs SET status = 'queued', claimed_by = NULL, claimed_at = NULL, "
    "requeued_at = :now, preferred_agent = :preferred_agent, preferred_until = :preferred_until, "
    "skills = COALESCE(:skills, skills) "
    "WHERE conversation_id = :conversation_id AND status = 'claimed'"
)
CLOSE = sql(
    "UPDATE handoffs SET status = 'closed', closed_at = :now, disposition = :disposition "
    "WHERE conversation_id = :conversation_id AND status IN ('queued', 'claimed')"
)
# The revision tells readers that hold the packet before it to read it again.
REPLACE_PACKET = sql(
    "UPDATE handoffs SET packet = :packet, reasons = :reasons, packet_rev = packet_rev + 1 "
    "WHERE id = :id AND status IN ('queued', 'claimed')"
)
RECORD_CSAT = sql(
    "UPDATE handoffs SET csat = :score WHERE id = (SELECT MAX(id) FROM handoffs "
    "WHERE conversation_id = :conversation_id AND status = 'closed')"
)
MARK_BREACHED = sql(
    "UPDATE handoffs SET breached_at = :now WHERE conversation_id = :conversation_id "
    "AND status = 'queued' AND breached_at IS NULL"
)
LAST_AGENT = sql(
    "SELECT claimed_by FROM handoffs WHERE conversation_id = :conversation_id "
    "AND claimed_by IS NOT NULL ORDER BY id DESC LIMIT 1"
)
WAITS_SINCE = sql(
    "SELECT priority, COALESCE(requeued_at, waiting_since, created_at) AS queued, claimed_at "
    "FROM handoffs WHERE claimed_at >= :since ORDER BY claimed_at DESC LIMIT :limit"
)
CLAIMS_SINCE = sql("SELECT COUNT(*) AS n FROM handoffs WHERE claimed_at >= :since")
REASONS_SINCE = sql("SELECT created_at, reasons FROM handoffs WHERE created_at >= :since")
CSAT_SINCE = sql("SELECT csat FROM handoffs WHERE closed_at >= :since AND csat IS NOT NULL")
HANDLED_SINCE = sql(
    "SELECT claimed_by, claimed_at, closed_at FROM handoffs WHERE closed_at >= :since "
    "AND claimed_by IS NOT NULL AND claimed_at IS NOT NULL"
)
HANDED_OVER_SHARE = sql(
    "SELECT COUNT(DISTINCT c.id) AS started, COUNT(DISTINCT h.conversation_id) AS handed "
    "FROM conversations c LEFT JOIN handoffs h ON h.conversation_id = c.id "
    "WHERE c.created_at >= :since AND c.last_seq > 0"
)
# What a queue entry is built from, and no more: every queue change reads every open row,
# so the columns only the dashboard, the closed rows and the order need (priority,
# created_at, claimed_at, closed_at, disposition, csat, reasons) are left out of each of
# those reads. The packet (a transcript, by far the largest column) is left out too: the
# reader keeps the packets it read and reads one again only when its revision changed.
_ENTRY_COLUMNS = (
    "id, conversation_id, status, claimed_by, packet_rev, skills, language, preferred_agent, "
    "preferred_until, sla_deadline, breached_at, waiting_since, requeued_at"
)
OPEN_ENTRY = sql(
    f"SELECT {_ENTRY_COLUMNS} FROM handoffs WHERE conversation_id = :conversation_id "
    "AND status IN ('queued', 'claimed')"
)
OPEN_ENTRIES = sql(
    f"SELECT {_ENTRY_COLUMNS} FROM handoffs WHERE status IN ('queued', 'claimed') "
    "ORDER BY priority DESC, created_at"
)
# One entry's packet, for a reader that has not got its current revision.
PACKET = sql("SELECT id, conversation_id, packet_rev, packet FROM handoffs WHERE id = :id")
# Every open entry's packet at once, for a reader that lacks most of them (a new process).
OPEN_PACKETS = sql(
    "SELECT id, conversation_id, packet_rev, packet FROM handoffs "
    "WHERE status IN ('queued', 'claimed')"
)
FIRST_PACKET = sql(
    "SELECT packet FROM handoffs WHERE conversation_id = :conversation_id ORDER BY id LIMIT 1"
)
