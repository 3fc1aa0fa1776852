"""Build the running product from settings: stores, models, graph, worker pool, service.

Shared by the web app and the terminal chat so both run exactly the same path.
"""

import asyncio
import logging
import pickle
import secrets
import sqlite3
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from cryptography.fernet import Fernet

from warmline.agent.context import AgentContext
from warmline.agent.graph import ConversationGraph
from warmline.agent.llm import LlmAnswerer
from warmline.clock import Clock, Ticks, monotonic, utc_now
from warmline.config import Settings
from warmline.conversation.agent_commands import AgentCommands
from warmline.conversation.customer_commands import ConversationService
from warmline.conversation.protocol import ServerFrame
from warmline.coordination.shared import Coordination, coordination
from warmline.guardrails.guard import Guard
from warmline.guardrails.redaction import Redactor
from warmline.guardrails.vault import PiiVault
from warmline.guardrails.vocabulary import kb_vocabulary
from warmline.handoff.llm_summary import llm_summary
from warmline.handoff.policy import EscalationPolicy
from warmline.retrieval.embedder import (
    Embedder,
    fresh_query_encoding,
    remember_query,
    use_one_thread,
)
from warmline.retrieval.store import Hit, KnowledgeStore
from warmline.retrieval.sync import SyncReport, sync_folder
from warmline.server.gate import Gate
from warmline.server.startup import StoreUnreadable
from warmline.server.stores import checkpoint_reader, checkpointer, database
from warmline.storage.usage import UsageLedger
from warmline.workers.pool import TurnPool
from warmline.workers.process import Compute, QueryEncoder


def load_secret(settings: Settings) -> bytes:
    """The deployment's key for conversation tokens and PII digests, created on first run."""
    path = settings.secret_path
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(secrets.token_bytes(32))
        path.chmod(0o600)
    return path.read_bytes()


def load_vault_keys(settings: Settings) -> list[bytes]:
    """Configured keys, or a key generated on first run and kept beside the data."""
    if settings.vault_keys:
        return [k.get_secret_value().encode() for k in settings.vault_keys]
    path = settings.vault_key_path
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(Fernet.generate_key())
        path.chmod(0o600)
    return [path.read_bytes().strip()]


# What Qdrant's local mode raises on a damaged folder: bad JSON or pydantic data
# (ValueError), a missing field (KeyError), a damaged SQLite file or pickle.
_DAMAGED = (ValueError, KeyError, EOFError, sqlite3.DatabaseError, pickle.UnpicklingError)


def open_knowledge_store(settings: Settings) -> KnowledgeStore:
    """The knowledge store; a damaged local folder raises `StoreUnreadable` rather than
    a traceback from deep inside the Qdrant client. The folder is derived data (the
    articles are the source), so rebuilding it loses nothing."""
    try:
        return KnowledgeStore(
            settings.qdrant_path,
            settings.retrieval.collection,
            Embedder(),
            url=settings.qdrant_url,
            layout=settings.retrieval,
            token_vectors_mib=settings.retrieval.token_vectors_mib,
        )
    except _DAMAGED as exc:
        if settings.qdrant_url:
            raise
        raise StoreUnreadable(
            f"the knowledge base store {settings.qdrant_path} is damaged "
            f"({type(exc).__name__}); remove that folder and run `warmline kb sync` "
            "to rebuild it from the articles"
        ) from exc


def sync(settings: Settings, store: KnowledgeStore) -> SyncReport:
    return sync_folder(settings.kb_path, store)


log = logging.getLogger("warmline.runtime")
PURGE_INTERVAL_S = 3600


async def _purge_periodically(vault: PiiVault) -> None:
    """Retention is enforced by the server itself, not by an operator's cron job."""
    while True:
        await vault.purge_expired()
        await asyncio.sleep(PURGE_INTERVAL_S)


def agent_context(
    settings: Settings, knowledge: KnowledgeStore, llm: LlmAnswerer | None
) -> AgentContext:
    """The graph's dependencies, the same in the serving process and in each worker."""
    policy = EscalationPolicy(settings.policy)

    async def search(query: str) -> list[Hit]:
        return await asyncio.to_thread(
            knowledge.search, query, settings.retrieval.top_k, settings.retrieval.mode
        )

    return AgentContext(
        search=search,
        assess=policy.assess,
        answerable=settings.retrieval.answerable.probability,
        embed_query=Embedder().embed_query,
        low_confidence=settings.policy.thresholds.low_confidence,
        max_answer_chars=settings.retrieval.max_answer_chars,
        company_name=settings.company_name,
        llm=llm,
        classify_model=settings.llm.classify_model,
    )


def redactor_for(settings: Settings) -> Redactor:
    """The PII redactor of this deployment (its digests keyed by the deployment's secret),
    the same in the serving process and in each worker."""
    return Redactor(
        settings.pii_entities,
        load_secret(settings),
        settings.pii_allow_patterns,
        settings.pii_company_patterns,
        kb_vocabulary(settings.kb_path),
        settings.company_name,
    )


@asynccontextmanager
async def worker_compute(settings: Settings) -> AsyncIterator[Compute]:
    """What a worker process computes with: the graph it runs bot turns with (its own view
    of the knowledge base, whose embedded index's arrays are mapped read-only so the
    processes share their pages, its own connections to the same checkpoints, SQLite in
    WAL mode or PostgreSQL, and its own LLM client, metered into the same database), and
    the guard it inspects customers' messages with (its own spaCy and Presidio), and its
    query encoder, through which a message's encoding made in another worker reaches the
    graph."""
    knowledge = open_knowledge_store(settings)
    try:
        async with AsyncExitStack() as stack:
            saver = await stack.enter_async_context(checkpointer(settings))
            llm = None
            if settings.llm.base_url:
                db = await stack.enter_async_context(database(settings))
                llm = LlmAnswerer(settings.llm, settings.company_name, meter=UsageLedger(db).record)
                stack.push_async_callback(llm.close)
            context = agent_context(settings, knowledge, llm)
            await asyncio.to_thread(Embedder().embed, ["warm up"])
            redactor = redactor_for(settings)
            await asyncio.to_thread(redactor.warm_up)
            guard = Guard(redactor, settings.limits.max_message_chars)
            queries = QueryEncoder(fresh_query_encoding, remember_query)
            yield Compute(ConversationGraph(context, saver), guard, queries)
    finally:
        knowledge.close()


@asynccontextmanager
async def turn_pool(settings: Settings) -> AsyncIterator[TurnPool | None]:
    """Worker processes for bot turns, or None to run them in this process (`workers = 0`,
    or a knowledge base in Qdrant's in-process memory, which no other process can see).
    This process is then the one that computes, so its models and BLAS run on one thread,
    as a worker's do (a second thread spins between calls)."""
    if not settings.worker_processes or settings.qdrant_url == ":memory:":
        use_one_thread()
        yield None
        return
    pool = TurnPool(
        worker_compute,
        settings,
        settings.worker_processes,
        settings.turn_queue,
        settings.turn_start_s,
        slots=settings.worker_slots,
        inspect_slots=settings.worker_inspections,
        answer_within_s=settings.turn_answer_s,
        nice=settings.worker_nice,
    )
    try:
        await pool.start()
        yield pool
    finally:
        await pool.close()


@dataclass
class Runtime:
    settings: Settings
    service: ConversationService
    agents: AgentCommands
    knowledge: KnowledgeStore
    usage: UsageLedger
    llm: LlmAnswerer | None
    shared: Coordination[ServerFrame]
    gate: Gate


@asynccontextmanager
async def running(
    settings: Settings,
    knowledge: KnowledgeStore | None = None,
    clock: Clock = utc_now,
    ticks: Ticks = monotonic,
) -> AsyncIterator[Runtime]:
    """The product, for the length of the block; `knowledge` is a store the caller
    already opened (so `warmline serve` can report a damaged one before it listens),
    closed here all the same. `clock` is the time the conversations' timers read, `ticks`
    the monotonic one that times how fast messages are answered."""
    if knowledge is None:
        knowledge = open_knowledge_store(settings)
    if settings.retrieval.sync_on_start:
        report = await asyncio.to_thread(sync, settings, knowledge)
        log.info("knowledge base synced: " + report.summary())
    secret = load_secret(settings)
    redactor = redactor_for(settings)
    await asyncio.to_thread(redactor.warm_up)
    try:
        async with (
            database(settings) as db,
            checkpointer(settings) as saver,
            checkpoint_reader(settings) as reader,
            coordination(settings, settings.limits, ServerFrame.model_validate_json) as shared,
            turn_pool(settings) as pool,
        ):
            usage = UsageLedger(db)
            llm = (
                LlmAnswerer(settings.llm, settings.company_name, meter=usage.record)
                if settings.llm.base_url
                else None
            )
            graph = ConversationGraph(agent_context(settings, knowledge, llm), saver, reader)
            vault = PiiVault(
                db, load_vault_keys(settings), timedelta(days=settings.pii_retention_days)
            )
            service = ConversationService(
                settings,
                db,
                graph,
                redactor,
                vault,
                secret,
                shared,
                summarize=(
                    partial(llm_summary, llm, company=settings.company_name) if llm else None
                ),
                clock=clock,
                runner=pool,
                ticks=ticks,
            )
            agents = AgentCommands(
                service,
                service.broadcast,
                service.assignment,
                settings,
                db,
                service.log,
                service.queue,
                service.work,
                vault,
                shared,
                clock,
            )
            await service.recover_pending()
            service.broadcast.start()
            await agents.start()
            purging = asyncio.create_task(_purge_periodically(vault))
            try:
                yield Runtime(
                    settings=settings,
                    service=service,
                    agents=agents,
                    knowledge=knowledge,
                    usage=usage,
                    llm=llm,
                    shared=shared,
                    gate=Gate(settings, shared),
                )
            finally:
                purging.cancel()
                service.broadcast.stop()
                agents.stop()
                service.stop_retrying()
                # Bounded: a turn stuck on a hung model or worker must not keep the process
                # from exiting. What is cut short stays pending and is answered on restart.
                if not await service.drain(settings.shutdown_grace_s):
                    log.warning("turns left pending at shutdown, answered at the next start")
                    await service.stop_turns()
                if llm is not None:
                    await llm.close()
    finally:
        knowledge.close()
