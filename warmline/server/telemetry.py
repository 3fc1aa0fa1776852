"""The server's own counters for `/metrics`, in the process registry the conversation's
counters live in (see `conversation/telemetry.py`)."""

from prometheus_client import Counter

from warmline.conversation.telemetry import PROCESS_REGISTRY

SOCKETS_REFUSED = Counter(
    "warmline_sockets_refused",
    "WebSockets refused before their hello, by reason.",
    ["reason"],
    registry=PROCESS_REGISTRY,
)
