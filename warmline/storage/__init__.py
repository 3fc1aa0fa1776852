"""Durable state: the conversation log, placeholders and the handoff queue tables.

It sits below every other package so that each can persist what it owns through
one connection and one transaction discipline.
"""
