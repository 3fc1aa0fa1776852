"""What workers must agree on: the event bus, agent presence, turn locks, flood windows
and per-address socket limits.

Each concern is one interface (a Protocol) with an in-process implementation for one
worker and a Redis one for several; `shared.coordination` picks them from settings.
The package knows nothing of the wire protocol or the conversation above it.
"""
