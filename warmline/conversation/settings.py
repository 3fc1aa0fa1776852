"""What the conversation's commands and broadcasting read from the product's settings.

A Protocol, not the settings themselves: `config.Settings` (above this package)
satisfies it, so nothing here imports the configuration. The limits on what a client
may send are declared here and composed into the settings.
"""

from collections.abc import Sequence
from typing import Protocol

from pydantic import SecretStr

from warmline.conversation.accounts import AgentAccount
from warmline.coordination.settings import FloodLimits
from warmline.handoff.policy_file import Policy


class LimitSettings(FloodLimits):
    """Bounds on what a client may send; larger input is refused with an error frame."""

    max_frame_bytes: int = 65_536
    max_message_chars: int = 4_000


class ConversationSettings(Protocol):
    @property
    def agents(self) -> Sequence[AgentAccount]:
        """The agents' accounts: who can sign in, take and be transferred conversations."""
        ...

    @property
    def identity_secret(self) -> SecretStr | None:
        """The host site's key for signing a customer's profile (None: nothing is trusted)."""
        ...

    @property
    def company_name(self) -> str:
        """The company the bot speaks for, which the request rules read as us."""
        ...

    @property
    def limits(self) -> LimitSettings: ...

    @property
    def policy(self) -> Policy:
        """The escalation policy: queue timings, business hours."""
        ...

    @property
    def products(self) -> Sequence[str]:
        """Product names a handoff summary lists as facts."""
        ...
