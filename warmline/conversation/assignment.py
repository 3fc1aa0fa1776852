"""Who may take a conversation, and the one transaction that gives it to an agent.

Shared by an agent's own claim (agent commands) and auto-assignment (broadcasting's
dispatch), so both count capacity the same way; what follows a claim (the agent's
sockets shown the conversation, the queue announced) is the caller's to do.
"""

import logging
from collections.abc import Iterable

from warmline.conversation.accounts import AgentAccount
from warmline.conversation.errors import NotAllowed
from warmline.conversation.lifecycle import change_mode
from warmline.conversation.unit_of_work import UnitOfWork
from warmline.coordination.bus import agent_topic
from warmline.coordination.presence import Presence
from warmline.handoff.queue import HandoffQueue
from warmline.handoff.routing import UNFIT_WORDS, AgentSeat
from warmline.storage.conversations import ConversationLog

log = logging.getLogger("warmline.desk")


class Assignment:
    def __init__(
        self,
        agents: Iterable[AgentAccount],
        log: ConversationLog,
        queue: HandoffQueue,
        work: UnitOfWork,
        presence: Presence,
    ) -> None:
        self.accounts = {a.id: a for a in agents}
        self.log = log
        self.queue = queue
        self.work = work
        self.presence = presence

    async def seats(self) -> list[AgentSeat]:
        """Every agent online, with the conversations they have now."""
        active = await self.log.chats_per_agent()
        return [self._seat(self.accounts[i], active.get(i, 0)) for i in self.presence.online()]

    def _seat(self, agent: AgentAccount, active: int) -> AgentSeat:
        return AgentSeat(
            id=agent.id,
            skills=agent.skills,
            languages=agent.languages,
            capacity=agent.capacity,
            active=active,
            available=self.presence.status(agent.id) == "available",
            overrides=agent.supervises,
            last_assigned=self.presence.last_assigned(agent.id),
        )

    async def seat_of(self, agent: AgentAccount) -> AgentSeat:
        seat = next((s for s in await self.seats() if s.id == agent.id), None)
        return seat or self._seat(agent, len(await self.log.conversations_with_agent(agent.id)))

    async def take(self, agent: AgentAccount, conversation_id: str) -> bool:
        """Claim for an agent; capacity is counted in the same transaction as the claim,
        under the agent's lock, so claims on several workers cannot overfill a seat."""
        async with self.work.change() as change:
            conn = change.conn
            await conn.lock(agent_topic(agent.id))
            if await self.log.chats_of_agent(conn, agent.id) >= agent.capacity:
                raise NotAllowed("at_capacity", UNFIT_WORDS["at_capacity"])
            if not await self.queue.claim(conn, conversation_id, agent.id):
                return False
            change.record(
                await change_mode(conn, conversation_id, "human", agent.id, agent_name=agent.name)
            )
        self.presence.assigned(agent.id)
        log.info("claimed", extra={"conversation_id": conversation_id, "agent_id": agent.id})
        return True
