"""The PII vault: the only place an original value is kept, encrypted, for a limited time.

Redaction replaces a value with a placeholder everywhere else; the vault keeps the
original so that an authorised agent can see it when the job needs it. Values are
encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a MultiFernet key ring:
the first key encrypts, every key decrypts, so keys rotate without downtime (add
the new key first, run `warmline pii rotate`, then drop the old one). Every
reveal, allowed or refused, is written to the audit log.
"""

from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import BaseModel, SecretStr

from warmline.storage import pii as statements
from warmline.storage.database import Connection, Database


class VaultItem(BaseModel):
    placeholder: str
    value: SecretStr


class AuditEntry(BaseModel):
    ts: datetime
    actor: str
    action: str
    conversation_id: str
    placeholder: str | None
    allowed: bool
    detail: str


class PiiVault:
    def __init__(self, db: Database, keys: list[bytes], retention: timedelta) -> None:
        if not keys:
            raise ValueError("the vault needs at least one key")
        self.db = db
        self._fernet = MultiFernet([Fernet(k) for k in keys])
        self.retention = retention

    async def store(self, conn: Connection, conversation_id: str, items: list[VaultItem]) -> None:
        now = datetime.now(UTC)
        await conn.executemany(
            statements.VAULT_STORE,
            [
                {
                    "conversation_id": conversation_id,
                    "placeholder": item.placeholder,
                    "ciphertext": self._fernet.encrypt(item.value.get_secret_value().encode()),
                    "created_at": now.isoformat(),
                    "expires_at": (now + self.retention).isoformat(),
                }
                for item in items
            ],
        )

    async def reveal(
        self, actor: str, allowed: bool, conversation_id: str, placeholder: str, reason: str
    ) -> str | None:
        """The original value if `allowed` and still kept; the attempt is audited either way."""
        value: str | None = None
        detail = reason
        if allowed:
            row = await self.db.fetch_one(
                statements.VAULT_READ,
                conversation_id=conversation_id,
                placeholder=placeholder,
                now=datetime.now(UTC).isoformat(),
            )
            try:
                value = self._fernet.decrypt(row["ciphertext"]).decode() if row else None
            except InvalidToken:
                detail = f"{reason}; no key can decrypt this value"
            if value is None and row is None:
                detail = f"{reason}; not kept (expired, erased or unknown)"
        await self.audit(actor, "reveal", conversation_id, placeholder, allowed, detail)
        return value

    async def audit(
        self,
        actor: str,
        action: str,
        conversation_id: str,
        placeholder: str | None,
        allowed: bool,
        detail: str,
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                statements.AUDIT,
                ts=datetime.now(UTC).isoformat(),
                actor=actor,
                action=action,
                conversation_id=conversation_id,
                placeholder=placeholder,
                allowed=allowed,
                detail=detail,
            )

    async def audit_trail(self, conversation_id: str) -> list[AuditEntry]:
        rows = await self.db.fetch_all(statements.AUDIT_TRAIL, conversation_id=conversation_id)
        return [
            AuditEntry(
                ts=datetime.fromisoformat(r["ts"]),
                actor=r["actor"],
                action=r["action"],
                conversation_id=r["conversation_id"],
                placeholder=r["placeholder"],
                allowed=bool(r["allowed"]),
                detail=r["detail"],
            )
            for r in rows
        ]

    async def purge_expired(self) -> int:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(statements.VAULT_PURGE, now=datetime.now(UTC).isoformat())
            return cursor.rowcount

    async def rotate(self) -> int:
        """Re-encrypt every value under the first key, so older keys can be retired."""
        rows = await self.db.fetch_all(statements.VAULT_ALL)
        async with self.db.transaction() as conn:
            await conn.executemany(
                statements.VAULT_REKEY,
                [
                    {
                        "ciphertext": self._fernet.rotate(r["ciphertext"]),
                        "conversation_id": r["conversation_id"],
                        "placeholder": r["placeholder"],
                    }
                    for r in rows
                ],
            )
        return len(rows)
