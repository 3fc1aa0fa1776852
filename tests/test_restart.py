"""A server killed mid-conversation comes back with every message and the same mode."""

import asyncio
import collections
import contextlib
import itertools
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    Backend,
    ServerProcess,
    agent,
    backend,
    customer,
    kb_snapshot,
    make_settings,
    new_id,
    say,
    serving,
    shared_services_up,
)

from warmline.agent.graph import ConversationGraph
from warmline.agent.state import AgentState, TurnInput
from warmline.conversation.customer_commands import ConversationService, Retries
from warmline.conversation.edge import ASK_FOR_PERSON
from warmline.conversation.protocol import ServerFrame, control
from warmline.conversation.telemetry import PROCESS_REGISTRY
from warmline.conversation.unit_of_work import Change
from warmline.guardrails.guard import Guard
from warmline.guardrails.inspection import Inspection, inspect_message
from warmline.guardrails.redaction import PlaceholderEntry
from warmline.retrieval.store import Hit
from warmline.server.runtime import running
from warmline.storage.conversations import Event
from warmline.storage.database import Unavailable
from warmline.storage.erasure import erase_conversation
from warmline.workers.pool import Busy, Standing, Urgency

__all__ = ["backend", "kb_snapshot"]


async def history(
    server: ServerProcess, conversation_id: str, token: str
) -> tuple[str, list[dict[str, Any]]]:
    client, welcome = await customer(server, conversation_id=conversation_id, token=token)
    await client.send({"type": "ping"})
    frames = []
    while (frame := await client.receive())["type"] != "pong":
        if frame["seq"] is not None:
            frames.append(frame)
    await client.close()
    return welcome["data"]["mode"], frames


@pytest.mark.slow
async def test_sigkill_and_restart_keeps_messages_and_mode(server_process: ServerProcess) -> None:
    server_process.start()
    client, welcome = await customer(server_process)
    conversation_id, token = welcome["conversation_id"], welcome["data"]["token"]
    await say(client, "how do I get a refund?")
    await client.wait_for(type="message", data_role="bot")
    await client.send({"type": "request_human", "client_msg_id": new_id(), "data": {}})
    await client.wait_for(type="mode", data_mode="queued")
    _, before = await history(server_process, conversation_id, token)

    server_process.kill()
    server_process.start()
    mode, after = await history(server_process, conversation_id, token)
    assert mode == "queued"
    assert after == before

    console = await agent(server_process)
    queue = await console.wait_for(type="queue")
    assert [i["conversation_id"] for i in queue["data"]["items"]] == [conversation_id]
    await console.send({"type": "claim", "conversation_id": conversation_id})
    await console.wait_for(type="conversation")
    client, _ = await customer(
        server_process,
        conversation_id=conversation_id,
        token=token,
        resume_after=after[-1]["seq"],
    )
    await client.wait_for(type="mode", data_mode="human")
    await say(client, "my parcel LH-654321 is also missing")
    await console.wait_for(type="message", data_role="customer")

    server_process.kill()
    server_process.start()
    mode, final = await history(server_process, conversation_id, token)
    assert mode == "human"
    assert [f["seq"] for f in final] == list(range(1, len(final) + 1))
    assert final[-1]["data"]["text"] == "my parcel LH-654321 is also missing"

    console = await agent(server_process)
    snapshot = await console.wait_for(type="conversation", conversation_id=conversation_id)
    assert [e["seq"] for e in snapshot["data"]["events"]] == [f["seq"] for f in final]
    await console.send(
        {
            "type": "message",
            "conversation_id": conversation_id,
            "client_msg_id": new_id(),
            "data": {"text": "Still here after the restart."},
        }
    )
    client, _ = await customer(
        server_process,
        conversation_id=conversation_id,
        token=token,
        resume_after=final[-1]["seq"],
    )
    reply = await client.wait_for(type="message")
    assert reply["data"] == {
        **reply["data"],
        "role": "agent",
        "text": "Still here after the restart.",
    }
    await client.close()
    await console.close()


async def test_a_turn_interrupted_before_its_answer_is_answered_after_restart(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    settings = make_settings(tmp_path, kb_snapshot)
    async with running(settings) as runtime:
        service = runtime.service

        async def crash_before_answer(conversation_id: str, seq: int) -> None:
            """Stands in for a process that died after storing the message."""

        service.run_turn = crash_before_answer  # type: ignore[method-assign]
        conversation = await service.start()
        message, _ = await service.customer_message(conversation.id, "how do I get a refund?", "m1")
        assert (await service.get(conversation.id)).pending_seq == message.seq

    async with running(settings) as runtime:
        await runtime.service.drain()
        events = await runtime.service.log.events_after(conversation.id, 0)
        assert [e.data["role"] for e in events] == ["customer", "bot"]
        assert events[1].data["citations"][0]["article_id"] == "request-a-refund"
        assert (await runtime.service.get(conversation.id)).pending_seq is None


class ParsesCounted:
    """The `json` module as the conversation log uses it, counting the texts it parses."""

    def __init__(self) -> None:
        self.parsed: collections.Counter[str] = collections.Counter()

    def loads(self, text: str) -> Any:
        self.parsed[text] += 1
        return json.loads(text)

    def dumps(self, value: Any, **options: Any) -> str:
        return json.dumps(value, **options)


async def test_a_turn_reads_each_message_waiting_behind_it_once(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A turn reads the messages stored after its own (whose turns wait behind it) to know
    whether a handoff waits behind it: each of their stored texts is parsed once."""
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service

        async def not_run(conversation_id: str, seq: int) -> None:
            """The turns wait: the messages stay unanswered behind the first."""

        service.run_turn = not_run  # type: ignore[method-assign]
        conversation = await service.start()
        first, _ = await service.customer_message(conversation.id, "how do I get a refund?", "m1")
        await service.customer_message(conversation.id, "how do I reset my password?", "m2")
        await service.request_human(conversation.id, "m3")
        json_read = ParsesCounted()
        monkeypatch.setattr("warmline.storage.conversations.json", json_read)
        _, message, later = await service.log.turn_message(conversation.id, first.seq)
        assert message is not None
        assert message.data["text"] == "how do I get a refund?"
        assert [(d["text"], d["force_human"]) for d in later] == [
            ("how do I reset my password?", False),
            (ASK_FOR_PERSON, True),
        ]
        assert json_read.parsed and max(json_read.parsed.values()) == 1


def hang_the_search(service: Any) -> asyncio.Event:
    """The knowledge base never answers a search from now on; the event is set when a turn
    starts one (its message read)."""
    searching = asyncio.Event()

    async def hung_search(query: str) -> list[Hit]:
        searching.set()
        await asyncio.Event().wait()  # never answers
        return []

    service.graph.context = replace(service.graph.context, search=hung_search)
    return searching


def refuse_the_first_answer(
    service: Any, by: str = "_run_turn", error: Exception | None = None
) -> None:
    """The database refuses the write of the next answer `ConversationService.<by>` stores
    (a turn's; `_apologise`: a failed turn's apology), or it fails with `error`, and no
    later one."""
    apply, refused = service.work.apply, list[Any]()

    async def refusing(work: Any, urgent: bool = False) -> Any:
        if work.__qualname__.startswith(f"ConversationService.{by}.") and not refused:
            refused.append(work)
            raise error or Unavailable("the answer's write refused")
        return await apply(work, urgent)

    service.work.apply = refusing


async def a_refund_question_left_pending(
    service: ConversationService, conversation_id: str, by: str = "_run_turn"
) -> Event:
    """The customer asks about a refund and the database refuses the answer's write
    (`refuse_the_first_answer`): the question is stored and left pending."""
    refuse_the_first_answer(service, by)
    question, _ = await service.customer_message(conversation_id, "how do I get a refund?", "m1")
    await service.drain()
    return question


async def test_a_turn_cut_short_at_shutdown_is_answered_once_after_restart(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """The knowledge base hangs on the customer's second question, after the message was
    read; the shutdown's drain gives up and cuts the turn short, and LangGraph saves what
    the turn had done (the message, no answer). The next start answers the question, and
    the conversation's memory holds it once."""
    settings = make_settings(tmp_path, kb_snapshot, shutdown_grace_s=0)
    async with running(settings) as runtime:
        service = runtime.service
        conversation = await service.start()
        await service.customer_message(conversation.id, "how do I reset my password?", "m1")
        await service.drain()
        searching = hang_the_search(service)
        question, _ = await service.customer_message(
            conversation.id, "how do I get a refund?", "m2"
        )
        await searching.wait()

    async with running(settings) as runtime:
        service = runtime.service
        await service.drain()
        events = await service.log.events_after(conversation.id, 0)
        assert [e.data["role"] for e in events] == ["customer", "bot", "customer", "bot"]
        assert events[-1].data["citations"][0]["article_id"] == "request-a-refund"
        assert (await service.get(conversation.id)).pending_seq is None
        memory = await service.graph.memory(conversation.id)
        assert [(m["role"], m["seq"]) for m in memory["messages"]] == [
            ("customer", 1),
            ("bot", 1),
            ("customer", question.seq),
            ("bot", question.seq),
        ]
        assert len(memory["sentiments"]) == 2, "each message's sentiment counted once"


async def test_a_message_waiting_behind_a_turn_cut_short_is_answered_after_it_once(
    tmp_path: Path, kb_snapshot: Path, backend: Backend
) -> None:
    """The customer's first question hangs in the knowledge base after it was read, and
    they ask a second, which is stored and waits behind it; the shutdown cuts both turns
    short. After the restart the customer receives an answer to each question, the first's
    then the second's, and a resume afterwards answers neither again."""
    settings = make_settings(tmp_path, kb_snapshot, backend, shutdown_grace_s=0)
    async with running(settings) as runtime:
        service = runtime.service
        searching = hang_the_search(service)
        conversation = await service.start()
        first, _ = await service.customer_message(conversation.id, "how do I get a refund?", "m1")
        await searching.wait()
        second, _ = await service.customer_message(
            conversation.id, "how do I reset my password?", "m2"
        )

    async with running(settings) as runtime:
        service = runtime.service
        await service.drain()
        # What the customer's socket receives when it comes back after its last ack.
        received = await service.log.events_after(conversation.id, second.seq, for_customer=True)
        answers = [e.data["citations"][0]["article_id"] for e in received]
        assert answers == ["request-a-refund", "reset-your-password"]
        memory = await service.graph.memory(conversation.id)
        assert [(m["role"], m["seq"]) for m in memory["messages"]] == [
            ("customer", first.seq),
            ("bot", first.seq),
            ("customer", second.seq),
            ("bot", second.seq),
        ]
        await service.resume(conversation.id, service.token_for(conversation.id))
        await service.drain()
        again = await service.log.events_after(conversation.id, second.seq, for_customer=True)
        assert again == received
        assert (await service.get(conversation.id)).pending_seq is None


async def test_messages_whose_turns_were_cut_short_are_answered_in_order_on_resume(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """The turns of two questions are cut short, the first mid-run and the second waiting
    behind it, as a gateway that died would leave them; the customer resumes (here, on the
    same server) and receives an answer to each question, in order."""
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        search = service.graph.context.search
        searching = hang_the_search(service)
        conversation = await service.start()
        await service.customer_message(conversation.id, "how do I get a refund?", "m1")
        await searching.wait()
        second, _ = await service.customer_message(
            conversation.id, "how do I reset my password?", "m2"
        )
        await service.stop_turns()
        service.graph.context = replace(service.graph.context, search=search)
        await service.resume(conversation.id, service.token_for(conversation.id))
        await service.drain()
        received = await service.log.events_after(conversation.id, second.seq, for_customer=True)
        answers = [e.data["citations"][0]["article_id"] for e in received]
        assert answers == ["request-a-refund", "reset-your-password"]


async def test_a_socket_back_while_its_question_is_answered_gets_that_answer_once(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """The customer's socket comes back while their question is being answered (the resume
    runs the pending question again, behind the running turn), and they ask another before
    the answer comes: the first question is answered once, the second once."""
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        searching, release = asyncio.Event(), asyncio.Event()
        search = service.graph.context.search

        async def slow_search(query: str) -> list[Hit]:
            searching.set()
            await release.wait()
            return await search(query)

        service.graph.context = replace(service.graph.context, search=slow_search)
        await service.customer_message(conversation.id, "how do I get a refund?", "m1")
        await searching.wait()
        await service.resume(conversation.id, service.token_for(conversation.id))
        await service.customer_message(conversation.id, "how do I reset my password?", "m2")
        release.set()
        await service.drain()
        events = await service.log.events_after(conversation.id, 0)
        assert [e.data["role"] for e in events] == ["customer", "customer", "bot", "bot"]
        assert (await service.get(conversation.id)).pending_seq is None


async def test_an_answer_never_stored_is_stored_when_its_turn_runs_again_behind_a_new_message(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """The answer's write was refused (the graph had finished the turn): the resume runs
    the turn again and the checkpoint gives back its outcome; the customer writes again
    meanwhile. The first question's answer is stored then, and the second's after it."""
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        await a_refund_question_left_pending(service, conversation.id)
        assert (await service.get(conversation.id)).pending_seq is not None
        run_graph, replaying, release = service._run_graph, asyncio.Event(), asyncio.Event()

        async def held_replay(*args: Any, **kwargs: Any) -> AgentState:
            state = await run_graph(*args, **kwargs)
            if state.get("replayed"):
                replaying.set()
                await release.wait()
            return state

        service._run_graph = held_replay  # type: ignore[method-assign]
        await service.resume(conversation.id, service.token_for(conversation.id))
        await replaying.wait()
        await service.customer_message(conversation.id, "how do I reset my password?", "m2")
        release.set()
        await service.drain()
        events = await service.log.events_after(conversation.id, 0)
        assert [e.data["role"] for e in events] == ["customer", "customer", "bot", "bot"]
        assert events[2].data["citations"][0]["article_id"] == "request-a-refund"


async def test_a_question_after_one_whose_answer_was_refused_is_answered_after_it(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """The database refuses the first question's answer, which stays pending; the customer
    asks again on the same socket. The new question's turn answers the first question
    first, then the new one, each once: the graph would go past the older one."""
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        await a_refund_question_left_pending(service, conversation.id)
        second, _ = await service.customer_message(
            conversation.id, "how do I reset my password?", "m2"
        )
        await service.drain()
        received = await service.log.events_after(conversation.id, second.seq, for_customer=True)
        answers = [e.data["citations"][0]["article_id"] for e in received]
        assert answers == ["request-a-refund", "reset-your-password"]
        assert (await service.get(conversation.id)).pending_seq is None


async def test_a_busy_server_keeps_no_per_conversation_state_after_turns_end(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        for i in range(5):
            conversation = await service.start()
            await service.customer_message(conversation.id, "how do I reset my password?", f"m{i}")
            await service.customer_message(conversation.id, "and my e-mail?", f"n{i}")
        await service.drain()
        assert service.turns.held() == set()


def errors_of(code: str) -> float:
    """How many errors of `code` this process has counted (`/metrics`)."""
    count = PROCESS_REGISTRY.get_sample_value("warmline_errors_total", {"code": code})
    return count or 0.0


def turns_left_pending() -> float:
    """How many turns this process has counted as left pending (`/metrics`)."""
    return errors_of("unavailable")


def errors_counted() -> float:
    """How many errors this process has counted, of every code (`/metrics`)."""
    return sum(
        sample.value
        for metric in PROCESS_REGISTRY.collect()
        for sample in metric.samples
        if sample.name == "warmline_errors_total"
    )


@pytest.mark.parametrize("failure", [Busy("no worker free within 5 s"), RuntimeError("crashed")])
async def test_a_failed_turn_whose_conversation_is_erased_before_its_apology_counts_once(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    """The turn fails and the customer's erasure lands before its apology: nobody is left
    to apologise to, but the failure is still counted, once, under its own code."""
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()

        async def erase(change: Change) -> None:
            await erase_conversation(change.conn, conversation.id)

        async def erased_then_fails(graph: ConversationGraph, *args: Any) -> AgentState:
            await service.work.apply(erase)
            raise failure

        monkeypatch.setattr(ConversationGraph, "run", erased_then_fails)
        code = "busy" if isinstance(failure, Busy) else "turn_failed"
        before, errors_before = errors_of(code), errors_counted()
        await service.customer_message(conversation.id, "how do I get a refund?", "m1")
        await service.drain()
        assert await service.log.get(conversation.id) is None
        assert errors_of(code) == before + 1
        assert errors_counted() == errors_before + 1


def the_graph_fails_once(monkeypatch: pytest.MonkeyPatch, failure: Exception) -> list[Exception]:
    """The next turn's graph raises `failure`, later ones run; the list empties when it has."""
    run, failures = ConversationGraph.run, [failure]

    async def fails_once(graph: ConversationGraph, *args: Any) -> AgentState:
        if failures:
            raise failures.pop()
        return await run(graph, *args)

    monkeypatch.setattr(ConversationGraph, "run", fails_once)
    return failures


@pytest.mark.parametrize("failure", [Busy("no worker free within 5 s"), RuntimeError("crashed")])
async def test_a_failed_turn_whose_apology_is_refused_stays_pending_and_is_answered_on_resume(
    tmp_path: Path,
    kb_snapshot: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    failure: Exception,
) -> None:
    """The turn fails (no worker in time, or the graph crashed) and the database refuses
    the apology's write too: the message stays pending, counted and logged as a turn left
    pending like any whose answer was refused (where the error escaped and killed the
    turn's task), and counted once (it was counted as the turn's failure too, though no
    apology went out and the turn runs again), and the customer's resume answers it."""
    the_graph_fails_once(monkeypatch, failure)
    caplog.set_level(logging.WARNING, logger="warmline.service")
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        before, errors_before = turns_left_pending(), errors_counted()
        question = await a_refund_question_left_pending(service, conversation.id, "_apologise")
        assert (await service.get(conversation.id)).pending_seq == question.seq
        assert turns_left_pending() == before + 1
        assert errors_counted() == errors_before + 1
        assert "turn left pending" in [r.getMessage() for r in caplog.records]

        await service.resume(conversation.id, service.token_for(conversation.id))
        await service.drain()
        received = await service.log.events_after(conversation.id, question.seq)
        assert [e.data["role"] for e in received] == ["bot"]
        assert received[0].data["citations"][0]["article_id"] == "request-a-refund"
        assert (await service.get(conversation.id)).pending_seq is None


def the_graph_crashes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every turn's graph raises; the list holds the message of each run, by seq."""
    runs: list[int] = []

    async def crashes(graph: ConversationGraph, _: str, turn: TurnInput, *args: Any) -> AgentState:
        runs.append(turn.seq)
        raise RuntimeError("crashed")

    monkeypatch.setattr(ConversationGraph, "run", crashes)
    return runs


@pytest.mark.parametrize("given_up", [False, True])
async def test_an_apology_written_as_the_shutdown_cuts_its_turn_short_is_stored_and_counted_once(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch, given_up: bool
) -> None:
    """The graph crashes on every run, and the shutdown cuts the turn short while its
    apology is being written (`given_up`: the first apology failed unexpectedly, and
    this is the apology of the turn given up after its one try here). The apology is
    still stored, and each count made once; the customer's resume finds nothing left to
    answer (where the cut write went unstored yet counted, and the turn run again failed
    and was counted a second time)."""

    the_graph_crashes(monkeypatch)
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        service.retries = Retries(tries=1)
        conversation = await service.start()
        apply, writing, written = service.work.apply, asyncio.Event(), asyncio.Event()
        failing = [RuntimeError("connection lost")] if given_up else []

        async def slow_apology(work: Any, urgent: bool = False) -> Any:
            if work.__qualname__.startswith("ConversationService._apologise."):
                if failing:
                    raise failing.pop()
                writing.set()
                await written.wait()
            return await apply(work, urgent)

        service.work.apply = slow_apology  # type: ignore[method-assign]
        counts = ("turn_failed", "turn_given_up")
        before, errors_before = [errors_of(code) for code in counts], errors_counted()
        question, _ = await service.customer_message(
            conversation.id, "how do I get a refund?", "m1"
        )
        await writing.wait()
        stopping = asyncio.create_task(service.stop_turns())
        await service.drain()  # the turn is cut short
        written.set()
        await stopping

        await service.resume(conversation.id, service.token_for(conversation.id))
        await service.drain()
        received = await service.log.events_after(conversation.id, question.seq)
        assert [e.data.get("kind") for e in received] == ["turn_failed"]
        assert (await service.get(conversation.id)).pending_seq is None
        assert [errors_of(code) for code in counts] == [before[0] + 1, before[1] + given_up]
        assert errors_counted() == errors_before + 1 + given_up


async def test_a_failed_turn_whose_apology_fails_unexpectedly_is_tried_again_and_answered(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The graph crashes once, and the apology's write then fails with an unexpected
    error (not refused): the question stays pending and is run again after a pause while
    the server runs, and answered, where the error escaped the turn's task and the
    question waited for the customer's next message, resume or the next start."""
    the_graph_fails_once(monkeypatch, RuntimeError("crashed"))
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        pauses = pauses_of(service)
        conversation = await service.start()
        refuse_the_first_answer(service, "_apologise", RuntimeError("connection lost"))
        question, _ = await service.customer_message(
            conversation.id, "how do I get a refund?", "m1"
        )
        await service.drain()
        received = await service.log.events_after(conversation.id, question.seq)
        assert [e.data["role"] for e in received] == ["bot"]
        assert (await service.get(conversation.id)).pending_seq is None
        assert pauses == [service.retries.first_s]


async def test_a_handoff_turn_that_fails_and_whose_end_is_refused_counts_once_as_left_pending(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The press is handed over at the edge; its turn's graph crashes (the packet stays the
    edge's) and the database then refuses the write that ends the turn: the turn stays
    pending and is counted once, as left pending, where it was also counted as an
    incomplete packet though it runs again; the resume completes it, counting nothing."""
    failures = the_graph_fails_once(monkeypatch, RuntimeError("crashed"))
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        refuse_the_first_answer(service, "_complete_handoff")
        before, incomplete, errors_before = (
            turns_left_pending(),
            errors_of("packet_incomplete"),
            errors_counted(),
        )
        press, _ = await service.request_human(conversation.id, "m1")
        await service.drain()
        assert not failures
        assert (await service.get(conversation.id)).pending_seq == press.seq
        assert turns_left_pending() == before + 1
        assert errors_of("packet_incomplete") == incomplete
        assert errors_counted() == errors_before + 1

        await service.resume(conversation.id, service.token_for(conversation.id))
        await service.drain()
        assert (await service.get(conversation.id)).pending_seq is None
        assert errors_counted() == errors_before + 1


async def test_a_turn_refused_between_unexpected_failures_gets_its_tries_anew(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The graph crashes on every run (two tries here). The first apology fails
    unexpectedly, so the turn is tried again after a pause; the database refuses that
    run's apology, so the question waits for the customer. When they resume and the
    apology fails unexpectedly again, the turn gets its tries anew, a pause and another
    run, which answers it: the failures in a row were broken by the refusal (where the
    count went on from before it, and the turn was given up at once)."""

    the_graph_crashes(monkeypatch)
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        service.retries = Retries(tries=2)
        pauses = pauses_of(service)
        conversation = await service.start()
        apply = service.work.apply
        failures: list[Exception] = [
            RuntimeError("connection lost"),
            Unavailable("the apology's write refused"),
            RuntimeError("connection lost"),
        ]

        async def apologies_fail(work: Any, urgent: bool = False) -> Any:
            if work.__qualname__.startswith("ConversationService._apologise.") and failures:
                raise failures.pop(0)
            return await apply(work, urgent)

        service.work.apply = apologies_fail  # type: ignore[method-assign]
        given_up = errors_of("turn_given_up")
        question, _ = await service.customer_message(
            conversation.id, "how do I get a refund?", "m1"
        )
        await service.drain()
        assert (await service.get(conversation.id)).pending_seq == question.seq

        await service.resume(conversation.id, service.token_for(conversation.id))
        await service.drain()
        assert not failures
        assert pauses == [service.retries.first_s] * 2
        assert errors_of("turn_given_up") == given_up
        received = await service.log.events_after(conversation.id, question.seq)
        assert [e.data.get("kind") for e in received] == ["turn_failed"]


def the_handoffs_end_write_fails(
    service: Any, error: BaseException, commits: bool, times: int = 1
) -> None:
    """The next `times` writes that end a handoff's turn (`_complete_handoff`) raise
    `error`, after they commit if `commits`; later writes go through."""
    apply, failed = service.work.apply, list[Any]()

    async def failing(work: Any, urgent: bool = False) -> Any:
        if not work.__qualname__.startswith("ConversationService._complete_handoff."):
            return await apply(work, urgent)
        if len(failed) >= times:
            return await apply(work, urgent)
        failed.append(work)
        if commits:
            await apply(work, urgent)
        raise error

    service.work.apply = failing


def pauses_of(service: ConversationService) -> list[float]:
    """The pauses the service takes before it tries a turn again, each over at once (time
    is the test's): the list holds each pause's length as asked for."""
    asked: list[float] = []

    async def pause(seconds: float) -> None:
        asked.append(seconds)

    service.pause = pause
    return asked


@pytest.mark.parametrize("commits", [True, False])
async def test_a_handoff_turn_that_fails_and_whose_end_fails_counts_once_and_apologises_not(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch, commits: bool
) -> None:
    """The press is handed over at the edge and its turn's graph crashes; then the write
    that ends the turn is cut short as SQLite's writer thread commits it (`commits`: the
    turn ends answered, with no run left to count it), or fails with an unexpected error:
    the turn stays pending and is run again after a pause, while the server runs, and
    ends. Either way the failure counts once, and the customer, queued for a person,
    gets no "something went wrong"."""
    failures = the_graph_fails_once(monkeypatch, RuntimeError("crashed"))
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        pauses = pauses_of(service)
        conversation = await service.start()
        error = asyncio.CancelledError() if commits else RuntimeError("connection lost")
        the_handoffs_end_write_fails(service, error, commits)
        incomplete, errors_before = errors_of("packet_incomplete"), errors_counted()
        press, _ = await service.request_human(conversation.id, "m1")
        await service.drain()
        assert not failures
        assert errors_of("packet_incomplete") == incomplete + 1
        assert errors_counted() == errors_before + 1
        received = await service.log.events_after(conversation.id, press.seq)
        kinds = [e.data.get("kind") for e in received]
        assert "turn_failed" not in kinds and "handoff_unfinished" not in kinds
        assert (await service.get(conversation.id)).pending_seq is None
        assert pauses == ([] if commits else [service.retries.first_s])


async def test_a_handoff_turn_whose_end_keeps_failing_is_given_up_and_blocks_no_later_message(
    tmp_path: Path, kb_snapshot: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every write that ends the press's turn fails with an unexpected error, and the
    customer writes again meanwhile. The turn is run again after pauses that double, and
    after its last try it is given up: logged, counted, and the customer told in one
    message that their request is still with the team. Nothing is lost (the message, the
    handoff in line), and the message they wrote meanwhile is answered, where every one
    of their messages used to wait behind the failing turn for ever, unanswered."""
    caplog.set_level(logging.WARNING, logger="warmline.service")
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        pauses = pauses_of(service)
        conversation = await service.start()
        the_handoffs_end_write_fails(service, RuntimeError("connection lost"), False, 99)
        given_up = errors_of("turn_given_up")
        press, _ = await service.request_human(conversation.id, "m1")
        follow_up, _ = await service.customer_message(conversation.id, "are you there?", "m2")
        await service.drain()

        assert pauses and all(b == 2 * a for a, b in itertools.pairwise(pauses))
        assert errors_of("turn_given_up") == given_up + 1
        logged = [r.getMessage() for r in caplog.records]
        assert f"turn given up after {service.retries.tries} tries" in logged
        received = await service.log.events_after(conversation.id, press.seq)
        said = [(e.seq, e.data.get("kind")) for e in received if e.data.get("role") == "system"]
        assert [kind for _, kind in said].count("handoff_unfinished") == 1
        assert any(seq > follow_up.seq and kind == "waiting" for seq, kind in said)
        assert (await service.get(conversation.id)).pending_seq is None
        assert (await service.get(conversation.id)).mode == "queued"
        assert await service.queue.entry(conversation.id) is not None


async def test_a_shutdown_waits_for_no_turn_waiting_to_be_tried_again(
    tmp_path: Path,
    kb_snapshot: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A turn whose apology failed unexpectedly waits to be tried again when the server is
    told to stop (SIGTERM). The drain that lets answers in progress finish before the
    sockets close drops that wait at once, as the shutdown says it does: it does not
    wait through the pause for the grace period and then warn that answers were still
    running (where only the lifespan's later drain, after the sockets, dropped it)."""
    services: list[ConversationService] = []
    init = ConversationService.__init__

    def kept(service: ConversationService, *args: Any, **kwargs: Any) -> None:
        init(service, *args, **kwargs)
        services.append(service)

    monkeypatch.setattr(ConversationService, "__init__", kept)
    the_graph_crashes(monkeypatch)
    caplog.set_level(logging.WARNING, logger="warmline.gate")
    waiting, dropped = asyncio.Event(), asyncio.Event()

    async def pause(seconds: float) -> None:
        waiting.set()
        try:
            await asyncio.Event().wait()  # the pause is the test's: it never ends by itself
        finally:
            dropped.set()

    settings = make_settings(tmp_path, kb_snapshot, shutdown_grace_s=1.0)
    async with serving(settings) as running_server:
        service = services[-1]
        service.pause = pause
        refuse_the_first_answer(service, "_apologise", RuntimeError("connection lost"))
        conversation = await service.start()
        await service.customer_message(conversation.id, "how do I get a refund?", "m1")
        await waiting.wait()
        running_server.instance.should_exit = True  # what SIGTERM does
    assert dropped.is_set()
    logged = [r.getMessage() for r in caplog.records if r.name == "warmline.gate"]
    assert not [m for m in logged if "still running" in m], logged


async def test_a_turn_whose_pause_ended_as_the_shutdown_began_is_not_started(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The graph crashes on every run and the first apology fails unexpectedly, so the
    turn waits to be tried again; its pause is over and the retry is reading the
    conversation when the shutdown begins. The retry is dropped there too: no turn
    starts once the server is stopping, and the question stays pending for the next
    start (where the retry, past its pause, was out of the shutdown's reach and ran it)."""
    runs = the_graph_crashes(monkeypatch)
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        pauses = pauses_of(service)
        conversation = await service.start()
        refuse_the_first_answer(service, "_apologise", RuntimeError("connection lost"))
        get, reading, release = service.log.get, asyncio.Event(), asyncio.Event()

        async def read_after_the_pause(conversation_id: str) -> Any:
            if pauses:
                reading.set()
                await release.wait()
            return await get(conversation_id)

        service.log.get = read_after_the_pause  # type: ignore[method-assign]
        question, _ = await service.customer_message(
            conversation.id, "how do I get a refund?", "m1"
        )
        await reading.wait()
        service.stop_retrying()
        release.set()
        await service.drain()
        assert runs == [1]
        service.log.get = get  # type: ignore[method-assign]
        assert (await service.get(conversation.id)).pending_seq == question.seq


class LineRecorder:
    """Runs bot turns on the service's own graph, as a worker would, and records the
    urgency each turn leaves the workers' line with."""

    def __init__(self, graph: ConversationGraph) -> None:
        self.graph = graph
        self.sent: list[tuple[int, Urgency]] = []

    async def run(
        self,
        conversation_id: str,
        turn: TurnInput,
        on_delta: Callable[[str], None],
        urgency: Standing,
        *_: Any,
    ) -> AgentState:
        self.sent.append((turn.seq, urgency.urgency))
        return await self.answer(conversation_id, turn, on_delta)

    async def answer(
        self, conversation_id: str, turn: TurnInput, on_delta: Callable[[str], None]
    ) -> AgentState:
        return await self.graph.run(conversation_id, turn, on_delta)


@pytest.mark.parametrize("run_by", ["its own turn", "a resume"])
async def test_a_handoff_behind_a_message_whose_answer_was_refused_waits_in_no_bot_turn_line(
    tmp_path: Path, kb_snapshot: Path, run_by: str
) -> None:
    """The first question's answer was refused, so the customer's press of "Talk to a
    person", handed over at the edge, must wait for that question's turn run again before
    its own completes the packet. Both go to the workers' line as a handoff's, whether the
    press's turn runs the question (the line behind it) or a resume runs each: a handoff
    never waits behind other customers' bot turns."""
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        question = await a_refund_question_left_pending(service, conversation.id)
        assert (await service.get(conversation.id)).pending_seq == question.seq
        line = LineRecorder(service.graph)
        service.runner = line  # type: ignore[assignment]  # a pool's `run`, recorded
        if run_by == "a resume":

            async def cut_short(conversation_id: str, seq: int) -> None:
                """Stands in for a gateway that died before the press's turn ran."""

            service.run_turn = cut_short  # type: ignore[method-assign]
        press, _ = await service.request_human(conversation.id, "m2")
        await service.drain()
        if run_by == "a resume":
            del service.run_turn
            await service.resume(conversation.id, service.token_for(conversation.id))
            await service.drain()
        assert line.sent == [(question.seq, Urgency.HANDOFF), (press.seq, Urgency.HANDOFF)]
        assert (await service.get(conversation.id)).pending_seq is None


class HeldLine(LineRecorder):
    """A workers' line whose slots are all taken until the test frees them: each turn waits
    in it, and is recorded with the urgency it has when it leaves the line. Messages are
    inspected at once, as with no workers."""

    def __init__(self, graph: ConversationGraph, guard: Guard) -> None:
        super().__init__(graph)
        self.guard = guard
        self.waiting, self.freed = asyncio.Event(), asyncio.Event()

    async def inspect_and_encode(
        self,
        text: str,
        entries: list[PlaceholderEntry],
        language: str | None,
        read_request: bool,
        *_: Any,
        **__: Any,
    ) -> tuple[Inspection, None]:
        inspecting = (self.guard, text, entries, language, read_request)
        return await asyncio.to_thread(inspect_message, *inspecting), None

    async def run(
        self,
        conversation_id: str,
        turn: TurnInput,
        on_delta: Callable[[str], None],
        urgency: Standing,
        *_: Any,
    ) -> AgentState:
        self.waiting.set()
        await self.freed.wait()
        return await super().run(conversation_id, turn, on_delta, urgency)


async def a_follow_up_held_in_the_workers_line(
    service: ConversationService, conversation_id: str
) -> tuple[Event, Event, HeldLine]:
    """The customer's first question is answered; then every worker slot is taken and their
    follow-up question waits in the workers' line. Returns both questions and the line,
    which the test frees."""
    first, _ = await service.customer_message(conversation_id, "how do I reset my password?", "m1")
    await service.drain()
    line = HeldLine(service.graph, service.guard)
    service.runner = line  # type: ignore[assignment]  # a pool's `run`, held
    question, _ = await service.customer_message(conversation_id, "how do I get a refund?", "m2")
    await line.waiting.wait()
    return first, question, line


async def test_a_press_while_the_question_waits_for_a_worker_moves_it_to_a_handoffs_place(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """The customer's follow-up question waits in the workers' line (every slot taken) when
    they press "Talk to a person". The press is handed over at the edge at once, but its
    turn, which completes the agent's packet, waits behind the question's: the question
    leaves the line at a handoff's urgency, not a follow-up's, as it would had the press
    been stored before the question's turn was sent (a handoff never waits in the bot
    turns' line)."""
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        _, question, line = await a_follow_up_held_in_the_workers_line(service, conversation.id)
        press, _ = await service.request_human(conversation.id, "m3")
        assert (await service.get(conversation.id)).mode == "queued"
        line.freed.set()
        await service.drain()
        assert line.sent == [(question.seq, Urgency.HANDOFF), (press.seq, Urgency.HANDOFF)]
        assert (await service.get(conversation.id)).pending_seq is None


async def test_a_press_frame_older_than_the_waiting_question_leaves_it_in_the_bot_turns_line(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """The follow-up question waits in the workers' line when a frame of an earlier press
    reaches this process's bus (late from another gateway, or twice from a bus write
    retried): no handoff waits behind the question, so it stays a bot turn, under the
    line's limit and its start deadline, not at a handoff's urgency."""
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        first, question, line = await a_follow_up_held_in_the_workers_line(service, conversation.id)
        for seq in (first.seq, question.seq):  # at or before the question's: none after
            data = {"role": "customer", "text": ASK_FOR_PERSON, "force_human": True}
            service.bus.deliver(conversation.id, ServerFrame(seq=seq, type="message", data=data))
        line.freed.set()
        await service.drain()
        assert line.sent == [(question.seq, Urgency.TURN)]


@pytest.mark.skipif(not shared_services_up(), reason="PostgreSQL or Redis is not reachable")
async def test_a_press_on_another_gateway_moves_the_question_waiting_here_to_a_handoffs_place(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """Scaled out: the follow-up question waits in gateway A's line (every slot taken) when
    the customer, reconnected through the load balancer to gateway B, presses "Talk to a
    person". B hands it over at the edge; A learns of the press from the bus and moves the
    question to a handoff's place, as it does for a press it stores itself."""
    backend = Backend("postgres+redis")
    try:
        shared = backend.overrides()
        a_settings = make_settings(tmp_path / "a", kb_snapshot, **shared)
        b_settings = make_settings(tmp_path / "b", kb_snapshot, **shared)
        async with running(a_settings) as a, running(b_settings) as b:
            conversation = await a.service.start()
            _, question, line = await a_follow_up_held_in_the_workers_line(
                a.service, conversation.id
            )
            reaching_a: asyncio.Queue[Any] = asyncio.Queue()
            with a.service.bus.subscribe(conversation.id, reaching_a):
                press, _ = await b.service.request_human(conversation.id, "m3")
                assert (await b.service.get(conversation.id)).mode == "queued"
                while (await reaching_a.get()).seq != press.seq:
                    pass  # until the press's message has reached gateway A
            line.freed.set()
            await a.service.drain()
            await b.service.drain()
            assert line.sent == [(question.seq, Urgency.HANDOFF)]
            assert (await b.service.get(conversation.id)).pending_seq is None
    finally:
        backend.drop()


class NoWorkerFree(LineRecorder):
    """A workers' line that never starts a turn in time: every turn is refused as busy."""

    async def answer(
        self, conversation_id: str, turn: TurnInput, on_delta: Callable[[str], None]
    ) -> AgentState:
        raise Busy("no worker free within 5 s")


async def test_under_overload_a_question_a_handoff_waits_behind_is_answered_busy_not_run_here(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    """No worker frees up. The press's own turn still runs on the serving process's graph
    (the customer asked for a person and is never told "busy"), but the older question it
    waits behind, which shares its place in line, is answered "busy": the process holding
    the sockets runs no bot turn for the workers, however it reached the front."""
    async with running(make_settings(tmp_path, kb_snapshot)) as runtime:
        service = runtime.service
        conversation = await service.start()
        question = await a_refund_question_left_pending(service, conversation.id)
        line = NoWorkerFree(service.graph)
        service.runner = line  # type: ignore[assignment]  # a pool's `run`, refusing
        press, _ = await service.request_human(conversation.id, "m2")
        await service.drain()
        assert line.sent == [(question.seq, Urgency.HANDOFF), (press.seq, Urgency.HANDOFF)]
        received = await service.log.events_after(conversation.id, question.seq)
        said = [e.data for e in received if e.type == "message" and e.data["role"] != "customer"]
        assert [s.get("kind") for s in said if s["role"] == "system"].count("busy") == 1
        assert [s for s in said if s["role"] == "bot"] == []
        assert (await service.get(conversation.id)).pending_seq is None


async def test_two_runs_of_one_message_past_a_lapsed_turn_lock_answer_it_once(
    tmp_path: Path, kb_snapshot: Path, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scaled out, the turn lock is Redis's alone and lapses when a turn outlives it (a
    Redis hang, a long pause, a slow model): a second run of the same message starts while
    the first still runs, and both reach the answer's write. The customer receives one
    answer, and one is stored: the write of the run that finds its message answered
    already stores nothing and sends nothing."""

    @contextlib.asynccontextmanager
    async def lapsed(conversation_id: str) -> AsyncIterator[None]:
        yield  # granted to every run, as a lock that expired mid-turn is

    async with running(make_settings(tmp_path, kb_snapshot, backend)) as runtime:
        service = runtime.service
        monkeypatch.setattr(service.turns, "hold", lapsed)
        run_graph, first_ran, both_ran = service._run_graph, asyncio.Event(), asyncio.Event()
        ran: list[AgentState] = []

        async def held_at_the_write(*args: Any, **kwargs: Any) -> AgentState:
            state = await run_graph(*args, **kwargs)
            ran.append(state)
            first_ran.set()
            if len(ran) == 2:
                both_ran.set()
            await both_ran.wait()
            return state

        service._run_graph = held_at_the_write  # type: ignore[method-assign]
        conversation = await service.start()
        frames: asyncio.Queue[ServerFrame] = asyncio.Queue()
        with service.bus.subscribe(conversation.id, frames):
            question, _ = await service.customer_message(
                conversation.id, "how do I get a refund?", "m1"
            )
            await first_ran.wait()
            await service.run_turn(conversation.id, question.seq)  # the second run
            await service.drain()
            service.bus.publish(conversation.id, control("end_of_test", conversation.id))
            sent: list[ServerFrame] = []
            while (frame := await frames.get()).type != "end_of_test":
                sent.append(frame)
        answers = [f for f in sent if f.type == "message" and f.data.get("role") == "bot"]
        assert len(answers) == 1, "the customer is sent one answer"
        events = await service.log.events_after(conversation.id, question.seq)
        assert [e.data["role"] for e in events] == ["bot"]
        assert (await service.get(conversation.id)).pending_seq is None
