"""Compute workers: processes that inspect customers' messages and run bot turns, so one
interpreter's lock does not cap a server.

The serving process (the gateway) keeps every socket, the event log and the bus; a
message's inspection (cleaning, PII redaction, the request rules) and a bot turn's graph
(signals, the query embedding, search, the answer, the policy) run in one of these
processes (several at once in each, so their spaCy analyses and query embeddings batch),
each kind taken from a bounded line of its own with a start deadline (admission control).
The package knows the graph's and the guard's types but not the product's settings or
stores: the server hands it the function that opens them from settings.
"""
