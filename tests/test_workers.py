"""Bot turns in worker processes: the answer comes back (streamed pieces too), a full line
or a missed start deadline is a clear "busy", and a worker that dies is replaced."""

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import agent, customer, make_settings, new_id, say, serving
from threadpoolctl import threadpool_info, threadpool_limits
from worker_stubs import Gate, echo_graph, first_opens, stuck_loading

from warmline.agent.graph import ConversationGraph
from warmline.agent.state import AgentState, TurnInput
from warmline.config import Settings
from warmline.guardrails.guard import Guard
from warmline.server.runtime import turn_pool, worker_compute
from warmline.texts import refusal
from warmline.texts import say as text
from warmline.workers import pool as pool_module
from warmline.workers.pool import Busy, TurnPool, Urgency, WorkerLost

SPAWN = multiprocessing.get_context("spawn")


@asynccontextmanager
async def pool(
    line: int = 4, start_within_s: float = 60.0, slots: int = 1, nice: int = 0
) -> AsyncIterator[tuple[TurnPool, Gate]]:
    gate = Gate(SPAWN.Event(), SPAWN.Semaphore(0))
    turns = TurnPool(
        echo_graph,
        gate,
        size=1,
        line=line,
        start_within_s=start_within_s,
        slots=slots,
        nice=nice,
    )
    try:
        await turns.start()
        yield turns, gate
    finally:
        gate.open.set()
        await turns.close()


def turn(text: str) -> TurnInput:
    return TurnInput(seq=1, text=text, mode="bot")


def answered(state: AgentState) -> str:
    return str(state["outcome"]["text"])


async def test_a_turn_runs_in_a_worker_process_a_full_line_is_busy_a_dead_worker_replaced() -> None:
    pieces: list[str] = []
    async with pool(line=1) as (turns, gate):
        words = answered(await turns.run("c1", turn("hello"), pieces.append)).split()
        assert words[:2] == ["hello", "from"]
        worker = int(words[2])
        assert worker != os.getpid()
        assert pieces == ["first piece"]

        held = asyncio.create_task(turns.run("c1", turn("hold")))
        await asyncio.sleep(0)  # the held turn takes the only worker
        waiting = asyncio.create_task(turns.run("c2", turn("waiting")))
        await asyncio.sleep(0)  # and this one the only place in line
        with pytest.raises(Busy, match="1 turns already wait"):
            await turns.run("c3", turn("third"))
        gate.open.set()
        assert answered(await held).startswith("hold from")
        assert answered(await waiting).startswith("waiting from")

        with pytest.raises(WorkerLost):
            await turns.run("c1", turn("crash"))
        # The next turn waits in line for the replacement.
        after = answered(await turns.run("c1", turn("after"))).split()
        assert after[:2] == ["after", "from"]
        assert int(after[2]) != worker


async def entered(gate: Gate, turns: int) -> None:
    """Until `turns` held turns are running in the worker at the same time."""
    for _ in range(turns):
        assert await asyncio.to_thread(gate.entered.acquire, True, 60)


async def test_a_worker_runs_as_many_turns_at_once_as_it_has_slots() -> None:
    async with pool(line=1, slots=2) as (turns, gate):
        held = [asyncio.create_task(turns.run(f"c{i}", turn("hold"))) for i in (1, 2)]
        await entered(gate, 2)  # both run at once in the one worker
        waiting = asyncio.create_task(turns.run("c3", turn("waiting")))
        await asyncio.sleep(0)  # no slot is free: it takes the only place in line
        with pytest.raises(Busy, match="1 turns already wait"):
            await turns.run("c4", turn("fourth"))
        gate.open.set()
        answers = [answered(await task).split() for task in [*held, waiting]]
        assert {tuple(words[:2]) for words in answers} == {("hold", "from"), ("waiting", "from")}
        assert len({words[2] for words in answers}) == 1


async def test_a_worker_dying_mid_batch_fails_every_turn_it_held_and_is_replaced() -> None:
    async with pool(line=4, slots=3) as (turns, gate):
        first = answered(await turns.run("c0", turn("hello"))).split()[2]
        held = [asyncio.create_task(turns.run(f"c{i}", turn("stall"))) for i in (1, 2)]
        await entered(gate, 2)
        with pytest.raises(WorkerLost):
            await turns.run("c3", turn("crash"))
        for task in held:
            with pytest.raises(WorkerLost):
                await task
        after = answered(await turns.run("c4", turn("after"))).split()
        assert after[:2] == ["after", "from"]
        assert after[2] != first


async def test_a_cancelled_turn_keeps_its_slot_and_its_worker_until_it_ends() -> None:
    async with pool(line=1, slots=1) as (turns, gate):
        worker = answered(await turns.run("c0", turn("hello"))).split()[2]
        held = asyncio.create_task(turns.run("c1", turn("hold")))
        await entered(gate, 1)
        held.cancel()
        with pytest.raises(asyncio.CancelledError):
            await held
        # The worker still runs the cancelled turn: the next one waits for its slot.
        waiting = asyncio.create_task(turns.run("c2", turn("waiting")))
        await asyncio.sleep(0)
        assert not waiting.done()
        gate.open.set()
        after = answered(await waiting).split()
        assert after[:2] == ["waiting", "from"]
        assert after[2] == worker  # the same worker, not a replacement


# Questions of different lengths (so the worker batches them in several length groups),
# one with a person's name and one asking for a person.
QUESTIONS = [
    "how do I get a refund?",
    "my thermostat is offline",
    "Where do I get a receipt for Lumen Plus I bought through Apple?",
    "does shiping get refunded if i return the sensor?",
    "the app isn't loading, is it just me or everyone",
    "I'm Maria Lopez and I want to change the email on my account",
    "can I talk to a person please",
    "how long does delivery take to Canada and what does it cost for two hubs?",
]


async def answers(settings: Any, slots: int, together: bool) -> list[dict[str, Any]]:
    """Each question's outcome and found chunks, and its inspection, from a fresh worker
    (its own caches)."""
    turns = TurnPool(
        worker_compute,
        settings,
        size=1,
        line=16,
        start_within_s=600,
        slots=slots,
        inspect_slots=slots,
    )
    await turns.start()
    try:
        runs = [turns.run(f"c{i}-{slots}", turn(q)) for i, q in enumerate(QUESTIONS)]
        reads = [turns.inspect_and_encode(q, [], "en", True, encode=False) for q in QUESTIONS]
        if together:
            states = await asyncio.gather(*runs)
            inspections = [read for read, _ in await asyncio.gather(*reads)]
        else:
            states = [await run for run in runs]
            inspections = [(await read)[0] for read in reads]
    finally:
        await turns.close()
    return [
        {
            "outcome": s["outcome"],
            "retrieved": s.get("retrieved"),
            "redacted": i.verdict.redaction.text if i.verdict.redaction else None,
            "asks": i.asks,
        }
        for s, i in zip(states, inspections, strict=True)
    ]


async def test_turns_run_together_in_one_worker_answer_as_they_do_one_by_one(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    settings = make_settings(tmp_path, kb_snapshot, workers=1)
    alone = await answers(settings, slots=1, together=False)
    together = await answers(settings, slots=8, together=True)
    assert [a["outcome"]["kind"] for a in alone].count("reply") >= 5
    assert "Maria Lopez" not in alone[5]["redacted"]
    assert [a["asks"] for a in alone] == [q == "can I talk to a person please" for q in QUESTIONS]
    assert together == alone


async def test_a_turn_no_worker_can_start_in_time_is_answered_busy() -> None:
    async with pool(line=4, start_within_s=0.0) as (turns, gate):
        held = asyncio.create_task(turns.run("c1", turn("hold")))
        await asyncio.sleep(0)
        with pytest.raises(Busy, match="no worker free"):
            await turns.run("c2", turn("second"))
        gate.open.set()
        await held


async def test_the_start_deadline_counts_from_the_message_not_from_the_line() -> None:
    async with pool(line=4, start_within_s=60.0) as (turns, gate):
        held = asyncio.create_task(turns.run("c1", turn("hold")))
        await asyncio.sleep(0)
        # Its message arrived 61 s ago (redacting, storing, the conversation's last turn).
        arrived = asyncio.get_running_loop().time() - 61.0
        with pytest.raises(Busy, match="no worker free"):
            await turns.run("c2", turn("late"), since=arrived)
        gate.open.set()
        await held
        # With a worker free, even a late turn runs rather than being refused.
        assert answered(await turns.run("c2", turn("late"), since=arrived)).startswith("late")


def niceness(pid: int) -> set[int]:
    """The nice value of every thread of a process (field 19 of each task's stat)."""
    tasks = Path(f"/proc/{pid}/task").iterdir()
    return {int((task / "stat").read_text().rsplit(")", 1)[1].split()[16]) for task in tasks}


async def test_workers_run_below_the_serving_process_priority_in_every_thread() -> None:
    async with pool(nice=7) as (turns, _):
        pid = int(answered(await turns.run("c1", turn("hello"))).split()[2])
        assert niceness(pid) == {os.getpriority(os.PRIO_PROCESS, 0) + 7}
        assert niceness(os.getpid()) == {os.getpriority(os.PRIO_PROCESS, 0)}


async def test_a_worker_runs_the_models_on_one_thread_and_frees_the_collector_of_its_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Torch and the BLAS libraries are loaded before the worker's own code runs, so the
    # variables it inherits are not what keeps them to one thread.
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.delenv(variable, raising=False)
    async with pool() as (turns, _):
        assert answered(await turns.run("c1", turn("threads"))) == "1 {1}"
        # And what it loaded is frozen before its first turn: a full collection would
        # otherwise walk every object of the models and the index (about 390 ms in a
        # real worker, benchmarks/gc_pause.py), stalling its turns.
        assert int(answered(await turns.run("c1", turn("frozen")))) > 10_000


async def test_closing_the_pool_ends_an_idle_worker_without_waiting_it_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With an hour's grace, close() returns only if the worker exits when asked.
    monkeypatch.setattr("warmline.workers.pool.STOP_S", 3600.0)
    gate = Gate(SPAWN.Event())
    turns = TurnPool(echo_graph, gate, size=1, line=1, start_within_s=60.0)
    await turns.start()
    process = turns._workers[0].process
    await asyncio.wait_for(turns.close(), timeout=60)
    assert process.exitcode == 0


def workers_alive() -> set[int | None]:
    return {p.pid for p in multiprocessing.active_children() if p.name == "warmline-worker"}


async def test_a_pool_whose_worker_fails_to_start_stops_the_workers_that_did(
    tmp_path: Path,
) -> None:
    """One worker failing to open fails the pool's start; the one that opened stops with
    it, where it ran on before with no pool left to stop it (and a later test found two
    workers where its server had started one)."""
    before = workers_alive()
    gate = Gate(SPAWN.Event(), SPAWN.Semaphore(0))
    turns = TurnPool(
        first_opens, (gate, str(tmp_path / "claimed")), size=2, line=1, start_within_s=60.0
    )
    with pytest.raises(WorkerLost):
        await turns.start()
    assert workers_alive() - before == set()


async def test_a_pool_whose_start_fails_and_whose_workers_cannot_be_reaped_raises_the_start_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A worker fails to open, and then neither worker can be reaped: the start raises the
    worker's failure, which its caller must hear, and logs the reaping's (both, together),
    where the reaping's group of failures took the start error's place."""
    finish = pool_module._finish

    def failing_finish(process: Any) -> None:
        finish(process)
        raise OSError("the worker could not be reaped")

    monkeypatch.setattr("warmline.workers.pool._finish", failing_finish)
    gate = Gate(SPAWN.Event(), SPAWN.Semaphore(0))
    turns = TurnPool(
        first_opens, (gate, str(tmp_path / "claimed")), size=2, line=1, start_within_s=60.0
    )
    with pytest.raises(WorkerLost):
        await turns.start()
    failures = [r.exc_info[1] for r in caplog.records if r.exc_info]
    assert len(failures) == 1 and isinstance(failures[0], ExceptionGroup)
    assert [str(e) for e in failures[0].exceptions] == ["the worker could not be reaped"] * 2


async def test_a_pool_whose_start_is_cancelled_stops_the_workers_it_started() -> None:
    """A server stopped while its workers load (Ctrl-C at start-up) cancels the start;
    the workers already spawned stop with it."""
    before = workers_alive()
    turns = TurnPool(echo_graph, Gate(SPAWN.Event()), size=2, line=1, start_within_s=60.0)
    starting = asyncio.create_task(turns.start())
    for _ in range(100):  # a few steps of the loop spawn the workers; loading takes seconds
        if len(workers_alive() - before) == 2:
            break
        await asyncio.sleep(0)
    assert len(workers_alive() - before) == 2
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    assert workers_alive() - before == set()


async def test_a_start_cancelled_again_while_it_stops_its_workers_kills_one_stuck_loading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C pressed twice while a worker hangs loading: the second press comes while the
    start is stopping its workers. The stuck worker, which cannot hear the stop, is killed
    all the same before the start gives up, where the second cancellation cut that
    cleanup short and left the worker running with no pool to stop it."""
    monkeypatch.setattr("warmline.workers.pool.STOP_S", 0.0)  # killed at once, unheard
    before = workers_alive()
    gate = Gate(SPAWN.Event())
    turns = TurnPool(stuck_loading, gate, size=1, line=1, start_within_s=60.0)
    starting = asyncio.create_task(turns.start())
    try:
        for _ in range(100):  # a few steps of the loop spawn the worker
            if workers_alive() - before:
                break
            await asyncio.sleep(0)
        assert len(workers_alive() - before) == 1
        starting.cancel()
        for _ in range(100):  # a few steps later the start is stopping its workers
            if not turns._workers:
                break
            await asyncio.sleep(0)
        assert not turns._workers
        starting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await starting
        assert workers_alive() - before == set()
    finally:
        gate.open.set()  # a worker left behind loads, reads its stop and exits


async def test_a_close_cancelled_while_stopping_a_worker_fails_is_still_cancelled(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Ctrl-C while the pool closes, and reaping a worker then fails: the close still ends
    cancelled, so the shutdown that cancelled it goes on as cancelled, where the failure
    took the cancellation's place; the failure is logged, not lost."""
    finish, reaping, release = pool_module._finish, threading.Event(), threading.Event()

    def failing_finish(process: Any) -> None:
        reaping.set()
        release.wait()
        finish(process)
        raise OSError("the worker could not be reaped")

    monkeypatch.setattr("warmline.workers.pool._finish", failing_finish)
    turns = TurnPool(echo_graph, Gate(SPAWN.Event()), size=1, line=1, start_within_s=60.0)
    await turns.start()
    closing = asyncio.create_task(turns.close())
    await asyncio.to_thread(reaping.wait)
    closing.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError) as cancelled:
        await closing
    assert isinstance(cancelled.value.__cause__, OSError)
    failures = [r for r in caplog.records if r.name == "warmline.workers" and r.exc_info]
    assert [str(r.exc_info[1]) for r in failures if r.exc_info] == [
        "the worker could not be reaped"
    ]


async def test_a_worker_that_cannot_be_reaped_leaves_no_other_unreaped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Closing the pool, the first worker cannot be reaped: the second is still reaped
    before the close raises that failure, where the close gave up at the first failure
    and left the later workers' reaping behind it, with no pool left to wait for it."""
    finish, close_ended_first = pool_module._finish, list[bool]()

    async def close_with_a_failing_reap() -> tuple[Any, Any]:
        loop = asyncio.get_running_loop()
        # One thread reaps the workers one by one, in the pool's order, so the first's
        # failure has reached this loop before the second's reaping starts.
        loop.set_default_executor(ThreadPoolExecutor(max_workers=1))
        turns = TurnPool(echo_graph, Gate(SPAWN.Event()), size=2, line=1, start_within_s=60.0)
        await turns.start()
        first, second = (worker.process for worker in turns._workers)

        async def close_ended() -> bool:
            """Whether the close ends within a hundred steps of the loop, as it does if it
            stops waiting at the first failure."""
            for _ in range(100):
                if closing.done():
                    return True
                await asyncio.sleep(0)
            return False

        def fails_first(process: Any) -> None:
            if process is first:
                raise OSError("the worker could not be reaped")
            close_ended_first.append(asyncio.run_coroutine_threadsafe(close_ended(), loop).result())
            finish(process)

        monkeypatch.setattr("warmline.workers.pool._finish", fails_first)
        closing = asyncio.create_task(turns.close())
        with pytest.raises(OSError, match="could not be reaped"):
            await closing
        return first, second

    # On a loop of its own, whose default executor the test may choose.
    first, second = await asyncio.to_thread(asyncio.run, close_with_a_failing_reap())
    try:
        assert close_ended_first == [False]
        assert second.exitcode is not None
    finally:
        finish(first)  # asked to stop, it exits by itself


ORPHANED_WORKER = """
import multiprocessing, sys
from worker_stubs import Gate, echo_graph
from warmline.agent.state import TurnInput
from warmline.workers.messages import Job, Ready
from warmline.workers.process import serve

spawn = multiprocessing.get_context("spawn")
gate = Gate(spawn.Event(), spawn.Semaphore(0))
gateway, child = spawn.Pipe()
worker = spawn.Process(target=serve, args=(echo_graph, gate, child))
worker.start()
child.close()
assert isinstance(gateway.recv(), Ready)
gateway.send(Job(1, "c1", TurnInput(seq=1, text="hold", mode="bot")))
gate.entered.acquire()
gateway.close()  # the gateway dies with a turn in flight: its end of the pipe closes
gate.open.set()  # the turn goes on, and streams and answers down the closed pipe
worker.join(120)
sys.exit(worker.exitcode)
"""


def test_a_worker_whose_gateway_is_gone_stops_with_one_line_and_no_traceback() -> None:
    """Its gateway died mid-turn: the worker finishes the turn, finds nobody to send it
    to, and exits cleanly saying why, instead of printing a traceback per send."""
    done = subprocess.run(
        [sys.executable, "-c", ORPHANED_WORKER],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "gateway" in lines[0], done.stderr


async def test_a_bot_turn_runs_in_a_worker_and_its_answer_reaches_the_customer(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def not_here(*_: Any) -> AgentState:
        raise AssertionError("the turn ran in the serving process")

    # Only this process's graph is patched; a worker process runs the real one.
    monkeypatch.setattr(ConversationGraph, "run", not_here)
    settings = make_settings(tmp_path, kb_snapshot, workers=1)
    async with serving(settings) as server:
        client, _ = await customer(server)
        await say(client, "how do I get a refund?")
        answer = await client.wait_for(60, type="message", data_role="bot")
        urls = [c["url"] for c in answer["data"]["citations"]]
        assert urls[0] == "https://help.lumenhome.example/articles/request-a-refund"
        await client.close()


async def test_a_busy_turn_tells_the_customer_with_the_button_to_a_person(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def busy(*_: Any) -> AgentState:
        raise Busy("no worker free within 5 s")

    monkeypatch.setattr(ConversationGraph, "run", busy)
    settings = make_settings(tmp_path, kb_snapshot)
    async with serving(settings) as server:
        client, _ = await customer(server, profile={"language": "es"})
        await say(client, "¿Cómo reinicio el termostato?")
        answer = await client.wait_for(30, type="message", data_role="system")
        assert answer["data"]["text"] == text("busy", "es")
        assert answer["data"]["kind"] == "busy"
        await client.close()


async def test_handoffs_then_first_messages_go_ahead_of_other_turns_in_the_line() -> None:
    async with pool(line=2) as (turns, gate):
        held = asyncio.create_task(turns.run("c1", turn("hold")))
        await asyncio.sleep(0)  # the held turn takes the only worker
        finished: list[str] = []

        async def queued(text: str, urgency: Urgency) -> None:
            state = await turns.run(text, turn(text), urgency=urgency)
            finished.append(answered(state).split()[0])

        later = [asyncio.create_task(queued("follow-up", Urgency.TURN))]
        await asyncio.sleep(0)
        later.append(asyncio.create_task(queued("first", Urgency.FIRST)))
        await asyncio.sleep(0)
        # The line (2) is full, yet a handoff's turn is let in, and goes first.
        with pytest.raises(Busy, match="2 turns already wait"):
            await turns.run("c4", turn("refused"))
        later.append(asyncio.create_task(queued("handoff", Urgency.HANDOFF)))
        await asyncio.sleep(0)
        gate.open.set()
        await held
        await asyncio.gather(*later)
        assert finished == ["handoff", "first", "follow-up"]


async def test_a_turn_that_stops_waiting_leaves_its_place_to_the_next() -> None:
    async with pool(line=4) as (turns, gate):
        held = asyncio.create_task(turns.run("c1", turn("hold")))
        await asyncio.sleep(0)
        gone = asyncio.create_task(turns.run("c2", turn("gone"), urgency=Urgency.HANDOFF))
        waiting = asyncio.create_task(turns.run("c3", turn("waiting")))
        await asyncio.sleep(0)
        gone.cancel()
        gate.open.set()
        await held
        assert answered(await waiting).startswith("waiting from")
        assert gone.cancelled()


def pool_of(gate: Gate, **options: Any) -> Callable[[Any], AbstractAsyncContextManager[TurnPool]]:
    """The server's compute workers, as a `TurnPool` of `echo_graph` held by `gate`."""

    @asynccontextmanager
    async def workers(_: Any) -> AsyncIterator[TurnPool]:
        turns = TurnPool(echo_graph, gate, **options)
        try:
            await turns.start()
            yield turns
        finally:
            await turns.close()

    return workers


async def test_a_turn_run_again_after_its_worker_died_streams_its_preview_from_the_start(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The customer saw a piece of the first attempt's answer; the turn run once more
    streams from index 0 again, which starts the preview over (docs/protocol.md), so the
    preview shows that piece once, not the first attempt's words and then the retry's."""
    gate = Gate(SPAWN.Event(), died=SPAWN.Event())
    workers = pool_of(gate, size=1, line=4, start_within_s=60.0)
    monkeypatch.setattr("warmline.server.runtime.turn_pool", workers)
    async with serving(make_settings(tmp_path, kb_snapshot, workers=1)) as server:
        client, _ = await customer(server)
        await say(client, "die after a piece")
        answer = await client.wait_for(60, type="message", data_role="bot")
        assert answer["data"]["text"].startswith("die after a piece from")
        assert gate.died.is_set()
        pieces = [f["data"] for f in client.frames if f["type"] == "delta"]
        assert [(p["index"], p["text"]) for p in pieces] == [(0, "first piece"), (0, "first piece")]
        await client.close()


def stuck_workers(gate: Gate) -> Callable[[Any], AbstractAsyncContextManager[TurnPool]]:
    """The server's compute workers, each stuck in its turn until the test opens `gate`: one
    worker, one place in line, and a start deadline no turn reaches."""
    return pool_of(gate, size=1, line=1, start_within_s=3600.0)


async def test_with_every_worker_stuck_a_handoff_reaches_the_agent_and_a_turn_is_told_busy(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_graph_here(*_: Any) -> AgentState:
        raise AssertionError("a graph ran in the serving process")

    gate = Gate(SPAWN.Event())
    monkeypatch.setattr("warmline.server.runtime.turn_pool", stuck_workers(gate))
    monkeypatch.setattr(ConversationGraph, "run", no_graph_here)
    settings = make_settings(tmp_path, kb_snapshot, workers=1)
    async with serving(settings) as server:
        console = await agent(server)
        stuck, _ = await customer(server)
        await say(stuck, "hold")  # takes the only worker and keeps it
        in_line, _ = await customer(server)
        await say(in_line, "hold")  # takes the only place in line
        refused, _ = await customer(server, profile={"language": "de"})
        await say(refused, "Wie setze ich das Thermostat zurück?")
        busy = await refused.wait_for(30, type="message", data_role="system")
        assert (busy["data"]["kind"], busy["data"]["text"]) == ("busy", text("busy", "de"))

        asking, welcome = await customer(server)
        await asking.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
        handoff = await console.wait_for(
            30, type="handoff", conversation_id=welcome["conversation_id"]
        )
        packet = handoff["data"]["entry"]["packet"]
        assert [r["code"] for r in packet["decision"]["reasons"]] == ["explicit_request"]
        assert packet["transcript"][-1]["text"] == "I'd like to talk to a person."
        holding = await asking.wait_for(30, type="message", data_role="bot")
        assert holding["data"]["text"] == text("holding", "en")
        await asking.wait_for(30, type="mode", data_mode="queued")

        typed, welcome = await customer(server)
        await say(typed, "Can I speak to a human please, my order LH-482913 arrived broken")
        handoff = await console.wait_for(
            30, type="handoff", conversation_id=welcome["conversation_id"]
        )
        summary = handoff["data"]["entry"]["packet"]["summary"]
        assert "mentioned: LH-482913" in summary["facts_collected"]
        for client in (console, stuck, in_line, refused, asking, typed):
            await client.close()
        gate.open.set()  # the server's last drain waits for the stuck turns


CARD_NUMBER = "4111 1111 1111 1111"


def stored_anywhere(data_dir: Path, needle: str) -> list[str]:
    """The files under the data directory (databases, their logs, the server's log) that
    hold `needle`, spaced or not."""
    forms = {needle.encode(), needle.replace(" ", "").encode()}
    return [
        str(path)
        for path in data_dir.rglob("*")
        if path.is_file() and any(form in path.read_bytes() for form in forms)
    ]


async def test_a_message_is_inspected_in_a_worker_and_never_stored_unredacted(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_here(*_: Any) -> Any:
        raise AssertionError("a customer's message was inspected in the serving process")

    # Only this process's guard is patched; the worker process inspects with the real one.
    monkeypatch.setattr(Guard, "inspect", not_here)
    settings = make_settings(tmp_path, kb_snapshot, workers=1)
    async with serving(settings) as server:
        client, _ = await customer(server)
        words = f"I was charged twice on my card {CARD_NUMBER}, how do I get a refund?"
        await client.send({"type": "message", "client_msg_id": new_id(), "data": {"text": words}})
        stored = await client.wait_for(60, type="message", data_role="customer")
        assert "<CARD_1>" in stored["data"]["text"]
        await client.wait_for(60, type="message", data_role="bot")
        await client.close()
    assert stored_anywhere(tmp_path, CARD_NUMBER) == []


def held_inspections(
    gate: Gate, start_within_s: float = 0.0
) -> Callable[[Any], AbstractAsyncContextManager[TurnPool]]:
    """The server's compute workers: one worker inspecting one message at a time (and
    running two turns), whose "wait to be read" holds its inspection until the test opens
    `gate`, with a start deadline (by default already past for any message that has to
    wait: the clock need not move for a message to be late)."""
    return pool_of(gate, size=1, line=4, start_within_s=start_within_s, slots=2, inspect_slots=1)


async def test_a_message_no_worker_inspects_in_time_is_refused_busy_and_its_resend_answered_once(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(SPAWN.Event(), SPAWN.Semaphore(0))
    monkeypatch.setattr("warmline.server.runtime.turn_pool", held_inspections(gate))
    settings = make_settings(tmp_path, kb_snapshot, workers=1, limits={"flood_messages": 2})
    async with serving(settings) as server:
        console = await agent(server)
        reading, _ = await customer(server)
        first_id = new_id()
        await reading.send(
            {"type": "message", "client_msg_id": first_id, "data": {"text": "wait to be read"}}
        )
        # The worker's only inspection slot is now taken until the gate opens.
        assert await asyncio.to_thread(gate.entered.acquire, True, 60)

        late, _ = await customer(server, profile={"language": "es"})
        late_id, words = new_id(), f"mi tarjeta es {CARD_NUMBER}, ¿me devolvéis el dinero?"
        message = {"type": "message", "client_msg_id": late_id, "data": {"text": words}}
        await late.send(message)
        busy = await late.wait_for(30, type="error")
        assert busy["data"] == {
            "code": "busy",
            "message": refusal("busy", "es"),
            "frame_type": "message",
            "client_msg_id": late_id,
        }
        assert "Hablar con una persona" in busy["data"]["message"]
        # Refused, not stored: nothing of it reached the socket before the error.
        assert [frame["type"] for frame in late.frames] == ["welcome", "error"]
        # Sent again while every worker is still busy, more often than the conversation's
        # flood window (two messages) allows: the same message counts once, so each resend
        # is told "busy", never "rate_limited".
        for _ in range(3):
            await late.send(message)
            again = await late.wait_for(30, type="error")
            assert (again["data"]["code"], again["data"]["client_msg_id"]) == ("busy", late_id)

        # "Talk to a person" needs no worker: the agent has it while the worker is held.
        asking, welcome = await customer(server)
        await asking.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
        handoff = await console.wait_for(
            30, type="handoff", conversation_id=welcome["conversation_id"]
        )
        assert handoff["data"]["entry"]["packet"]["transcript"][-1]["text"] == (
            "I'd like to talk to a person."
        )

        gate.open.set()
        await reading.wait_for(60, type="ack", data_client_msg_id=first_id)
        await reading.wait_for(60, type="message", data_role="bot")

        # The client sends it again, the same frame, once a worker is free: the message is
        # stored (the conversation's first event), acknowledged and answered.
        await late.send(message)
        ack = await late.wait_for(60, type="ack", data_client_msg_id=late_id)
        assert (ack["data"]["seq"], ack["data"]["duplicate"]) == (1, False)
        stored = next(f for f in late.frames if f["type"] == "message")
        assert (stored["seq"], stored["data"]["role"]) == (1, "customer")
        assert stored["data"]["text"] == "mi tarjeta es <CARD_1>, ¿me devolvéis el dinero?"
        answer = await late.wait_for(60, type="message", data_role="bot")
        assert answer["data"]["text"].startswith("mi tarjeta es <CARD_1>")
        # Once only: a later resend of it is acknowledged as the same message.
        await late.send(message)
        again = await late.wait_for(60, type="ack", data_client_msg_id=late_id)
        assert (again["data"]["seq"], again["data"]["duplicate"]) == (1, True)
        for client in (console, reading, late, asking):
            await client.close()
    assert stored_anywhere(tmp_path, CARD_NUMBER) == []


REPLACED_WITHIN_S = 300.0
"""Bounds a hang only: a replacement worker is a new process that imports the whole stack
again, and that import alone took 40 to 70 s on a loaded 2-core machine."""


@pytest.mark.timeout(2 * REPLACED_WITHIN_S)  # the server's first worker starts the same way
async def test_a_worker_killed_mid_inspection_is_replaced_and_the_message_answered_once(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first reading of the message stalls until its worker is killed; the replacement's
    # goes through. Its start deadline is one no replacement's start reaches: the message
    # waits for the replacement however long a loaded machine takes to start it.
    gate = Gate(SPAWN.Event(), SPAWN.Semaphore(0), stalls=SPAWN.Semaphore(1))
    gate.open.set()
    monkeypatch.setattr(
        "warmline.server.runtime.turn_pool", held_inspections(gate, start_within_s=3600.0)
    )
    settings = make_settings(tmp_path, kb_snapshot, workers=1)
    async with serving(settings) as server:
        client, _ = await customer(server)
        msg_id = new_id()
        await client.send(
            {"type": "message", "client_msg_id": msg_id, "data": {"text": "wait to be read"}}
        )
        assert await asyncio.to_thread(gate.entered.acquire, True, 60)
        (worker,) = [p for p in multiprocessing.active_children() if p.name == "warmline-worker"]
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)

        # The same socket, still open: the message is stored once, and answered by the
        # worker that took the dead one's place.
        ack = await client.wait_for(REPLACED_WITHIN_S, type="ack", data_client_msg_id=msg_id)
        assert (ack["data"]["seq"], ack["data"]["duplicate"]) == (1, False)
        answer = await client.wait_for(60, type="message", data_role="bot")
        said, _, pid = answer["data"]["text"].partition(" from ")
        assert said == "wait to be read"
        assert int(pid) != worker.pid
        assert [f["type"] for f in client.frames if f["type"] in ("error", "ack")] == ["ack"]
        await client.close()


async def test_a_turn_stuck_at_shutdown_does_not_hold_the_process_and_is_answered_next_start(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(SPAWN.Event(), SPAWN.Semaphore(0))
    settings = make_settings(tmp_path, kb_snapshot, workers=1, shutdown_grace_s=0)

    async def first_life() -> dict[str, Any]:
        with monkeypatch.context() as patch:
            patch.setattr("warmline.server.runtime.turn_pool", stuck_workers(gate))
            async with serving(settings) as server:
                client, welcome = await customer(server)
                await say(client, "stall")  # its turn never ends on this worker
                assert await asyncio.to_thread(gate.entered.acquire, True, 60)
                await client.close()
        return welcome

    # Unbounded, the last drain would wait for the stalled turn for ever.
    welcome = await asyncio.wait_for(first_life(), 120)
    async with serving(settings.model_copy(update={"workers": 0})) as server:
        client, _ = await customer(
            server, conversation_id=welcome["conversation_id"], token=welcome["data"]["token"]
        )
        await client.wait_for(60, type="message", data_role="bot")
        await client.close()


async def test_turns_run_in_the_serving_process_on_one_thread() -> None:
    """With no worker processes the serving process computes the turns itself, so it
    keeps its models and BLAS to one thread as a worker does, however they were loaded."""
    torch.set_num_threads(2)
    threadpool_limits(limits=2, user_api="blas")
    async with turn_pool(Settings(workers=0)) as pool:
        assert pool is None
        assert torch.get_num_threads() == 1
        assert {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"} == {1}
