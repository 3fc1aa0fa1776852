"""A message's query encoding is made by an idle worker while another inspects it, and
its turn is handed that encoding instead of calling the model again after the message is
stored; words that redaction changed are encoded again, redacted, by the turn; with no
idle worker nothing is encoded early."""

import asyncio
import multiprocessing
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import customer, make_settings, say, serving
from test_workers import QUESTIONS as WORKER_QUESTIONS
from worker_stubs import HANDED, Gate, counting_compute, echo_graph

from warmline.agent.state import TurnInput
from warmline.workers.pool import TurnPool

SPAWN = multiprocessing.get_context("spawn")
CARD_NUMBER = "4111 1111 1111 1111"


@asynccontextmanager
async def echo_pool(gate: Gate, size: int = 2) -> AsyncIterator[TurnPool]:
    turns = TurnPool(echo_graph, gate, size=size, line=4, start_within_s=60.0)
    try:
        await turns.start()
        yield turns
    finally:
        gate.open.set()
        await turns.close()


def bot_turn(text: str) -> TurnInput:
    return TurnInput(seq=1, text=text, mode="bot")


async def test_a_turn_is_handed_the_encoding_an_idle_worker_made_beside_its_inspection() -> None:
    async with echo_pool(Gate(SPAWN.Event())) as turns:
        words = "how do I get a refund?"
        inspection, early = await turns.inspect_and_encode(words, [], "en", True)
        assert early is not None
        stored = inspection.verdict.redaction
        assert stored is not None and stored.text == words
        state = await turns.run("c1", bot_turn(stored.text), early=early)
        assert str(state["outcome"]["text"]).endswith(HANDED)

        # Redaction changed the words: the turn reads the stored words and is handed nothing.
        inspection, early = await turns.inspect_and_encode(f"my card {CARD_NUMBER}", [], "en", True)
        masked = inspection.verdict.redaction
        assert masked is not None and masked.text == "my card <CARD_1>"
        assert early is not None
        state = await turns.run("c2", bot_turn(masked.text), early=early)
        assert not str(state["outcome"]["text"]).endswith(HANDED)


async def test_with_no_idle_worker_nothing_is_encoded_early() -> None:
    gate = Gate(SPAWN.Event(), SPAWN.Semaphore(0))
    async with echo_pool(gate) as turns:
        held = [turns.run(f"h{i}", bot_turn("hold")) for i in range(2)]
        running = [asyncio.ensure_future(run) for run in held]
        for _ in running:  # both workers are running a turn
            assert await asyncio.to_thread(gate.entered.acquire, True, 60)
        _, early = await turns.inspect_and_encode("how do I get a refund?", [], "en", True)
        assert early is None
        gate.open.set()
        await asyncio.gather(*running)
        # One worker alone has nobody beside it either.
    async with echo_pool(Gate(SPAWN.Event()), size=1) as alone:
        _, early = await alone.inspect_and_encode("how do I get a refund?", [], "en", True)
        assert early is None


# The worker tests' questions, less the request for a person (handed over, not searched).
QUESTIONS = [q for q in WORKER_QUESTIONS if q != "can I talk to a person please"]


async def answered(settings: Any, early: bool) -> list[dict[str, Any]]:
    """Each question's stored words, outcome, chunks found and the model calls its turn's
    worker made, from fresh workers (their own caches): with the encoding made beside the
    inspection, or (as before it was) encoded by the turn."""
    turns = TurnPool(counting_compute, settings, size=2, line=16, start_within_s=600)
    await turns.start()
    found = []
    try:
        for i, question in enumerate(QUESTIONS):
            read = turns.inspect_and_encode(question, [], "en", True, encode=early)
            inspection, made = await read
            if early:
                assert made is not None  # the other worker was idle
            redaction = inspection.verdict.redaction
            assert redaction is not None
            # A conversation of its own each pass: a turn its checkpoint holds is replayed.
            turn = bot_turn(redaction.text)
            state = await turns.run(f"{early}-{i}", turn, early=made)
            found.append(
                {
                    "stored": redaction.text,
                    "outcome": state["outcome"],
                    "retrieved": state.get("retrieved"),
                    "model_calls": state.get("model_calls"),
                }
            )
    finally:
        await turns.close()
    return found


async def test_real_workers_answer_the_same_with_the_encoding_made_beside_the_inspection(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    settings = make_settings(tmp_path, kb_snapshot, workers=2)
    handed = await answered(settings, early=True)
    before = await answered(settings, early=False)

    def without_calls(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in f.items() if k != "model_calls"} for f in found]

    assert without_calls(handed) == without_calls(before)
    assert [f["outcome"]["kind"] for f in before].count("reply") >= 4
    masked = [i for i, f in enumerate(before) if f["stored"] != QUESTIONS[i]]
    assert masked == [
        QUESTIONS.index("I'm Maria Lopez and I want to change the email on my account")
    ]
    # Before, every turn called the model; handed its encoding, a turn whose words were
    # stored as written made no call, and the one whose name was masked encoded its
    # stored words itself.
    assert all(f["model_calls"] >= 1 for f in before)
    assert [f["model_calls"] == 0 for f in handed] == [
        i not in masked for i in range(len(QUESTIONS))
    ]


async def test_through_the_server_a_message_turn_gets_its_early_encoding_unless_masked(
    tmp_path: Path, kb_snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(SPAWN.Event())
    gate.open.set()

    @asynccontextmanager
    async def echo_workers(_: Any) -> AsyncIterator[TurnPool]:
        async with echo_pool(gate) as turns:
            yield turns

    monkeypatch.setattr("warmline.server.runtime.turn_pool", echo_workers)
    settings = make_settings(tmp_path, kb_snapshot, workers=2)
    async with serving(settings) as server:
        client, _ = await customer(server)
        await say(client, "how do I get a refund?")
        answer = await client.wait_for(60, type="message", data_role="bot")
        assert answer["data"]["text"].endswith(HANDED)
        await say(client, f"my card is {CARD_NUMBER}, how do I get a refund?")
        answer = await client.wait_for(60, type="message", data_role="bot")
        assert answer["data"]["text"].startswith("my card is <CARD_1>, how do I get a refund?")
        assert not answer["data"]["text"].endswith(HANDED)
        await client.close()
