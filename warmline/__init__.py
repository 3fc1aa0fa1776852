"""Warmline: a customer-service agent with warm human handoff.

Importing the package first pins every library to offline behaviour, because the
product must start on a machine with no network and must never fetch models or
data lists at run time.
"""

from warmline import offline as _offline

_offline.enforce()

__version__ = "0.1.0"
