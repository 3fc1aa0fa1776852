"""The FastAPI application: WebSockets, health and readiness, the widget and console pages."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, WebSocket
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from warmline.clock import Clock, Ticks, monotonic, utc_now
from warmline.config import Settings
from warmline.retrieval.store import KnowledgeStore
from warmline.server.admission import Admission
from warmline.server.agent_endpoint import agent_socket
from warmline.server.agent_kb_api import agent_kb_router
from warmline.server.chat_endpoint import chat_socket
from warmline.server.exposure import warn_if_demo
from warmline.server.headers import SecurityHeaders
from warmline.server.kb_api import kb_router
from warmline.server.metrics_api import metrics_router
from warmline.server.readiness import readiness
from warmline.server.runtime import Runtime, running


def create_app(
    settings: Settings | None = None,
    knowledge: KnowledgeStore | None = None,
    clock: Clock = utc_now,
    ticks: Ticks = monotonic,
) -> FastAPI:
    """The app; `app.state.drain` closes its sockets for a restart (see `serving.py`).

    `knowledge` is a store already opened by the caller (see `runtime.running`). The
    API docs, which map every endpoint, are served only when `api_docs` is set. Only
    the Host names in `settings.host_names` are answered (HTTP and WebSocket alike):
    a page on a rebound DNS name reaches this server under its own name and is
    refused, whatever its Origin says. New customer messages are refused as busy while
    the event loop runs late, or the messages taken would keep one waiting too long, by
    `ticks`, a monotonic clock (see `admission.py`)."""
    settings = settings or Settings()
    state: dict[str, Runtime] = {}
    admission = Admission(
        settings.gateway_lag_s,
        settings.gateway_lag_window_s,
        settings.gateway_backlog_s,
        ticks,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        warn_if_demo(settings)
        async with running(settings, knowledge, clock, ticks) as runtime:
            state["runtime"] = runtime
            watching = asyncio.create_task(admission.watch())
            try:
                yield
            finally:
                watching.cancel()

    docs = settings.api_docs
    app = FastAPI(
        title="Warmline",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    widget = settings.widget_dir

    async def drain() -> None:
        """The shutdown's first step: turns waiting to be tried again are dropped first
        (left pending for the next start), so the drain waits for answers, not pauses."""
        runtime = state.get("runtime")
        if runtime is not None:
            runtime.service.stop_retrying()
            await runtime.gate.drain(runtime.service.drain)

    app.state.drain = drain

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """Liveness: the process answers. Dependencies are /readyz's business."""
        return JSONResponse({"status": "ok"})

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        runtime = state["runtime"]
        report = await readiness(runtime, runtime.gate)
        return JSONResponse(report.model_dump(), 200 if report.status == "ready" else 503)

    @app.get("/", include_in_schema=False)
    async def demo() -> FileResponse:
        return FileResponse(widget / "demo.html")

    @app.get("/console", include_in_schema=False)
    async def console() -> FileResponse:
        return FileResponse(widget / "console.html")

    @app.get("/supervisor", include_in_schema=False)
    async def supervisor() -> FileResponse:
        return FileResponse(widget / "supervisor.html")

    @app.websocket("/v1/chat")
    async def chat(websocket: WebSocket) -> None:
        runtime = state["runtime"]
        await chat_socket(websocket, runtime.service, runtime.gate, admission)

    @app.websocket("/v1/agent")
    async def agent(websocket: WebSocket) -> None:
        runtime = state["runtime"]
        await agent_socket(websocket, runtime.service, runtime.agents, runtime.gate)

    app.include_router(kb_router(settings, lambda: state["runtime"].knowledge))
    app.include_router(agent_kb_router(settings, lambda: state["runtime"].knowledge))
    app.include_router(metrics_router(settings, lambda: state["runtime"]))
    app.mount("/static", StaticFiles(directory=widget), name="static")
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.host_names)
    app.add_middleware(SecurityHeaders)  # outermost: a refused Host's 400 gets them too
    return app
