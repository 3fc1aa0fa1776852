"""The FastAPI application: WebSockets, health, and the widget and console pages."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, WebSocket
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from warmline.config import Settings
from warmline.server.agent_endpoint import agent_socket
from warmline.server.agent_kb_api import agent_kb_router
from warmline.server.chat_endpoint import chat_socket
from warmline.server.headers import SecurityHeaders
from warmline.server.kb_api import kb_router
from warmline.server.metrics_api import metrics_router
from warmline.server.runtime import Runtime, running


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    state: dict[str, Runtime] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with running(settings) as runtime:
            state["runtime"] = runtime
            yield

    app = FastAPI(title="Warmline", version="0.1.0", lifespan=lifespan)
    widget = settings.widget_dir

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        runtime = state.get("runtime")
        ready = runtime is not None and runtime.knowledge.count() > 0
        return JSONResponse({"status": "ok" if ready else "starting"}, 200 if ready else 503)

    @app.get("/", include_in_schema=False)
    async def demo() -> FileResponse:
        return FileResponse(widget / "demo.html")

    @app.get("/console", include_in_schema=False)
    async def console() -> FileResponse:
        return FileResponse(widget / "console.html")

    @app.websocket("/v1/chat")
    async def chat(websocket: WebSocket) -> None:
        await chat_socket(websocket, state["runtime"].service)

    @app.websocket("/v1/agent")
    async def agent(websocket: WebSocket) -> None:
        await agent_socket(websocket, state["runtime"].service)

    app.include_router(kb_router(settings, lambda: state["runtime"].knowledge))
    app.include_router(agent_kb_router(settings, lambda: state["runtime"].knowledge))
    app.include_router(metrics_router(settings, lambda: state["runtime"]))
    app.mount("/static", StaticFiles(directory=widget), name="static")
    app.add_middleware(SecurityHeaders)
    return app
