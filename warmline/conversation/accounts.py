"""The people who answer conversations: their accounts, roles, skills and capacity.

Declared here, below the settings that list them (`config.py` composes a list of these),
so the conversation's agent commands and broadcasting can read an account without
importing the product's settings."""

import hmac
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

Role = Literal["agent", "supervisor", "admin"]


class AgentAccount(BaseModel):
    id: str
    name: str
    token: str
    roles: list[Role] = ["agent"]
    skills: list[str] = Field(default_factory=list, description='e.g. "fraud", "retention".')
    languages: list[str] = ["en"]
    capacity: int = Field(3, ge=1, description="Conversations this agent handles at once.")
    permissions: list[str] = Field(
        default_factory=list, description='Extra grants, e.g. "pii:reveal".'
    )

    @property
    def supervises(self) -> bool:
        """Supervisors and admins watch any conversation and may take any they have room for."""
        return bool({"supervisor", "admin"} & set(self.roles))

    @property
    def can_reveal_pii(self) -> bool:
        return "pii:reveal" in self.permissions or self.supervises


def account_for_token(agents: Iterable[AgentAccount], token: str) -> AgentAccount | None:
    """The agent account a token belongs to; compared in constant time, as bytes so a
    token with any characters is simply wrong, and an empty token never matches."""
    if not token:
        return None
    for account in agents:
        if account.token and hmac.compare_digest(account.token.encode(), token.encode()):
            return account
    return None
