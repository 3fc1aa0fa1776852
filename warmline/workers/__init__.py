"""Compute workers: processes that run bot turns, so one interpreter's lock does not cap a server.

The serving process (the gateway) keeps every socket, the event log and the bus; a bot
turn's graph (signals, the query embedding, search, the answer, the policy) runs in one
of these processes (several at once in each, so their query embeddings batch), taken
from a bounded line with a start deadline (admission control).
The package knows the graph's types but not the product's settings or stores: the server
hands it the function that opens a graph from settings.
"""
