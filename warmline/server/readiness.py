"""Readiness: may a load balancer send this worker traffic right now?

Each dependency the worker actually uses is asked something trivial, concurrently and
with a short timeout: the database (a write transaction, because a file another process
locked, or a database turned read-only, still answers reads while every customer message
fails to store), Redis (`PING`, only with `redis_url`)
and the knowledge store (it holds chunks, else every answer would be "I don't know").
The LLM endpoint is not one of them: when it fails the extractive responder answers,
so taking the worker out of rotation would only make things worse. A worker that is
shutting down reports itself not ready, so the balancer stops sending it customers
before its sockets close.
"""

import asyncio
from collections.abc import Awaitable
from typing import Literal

from pydantic import BaseModel
from redis.asyncio import Redis

from warmline.server.gate import Gate
from warmline.server.runtime import Runtime
from warmline.storage.database import Database
from warmline.storage.tickets import write_nothing

CHECK_TIMEOUT_S = 2.0


class Check(BaseModel):
    ok: bool
    detail: str | None = None


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    failed: list[str]
    checks: dict[str, Check]


def _forget(task: "asyncio.Future[object]") -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so a late failure is not reported as unhandled


async def _check(probe: Awaitable[object]) -> Check:
    """A probe that does not answer in time is reported, and left to finish on its own:
    cancelling a database write midway is what could leave its transaction open."""
    task = asyncio.ensure_future(probe)
    done, _ = await asyncio.wait({task}, timeout=CHECK_TIMEOUT_S)
    if not done:
        task.add_done_callback(_forget)
        return Check(ok=False, detail=f"no answer within {CHECK_TIMEOUT_S:g} s")
    failure = task.exception()
    if failure is not None:  # any failure means "not ready"; the detail says which
        return Check(ok=False, detail=f"{type(failure).__name__}: {failure}"[:200])
    return Check(ok=True)


async def _knowledge(runtime: Runtime) -> None:
    if await asyncio.to_thread(runtime.knowledge.count) == 0:
        raise LookupError("the knowledge base is empty")


async def _write(db: Database) -> None:
    """Take the write lock and run a write that changes no row, then commit."""
    async with db.transaction() as conn:
        await write_nothing(conn)


async def _ping(redis: Redis) -> None:
    await redis.ping()


async def readiness(runtime: Runtime, gate: Gate) -> Readiness:
    probes: dict[str, Awaitable[object]] = {
        "database": _write(runtime.service.db),
        "knowledge": _knowledge(runtime),
    }
    if runtime.shared.redis is not None:
        probes["redis"] = _ping(runtime.shared.redis)
    results = await asyncio.gather(*(_check(p) for p in probes.values()))
    checks = dict(zip(probes, results, strict=True))
    checks["serving"] = Check(ok=False, detail="shutting down") if gate.draining else Check(ok=True)
    failed = [name for name, check in checks.items() if not check.ok]
    return Readiness(status="not_ready" if failed else "ready", failed=failed, checks=checks)
