"""The FastAPI application, its WebSocket endpoints and the `warmline` command."""
