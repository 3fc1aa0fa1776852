"""Bearer tokens for the REST endpoints: operators' and agents'.

An operator token guards the knowledge-base and metrics endpoints; with none
configured they answer 403, so a default install exposes nothing an operator did not
ask for. An agent token (the one the console signs in with) guards the few read-only
routes the console needs, so the console never holds an operator's token.
"""

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Header, HTTPException

from warmline.config import Settings
from warmline.conversation.accounts import AgentAccount, account_for_token


def _bearer(authorization: str | None) -> str:
    return (authorization or "").removeprefix("Bearer ").strip()


def operator_only(settings: Settings) -> Callable[[str | None], None]:
    def check(authorization: Annotated[str | None, Header()] = None) -> None:
        token = _bearer(authorization).encode()
        allowed = [t.get_secret_value().encode() for t in settings.operator_tokens]
        if not token or not any(hmac.compare_digest(token, a) for a in allowed):
            raise HTTPException(403, "An operator token is required.")

    return check


def agent_only(settings: Settings) -> Callable[[str | None], AgentAccount]:
    def check(authorization: Annotated[str | None, Header()] = None) -> AgentAccount:
        account = account_for_token(settings.agents, _bearer(authorization))
        if account is None:
            raise HTTPException(403, "An agent token is required.")
        return account

    return check
