"""The time the conversation's timers read, passed in rather than looked up.

Aging, reservations, expected waits, the dashboard and SLA breaches all compare stored
times with "now"; a test that moves this clock forward checks them without sleeping.
"""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock: aware UTC, as every stored time is."""
    return datetime.now(UTC)
