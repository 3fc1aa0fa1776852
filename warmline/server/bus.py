"""Publish/subscribe between the conversation service and open sockets.

Each subscriber gets its own unbounded queue, so a slow socket never blocks the
service; a socket that goes away simply unsubscribes, and anything it missed is in
the conversation log for its resume. This bus reaches the sockets of this process;
`redis_bus.RedisEventBus` carries the same frames to every worker.
"""

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from warmline.server.protocol import ServerFrame

AGENTS = "agents"
SUPERVISORS = "supervisors"  # the dashboard: only agents who supervise subscribe


class EventBus:
    def __init__(self) -> None:
        self._subscribers: defaultdict[str, set[asyncio.Queue[ServerFrame]]] = defaultdict(set)

    @contextmanager
    def subscribe(self, topic: str, queue: asyncio.Queue[ServerFrame]) -> Iterator[None]:
        self._subscribers[topic].add(queue)
        try:
            yield
        finally:
            self._subscribers[topic].discard(queue)
            if not self._subscribers[topic]:
                del self._subscribers[topic]

    def has_subscribers(self, topic: str) -> bool:
        """Whether anyone listens: a frame that is costly to build is built only for them."""
        return bool(self._subscribers.get(topic))

    def publish(self, topic: str, frame: ServerFrame) -> None:
        self.deliver(topic, frame)

    def deliver(self, topic: str, frame: ServerFrame) -> None:
        """Hand a frame to this process's subscribers of `topic`."""
        for queue in self._subscribers.get(topic, ()):
            queue.put_nowait(frame)

    async def flush(self) -> None:
        """Return once every frame published so far is on its way to subscribers.

        In process, publishing already delivered it.
        """
