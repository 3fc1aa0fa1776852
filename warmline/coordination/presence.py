"""Which agents are connected, and which of them take new conversations.

Presence is a fact about open sockets, so it lives with them, in the process; an
agent with two console tabs is online until the last one closes. With several
workers, `redis_presence.RedisPresence` shares each worker's view with the others;
the desk reads either through `Presence`.
"""

import time
from collections import Counter
from typing import Literal, Protocol

Status = Literal["available", "away"]


class Presence(Protocol):
    def connect(self, agent_id: str) -> None: ...

    def disconnect(self, agent_id: str) -> bool:
        """Forget one socket; True when it was the agent's last."""
        ...

    def set_status(self, agent_id: str, status: Status) -> None: ...

    def online(self) -> set[str]: ...

    def anyone_available(self) -> bool: ...

    def status(self, agent_id: str) -> Status | Literal["offline"]: ...

    def assigned(self, agent_id: str) -> None:
        """Note that the agent was just given a conversation (least-recent goes first)."""
        ...

    def last_assigned(self, agent_id: str) -> float: ...


class LocalPresence:
    def __init__(self) -> None:
        self._sockets: Counter[str] = Counter()
        self._away: set[str] = set()
        self._last_assigned: dict[str, float] = {}

    def connect(self, agent_id: str) -> None:
        self._sockets[agent_id] += 1

    def disconnect(self, agent_id: str) -> bool:
        """Forget one socket; True when it was the agent's last."""
        self._sockets[agent_id] -= 1
        if self._sockets[agent_id] > 0:
            return False
        del self._sockets[agent_id]
        return True

    def set_status(self, agent_id: str, status: Status) -> None:
        if status == "away":
            self._away.add(agent_id)
        else:
            self._away.discard(agent_id)

    def online(self) -> set[str]:
        return set(self._sockets)

    def anyone_available(self) -> bool:
        """Whether a connected agent (on any worker) takes new conversations."""
        return any(self.status(agent_id) == "available" for agent_id in self.online())

    def status(self, agent_id: str) -> Status | Literal["offline"]:
        if agent_id not in self._sockets:
            return "offline"
        return "away" if agent_id in self._away else "available"

    def assigned(self, agent_id: str) -> None:
        self._last_assigned[agent_id] = time.monotonic()

    def last_assigned(self, agent_id: str) -> float:
        return self._last_assigned.get(agent_id, 0.0)
