"""The FastAPI application, its WebSocket endpoints and the conversation service."""
