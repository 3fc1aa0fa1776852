"""Why the server will not start, as messages an operator can act on.

Each error's message names what is wrong and the setting or command that fixes it; the
CLI prints it as one line (`error: ...`) instead of a traceback. Kept apart from the
modules that raise them so the CLI can catch them without importing the whole runtime.
"""


class StartupRefused(Exception):
    """Start-up stopped on purpose; the message says what to change."""


class UnsafeExposure(StartupRefused):
    """The settings would expose the server with credentials anyone may know."""


class StoreUnreadable(StartupRefused):
    """The local knowledge-base folder cannot be read back (a crash mid-write, a disk
    error, a file edited by hand); the message names the folder and the fix."""


class RedisUnreachable(StartupRefused):
    """The Redis that `redis_url` names refuses connections or does not answer in time."""
