"""Handoff: deciding to step aside, packaging the conversation, queueing it for a person."""
