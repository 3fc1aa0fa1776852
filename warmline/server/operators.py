"""The operator's bearer token: what guards the knowledge-base and metrics endpoints.

With no token configured these endpoints answer 403, so a default install exposes
nothing an operator did not ask for.
"""

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Header, HTTPException

from warmline.config import Settings


def operator_only(settings: Settings) -> Callable[[str | None], None]:
    def check(authorization: Annotated[str | None, Header()] = None) -> None:
        token = (authorization or "").removeprefix("Bearer ").strip()
        allowed = [t.get_secret_value() for t in settings.operator_tokens]
        if not token or not any(hmac.compare_digest(token, a) for a in allowed):
            raise HTTPException(403, "An operator token is required.")

    return check
