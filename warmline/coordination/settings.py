"""The coordination settings: where workers meet, and the limits they enforce together.

Models only, so that `warmline.config` can compose them without importing Redis code.
"""

from pydantic import BaseModel, Field


class CoordinationSettings(BaseModel):
    redis_url: str | None = Field(
        None,
        description="Redis (redis://host:6379/0) for events between workers, agent presence, "
        "turn locks and flood windows; unset = in-process (one worker).",
    )
    redis_prefix: str = Field(
        "warmline", description="Key prefix, so deployments can share one Redis."
    )
    redis_timeout_s: float = Field(
        5.0,
        gt=0,
        description="Seconds a Redis command may wait for its reply before it fails as "
        "unavailable: a Redis that accepts connections but never answers (hung, paused, a "
        "half-open link) otherwise holds every caller for ever. Well above a healthy reply "
        "(milliseconds); the bus's blocking stream read waits at most half of it.",
    )
    redis_connect_timeout_s: float = Field(
        2.0, gt=0, description="Seconds to open a connection to Redis before it fails."
    )


class FloodLimits(BaseModel):
    """How often a conversation may send and a client address may connect."""

    flood_messages: int = Field(
        20, description="New messages a conversation may send per window (a person types fewer)."
    )
    flood_window_s: float = 10.0
    connections_per_minute: int = Field(
        120,
        ge=1,
        description="New WebSockets one client address may open per minute (reconnects included).",
    )
    sockets_per_ip: int = Field(
        50,
        ge=1,
        description="WebSockets one client address may hold open at once (an office behind one "
        "NAT shares it, hence generous).",
    )
