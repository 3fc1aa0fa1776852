"""The statements of the stores that hold personal data: the encrypted vault, its audit
log and the per-conversation placeholder numbering (`warmline.guardrails` runs them)."""

from warmline.storage.statements import sql

VAULT_STORE = sql(
    "INSERT INTO pii_vault (conversation_id, placeholder, ciphertext, created_at, expires_at) "
    "VALUES (:conversation_id, :placeholder, :ciphertext, :created_at, :expires_at) "
    "ON CONFLICT DO NOTHING"
)
VAULT_READ = sql(
    "SELECT ciphertext FROM pii_vault WHERE conversation_id = :conversation_id "
    "AND placeholder = :placeholder AND expires_at > :now"
)
VAULT_PURGE = sql("DELETE FROM pii_vault WHERE expires_at <= :now")
VAULT_ALL = sql("SELECT conversation_id, placeholder, ciphertext FROM pii_vault")
VAULT_REKEY = sql(
    "UPDATE pii_vault SET ciphertext = :ciphertext "
    "WHERE conversation_id = :conversation_id AND placeholder = :placeholder"
)
AUDIT = sql(
    "INSERT INTO audit_log (ts, actor, action, conversation_id, placeholder, allowed, detail) "
    "VALUES (:ts, :actor, :action, :conversation_id, :placeholder, :allowed, :detail)"
)
AUDIT_TRAIL = sql("SELECT * FROM audit_log WHERE conversation_id = :conversation_id ORDER BY id")
PLACEHOLDERS = sql(
    "SELECT entity_type, digest, number FROM placeholders WHERE conversation_id = :conversation_id"
)
ADD_PLACEHOLDER = sql(
    "INSERT INTO placeholders (conversation_id, entity_type, digest, number) "
    "VALUES (:conversation_id, :entity_type, :digest, :number) ON CONFLICT DO NOTHING"
)
