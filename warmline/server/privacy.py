"""Data-subject requests and retention: erase a customer's data, purge, rotate keys.

These run from the command line beside a live server (SQLite in WAL mode allows
it, PostgreSQL anyway) and need neither the models nor the knowledge base, so they open only the
stores that hold personal data: the database, the vault and the graph checkpoints.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from warmline.config import Settings
from warmline.guardrails.redaction import Redactor
from warmline.guardrails.vault import PiiVault
from warmline.server.runtime import load_secret, load_vault_keys
from warmline.server.stores import checkpointer, database
from warmline.storage.checkpoints import ThreadedSqliteSaver
from warmline.storage.database import Database
from warmline.storage.erasure import conversations_with_digest, erase_conversation
from warmline.storage.wal import WalNotEmptied


@dataclass
class PrivacyOffice:
    db: Database
    vault: PiiVault
    checkpoints: BaseCheckpointSaver[Any]
    redactor: Redactor
    wait_s: float  # how long each try to empty a write-ahead log waits for readers
    pause_s: float  # between those tries, with the write lock let go

    async def conversations_mentioning(self, entity_type: str, value: str) -> list[str]:
        """Conversations in which a customer gave this value, found by its keyed digest."""
        digest = self.redactor.digest(entity_type, value)
        return await conversations_with_digest(self.db, entity_type, digest)

    async def erase(self, conversation_id: str, actor: str) -> bool:
        """Delete the conversation, its log, queue rows, vault values and checkpoints, then
        empty SQLite's write-ahead logs so no copy of them stays on disk; whether it existed.

        The logs are emptied even when it did not, so erasing again finishes an erasure
        whose copies a reader kept. `WalNotEmptied` (every file still holding copies) is
        raised after the rows are deleted and audited, each file tried regardless."""
        async with self.db.transaction() as conn:
            existed = await erase_conversation(conn, conversation_id)
        await self.checkpoints.adelete_thread(conversation_id)
        await self.vault.audit(actor, "erase", conversation_id, None, existed, "erasure request")
        forgets = [self.db.forget]
        if isinstance(self.checkpoints, ThreadedSqliteSaver):
            forgets.append(self.checkpoints.forget)
        kept: list[Path] = []
        for forget in forgets:
            try:
                await forget(self.wait_s, self.pause_s)
            except WalNotEmptied as exc:
                kept += exc.files
        if kept:
            raise WalNotEmptied(kept)
        return existed


@asynccontextmanager
async def privacy_office(settings: Settings) -> AsyncIterator[PrivacyOffice]:
    async with database(settings) as db, checkpointer(settings) as saver:
        vault = PiiVault(db, load_vault_keys(settings), timedelta(days=settings.pii_retention_days))
        redactor = Redactor(settings.pii_entities, load_secret(settings))
        yield PrivacyOffice(
            db=db,
            vault=vault,
            checkpoints=saver,
            redactor=redactor,
            wait_s=settings.erase_wait_s,
            pause_s=settings.erase_pause_s,
        )
