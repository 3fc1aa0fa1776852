"""Admission at the gateway, on an injected monotonic clock: while the serving process's
event loop runs late, or the messages it has taken would keep a new one waiting past its
budget, a customer's new message is answered `busy` at once and nothing of it is stored;
"Talk to a person" still goes through; once the loop is on time again (or the backlog
has cleared) the same frame, sent again, is taken."""

import asyncio
import time
from pathlib import Path

import pytest
from conftest import customer, make_settings, new_id, serving

from warmline.conversation.in_flight import InFlight
from warmline.server.admission import Admission


class Ticks:
    """A monotonic clock the test moves: real time plus an offset."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class Frozen:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_one_stall_refuses_nothing_a_loop_behind_for_half_the_window_refuses() -> None:
    clock = Frozen()
    steps: asyncio.Queue[float] = asyncio.Queue()
    recorded = asyncio.Event()

    async def sleep(seconds: float) -> None:
        """The watch's sleep: it ends as late as the test says, on the frozen clock."""
        recorded.set()  # called again only once the previous tick was recorded
        clock.now += seconds + await steps.get()

    async def tick(late_s: float) -> None:
        recorded.clear()
        await steps.put(late_s)
        await recorded.wait()

    lag = Admission(0.25, window_s=2.0, backlog_s=5.0, ticks=clock, every_s=0.1, sleep=sleep)
    watching = asyncio.create_task(lag.watch())
    await recorded.wait()
    assert not lag.lags(), "nothing measured yet"
    await tick(0.1)
    assert not lag.lags(), "100 ms late is within the limit"
    await tick(0.5)
    assert lag.behind_s() == pytest.approx(0.5)
    assert not lag.lags(), "one stall of half a second: a quarter of the window behind"
    await tick(0.6)
    assert lag.lags(), "behind again at once: 1.1 s of the last 2 s"
    for _ in range(18):  # 1.8 s of ticks on time: the first stall leaves the window
        await tick(0.0)
    assert lag.behind_s() == pytest.approx(0.6)
    assert not lag.lags(), "on time again, and the window holds one stall"
    for _ in range(3):
        await tick(0.0)
    assert lag.behind_s() == 0, "both stalls have left the window"
    clock.now += 0.1 + 0.3  # the next tick is due, and has not run 300 ms after
    assert lag.lag() == pytest.approx(0.3)
    assert not lag.lags(), "a tick 300 ms overdue is one stall so far"
    clock.now += 0.9
    assert lag.lags(), "1.2 s overdue: the loop is behind now, before the tick can say so"
    watching.cancel()


async def test_a_message_that_would_wait_past_the_backlog_budget_is_refused() -> None:
    clock = Frozen()
    taken = InFlight(clock, window_s=5.0)
    admission = Admission(0.25, window_s=2.0, backlog_s=5.0, ticks=clock)
    for _ in range(60):
        taken.arrived()
    assert admission.refusal(taken) is None, "no answer yet: nothing to estimate from"
    for _ in range(50):  # ten answers a second for five seconds
        clock.now += 0.1
        taken.answered()
    assert taken.rate() == pytest.approx(10, rel=0.05)
    assert admission.refusal(taken) is None, "10 in flight: about a second's wait"
    for _ in range(50):
        taken.arrived()
    assert admission.refusal(taken) == "backlog", "60 in flight at 10 a second: 6 s"
    for _ in range(20):
        clock.now += 0.1
        taken.answered()
    assert admission.refusal(taken) is None, "40 in flight: four seconds' wait"


async def test_while_the_loop_lags_a_message_is_busy_unstored_and_a_handoff_goes_through(
    tmp_path: Path, kb_snapshot: Path
) -> None:
    ticks = Ticks()
    settings = make_settings(tmp_path, kb_snapshot, gateway_lag_s=2.0, gateway_lag_window_s=0.3)
    async with serving(settings, ticks=ticks) as server:
        asking, _ = await customer(server)
        pressing, _ = await customer(server)

        ticks.advance(10)  # the loop is ten seconds behind
        held = new_id()
        frame = {"type": "message", "client_msg_id": held, "data": {"text": "Where is my order?"}}
        await asking.send(frame)
        refused = await asking.wait_for(type="error", data_client_msg_id=held)
        assert refused["data"]["code"] == "busy"
        assert not [f for f in asking.frames if f["type"] == "ack"], "nothing was taken"

        press = new_id()
        await pressing.send({"type": "request_human", "client_msg_id": press, "data": {}})
        await pressing.wait_for(type="ack", data_client_msg_id=press)
        if not [f for f in pressing.frames if f["type"] == "mode"]:  # it may precede the ack
            await pressing.wait_for(type="mode")
        handed = [f for f in pressing.frames if f["type"] == "mode"]
        assert handed[0]["data"]["mode"] == "queued", "handed to a person at once"

        # The client keeps the message and sends the same frame again after a pause, as the
        # widget does; once the loop is on time again (and the window has passed) it is taken.
        for _ in range(100):
            await asking.send(frame)
            reply = await asking.receive()
            while reply["type"] not in ("ack", "error"):
                reply = await asking.receive()
            assert reply["data"]["client_msg_id"] == held
            if reply["type"] == "ack":
                break
            assert reply["data"]["code"] == "busy"
            await asking.none_arrive(0.2, type="ack")
        assert reply["type"] == "ack" and reply["data"]["duplicate"] is False
        await asking.wait_for(type="message", data_role="bot")

        # Stored once: the conversation's log, read by resuming it, has it once.
        conversation_id = asking.frames[0]["conversation_id"]
        token = asking.frames[0]["data"]["token"]
        again, _ = await customer(
            server, conversation_id=conversation_id, token=token, resume_after=0
        )
        await again.wait_for(type="message", data_role="bot")
        mine = [f for f in again.frames if f["data"].get("client_msg_id") == held]
        assert len(mine) == 1
        for client in (asking, pressing, again):
            await client.close()
