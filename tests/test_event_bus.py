"""The in-process event bus: what subscribers and observers are handed, and what they
are not."""

import asyncio

import pytest

from warmline.conversation.protocol import ServerFrame, control
from warmline.coordination.bus import LocalEventBus


class Failing:
    """An observer with a bug: it raises on every frame."""

    def put_nowait(self, frame: ServerFrame) -> None:
        raise RuntimeError("observer bug")


def test_an_observer_alone_is_no_subscriber() -> None:
    """Only a listening socket makes a costly frame worth building: a turn's watch on its
    conversation does not."""
    bus = LocalEventBus[ServerFrame]()
    seen: asyncio.Queue[ServerFrame] = asyncio.Queue()
    with bus.observe("c1", seen):
        assert not bus.has_subscribers("c1")
        with bus.subscribe("c1", asyncio.Queue()):
            assert bus.has_subscribers("c1")
        assert not bus.has_subscribers("c1")


def test_a_failing_observer_neither_fails_the_publisher_nor_starves_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The frame's change has committed when it is published: an observer that raises is
    logged, the publish returns, and every subscriber and other observer still gets it
    (on a Redis bus, the reader of other workers' frames delivers the same way and goes
    on)."""
    bus = LocalEventBus[ServerFrame]()
    heard: asyncio.Queue[ServerFrame] = asyncio.Queue()
    seen: asyncio.Queue[ServerFrame] = asyncio.Queue()
    frame = control("typing", "c1", who="bot")
    with bus.subscribe("c1", heard), bus.observe("c1", Failing()), bus.observe("c1", seen):
        bus.publish("c1", frame)
        bus.deliver("c1", frame)
    assert [heard.get_nowait() for _ in range(heard.qsize())] == [frame, frame]
    assert [seen.get_nowait() for _ in range(seen.qsize())] == [frame, frame]
    assert [r.getMessage() for r in caplog.records] == ["bus observer failed"] * 2
