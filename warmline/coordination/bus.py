"""Publish/subscribe between the conversation service and open sockets.

`EventBus` is what the service and the sockets use; `LocalEventBus` keeps it in this
process and `redis_bus.RedisEventBus` carries the same frames to every worker. The bus
is generic in its frame type so that it knows nothing of the wire protocol above it:
a frame only has to serialise itself (`wire`).

Each subscriber gets its own unbounded queue, so a slow socket never blocks the
service; a socket that goes away simply unsubscribes, and anything it missed is in
the conversation log for its resume. An observer (`observe`) is handed the same frames
but is no listener: it reads each frame as it is delivered, for this process's own use
(the service's watch on a turn waiting for a worker), so `has_subscribers` does not
count it and no frame is built for it alone. An observer that fails is logged and
skipped: the frame was committed and still reaches everyone else, and the bus's reader
of other workers' frames goes on.
"""

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Generic, Protocol, TypeVar

log = logging.getLogger("warmline.bus")

AGENTS = "agents"
SUPERVISORS = "supervisors"  # the dashboard: only agents who supervise subscribe
LINE = "line"  # the queue moved: every server process tells its own waiting customers


def agent_topic(agent_id: str) -> str:
    """One agent's sockets (every tab), and the lock their claims take."""
    return f"agent:{agent_id}"


class Frame(Protocol):
    def wire(self) -> str:
        """The frame as the JSON text a socket sends."""
        ...


F = TypeVar("F", bound=Frame)
F_in = TypeVar("F_in", bound=Frame, contravariant=True)


class Subscriber(Protocol[F_in]):
    """What a delivered frame is handed to, on the event loop: it must not wait."""

    def put_nowait(self, frame: F_in, /) -> None: ...


class EventBus(Protocol[F]):
    def subscribe(self, topic: str, queue: Subscriber[F]) -> AbstractContextManager[None]: ...

    def observe(self, topic: str, observer: Subscriber[F]) -> AbstractContextManager[None]: ...

    def has_subscribers(self, topic: str) -> bool: ...

    def publish(self, topic: str, frame: F) -> None: ...

    def deliver(self, topic: str, frame: F) -> None:
        """Hand a frame to this process's subscribers and observers only, never to other
        workers'."""
        ...

    async def flush(self) -> None: ...


class LocalEventBus(Generic[F]):
    def __init__(self) -> None:
        self._subscribers: defaultdict[str, set[Subscriber[F]]] = defaultdict(set)
        self._observers: defaultdict[str, set[Subscriber[F]]] = defaultdict(set)

    def subscribe(self, topic: str, queue: Subscriber[F]) -> AbstractContextManager[None]:
        return _member(self._subscribers, topic, queue)

    def observe(self, topic: str, observer: Subscriber[F]) -> AbstractContextManager[None]:
        """Hand `observer` the frames of `topic` delivered here, for the block's length."""
        return _member(self._observers, topic, observer)

    def has_subscribers(self, topic: str) -> bool:
        """Whether anyone listens: a frame that is costly to build is built only for them."""
        return bool(self._subscribers.get(topic))

    def publish(self, topic: str, frame: F) -> None:
        self.deliver(topic, frame)

    def deliver(self, topic: str, frame: F) -> None:
        """Hand a frame to this process's subscribers and observers of `topic`; an observer
        that fails is logged, not raised to the publisher of a committed change."""
        for queue in self._subscribers.get(topic, ()):
            queue.put_nowait(frame)
        for observer in self._observers.get(topic, ()):
            try:
                observer.put_nowait(frame)
            except Exception:
                log.exception("bus observer failed", extra={"topic": topic})

    async def flush(self) -> None:
        """Return once every frame published so far is on its way to subscribers.

        In process, publishing already delivered it.
        """


@contextmanager
def _member(
    registry: defaultdict[str, set[Subscriber[F]]], topic: str, member: Subscriber[F]
) -> Iterator[None]:
    """`member` in `registry` under `topic` for the block; an emptied topic is dropped, so
    the registry holds only topics someone is on (a topic a conversation)."""
    registry[topic].add(member)
    try:
        yield
    finally:
        registry[topic].discard(member)
        if not registry[topic]:
            del registry[topic]
