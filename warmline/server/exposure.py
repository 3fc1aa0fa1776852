"""Refuse to serve the network with demo credentials or placeholder secrets.

A fresh install is meant to be tried on one machine: it listens on loopback and signs
agents in with the public demo token. The same settings on a public address would
let anyone who has read the README into the console, so `warmline serve` checks
before it listens: on a non-loopback address every problem below stops start-up with
a message naming the setting to change; on loopback the demo account only earns a
warning, logged once at start-up.
"""

import logging

from pydantic import SecretStr

from warmline.config import DEMO_TOKEN, Settings, is_loopback
from warmline.server.startup import UnsafeExposure

log = logging.getLogger("warmline.exposure")

# Secrets copied from examples and tutorials rather than generated.
PLACEHOLDERS = frozenset({"change-me", "changeme", "secret", "password", "token", DEMO_TOKEN})
MIN_SECRET_CHARS = 16
GENERATE = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


def _weak(secret: str) -> bool:
    return secret.strip().lower() in PLACEHOLDERS or len(secret.strip()) < MIN_SECRET_CHARS


def problems(settings: Settings) -> list[str]:
    """What must change before this server may listen on a public address."""
    found: list[str] = []
    if not settings.agents or any(a.token == DEMO_TOKEN for a in settings.agents):
        found.append(
            "configure your agents' accounts ([[agents]] with id, name and a token of their "
            "own); the demo account (demo-agent-token) only exists on loopback"
        )
    weak_agents = [a.id for a in settings.agents if a.token != DEMO_TOKEN and _weak(a.token)]
    if weak_agents:
        found.append(f"give agents {weak_agents} generated tokens instead of placeholders")
    secrets: dict[str, list[SecretStr]] = {
        "operator_tokens": settings.operator_tokens,
        "identity_secret": [settings.identity_secret] if settings.identity_secret else [],
        "vault_keys": settings.vault_keys,
    }
    for name, values in secrets.items():
        if any(_weak(v.get_secret_value()) for v in values):
            found.append(f"replace the placeholder (or too short value) in {name}")
    if settings.host in ("0.0.0.0", "::") and not settings.allowed_hosts:
        found.append(
            "name the host(s) browsers use to reach this server in allowed_hosts "
            '(e.g. allowed_hosts = ["support.example.com"])'
        )
    return found


def warn_if_demo(settings: Settings) -> None:
    """On loopback the demo account is allowed, but nobody should miss that it is on."""
    if any(a.token == DEMO_TOKEN for a in settings.agents):
        log.warning(
            "the demo agent account (demo-agent-token) is active: fine for a trial on this "
            "machine; configure [[agents]] before serving anyone else"
        )


def refuse_unsafe(settings: Settings) -> None:
    """Raise `UnsafeExposure` before a public address is served with unsafe settings."""
    if is_loopback(settings.host):
        return
    found = problems(settings)
    if found:
        steps = "".join(f"\n  - {p}" for p in found)
        raise UnsafeExposure(
            f"refusing to listen on {settings.host}: other machines can reach this address, "
            f"so first, in warmline.toml or WARMLINE_* variables:{steps}\n"
            f"Generate secrets with {GENERATE} (at least {MIN_SECRET_CHARS} characters)."
        )
