"""Admission control in a line to the workers, on an injected clock: from how long jobs
have recently held a slot and how many go before it, a job that would start after its
start deadline or end after its answer deadline is refused at once; what is admitted
waits its turn; a handoff's turn is never refused so."""

import asyncio
from typing import Any

import pytest

from warmline.workers.pool import Busy, Standing, Urgency, _Lane


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Worker:
    alive = True


def lane(clock: Clock, answer_within_s: float = 10.0) -> _Lane:
    line = _Lane("turns", 100, 5.0, lambda _: None, answer_within_s, clock)
    line.release(Worker())  # type: ignore[arg-type]
    return line


async def one_job_took(line: _Lane, clock: Clock, seconds: float) -> Any:
    """The only slot runs a job that holds it `seconds`; then it runs the next and stays busy."""
    worker = await line.admit(Urgency.TURN, clock.now)
    started = clock.now
    clock.now += seconds
    line.finished(started)
    line.release(worker)
    return await line.admit(Urgency.TURN, clock.now)


async def waiting(line: _Lane, urgency: Urgency | Standing, since: float) -> "asyncio.Task[Any]":
    task = asyncio.create_task(line.admit(urgency, since))
    await asyncio.sleep(0)  # it takes its place in line
    assert not task.done()
    return task


async def test_a_turn_that_would_start_past_its_deadline_is_busy_at_once_not_after_it() -> None:
    clock = Clock()
    line = lane(clock)
    worker = await one_job_took(line, clock, 2.0)
    assert line.expected_wait(Urgency.TURN) == 2.0
    admitted = [await waiting(line, Urgency.TURN, clock.now) for _ in range(2)]  # starts by 4 s
    with pytest.raises(Busy, match=r"would start in 6\.0 s"):
        await line.admit(Urgency.TURN, clock.now)
    # A message that already waited (redaction, the conversation's previous turn) has less.
    with pytest.raises(Busy, match=r"would start in 6\.0 s"):
        await line.admit(Urgency.TURN, clock.now - 4.0)
    # A handoff's turn is never refused for the wait, and goes first.
    handoff = await waiting(line, Urgency.HANDOFF, clock.now)
    assert line.expected_wait(Urgency.HANDOFF) == 4.0
    line.finished(clock.now)
    line.release(worker)
    assert await handoff is worker
    assert not any(task.done() for task in admitted)
    for task in admitted:
        task.cancel()


async def test_a_turn_that_would_end_past_the_answer_deadline_is_busy_at_once() -> None:
    clock = Clock()
    line = lane(clock, answer_within_s=6.0)
    await one_job_took(line, clock, 3.0)
    # It would start in 3 s (within 5) but, taking 3 s itself, end at 6 s: in time.
    first = await waiting(line, Urgency.TURN, clock.now)
    # A first message goes ahead of it and would start in time (3 s, when 4.5 s are left)
    # but end half a second past the answer deadline: refused now.
    with pytest.raises(Busy, match=r"would start in 3.0 s and take 3.0 s \(0.5 s after"):
        await line.admit(Urgency.FIRST, clock.now - 0.5)
    first.cancel()


async def test_before_any_job_has_finished_nothing_is_refused_by_estimate() -> None:
    clock = Clock()
    line = lane(clock)
    await line.admit(Urgency.TURN, clock.now)
    assert line.expected_wait(Urgency.TURN) is None
    tasks = [await waiting(line, Urgency.TURN, clock.now - 4.9) for _ in range(5)]
    for task in tasks:
        task.cancel()


async def test_a_turn_raised_to_a_handoff_while_it_waits_goes_ahead_and_counts_once() -> None:
    """A follow-up question waits in line when its customer asks for a person: raised to a
    handoff's urgency, it takes the next free slot ahead of a first message that came
    before it, and the line counts it once, at its new place, then not at all."""
    clock = Clock()
    line = lane(clock)
    worker = await one_job_took(line, clock, 2.0)
    first = await waiting(line, Urgency.FIRST, clock.now)
    standing = Standing(Urgency.TURN)
    question = await waiting(line, standing, clock.now)
    assert (line.expected_wait(Urgency.HANDOFF), line.expected_wait(Urgency.TURN)) == (2.0, 6.0)
    standing.raise_to(Urgency.HANDOFF)
    standing.raise_to(Urgency.TURN)  # never back down
    assert (line.expected_wait(Urgency.HANDOFF), line.expected_wait(Urgency.TURN)) == (4.0, 6.0)
    line.release(worker)
    assert await question is worker
    assert not first.done()
    # Two slots in use now, and only the first message waits.
    assert (line.expected_wait(Urgency.HANDOFF), line.expected_wait(Urgency.TURN)) == (1.0, 2.0)
    first.cancel()
