"""The conversation as a state machine: its modes and the one way to change them, and the
unit of work that commits a change before anyone hears of it."""
