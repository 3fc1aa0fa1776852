"""Guardrails: what a customer's text is allowed to become before anything else sees it.

Redaction runs first and at the edge, so that only placeholders reach the
transcript store, the graph checkpoints, the LLM and the logs.
"""
