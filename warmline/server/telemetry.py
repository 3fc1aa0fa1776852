"""The server's own counters for `/metrics`, in the process registry the conversation's
counters live in (see `conversation/telemetry.py`)."""

from prometheus_client import Counter, Gauge

from warmline.conversation.telemetry import PROCESS_REGISTRY

SOCKETS_REFUSED = Counter(
    "warmline_sockets_refused",
    "WebSockets refused before their hello, by reason.",
    ["reason"],
    registry=PROCESS_REGISTRY,
)
LOOP_LAG = Gauge(
    "warmline_event_loop_lag_seconds",
    "How late the serving process's event loop ran its last timer tick; ticks later than "
    "`gateway_lag_s` count as behind, and past half a `gateway_lag_window_s` of them new "
    "customer messages are refused as busy.",
    registry=PROCESS_REGISTRY,
)
GATEWAY_REFUSALS = Counter(
    "warmline_gateway_refusals",
    "New customer messages refused as busy at the gateway, by reason (loop_lag, backlog).",
    ["reason"],
    registry=PROCESS_REGISTRY,
)
