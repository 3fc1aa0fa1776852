"""A real HTTP server speaking the OpenAI chat-completions API, scriptable per test.

The product's `openai` client talks to it over the wire, so timeouts, status codes,
retries and bodies are exercised for real. Every request body is kept, so a test
can check what the model would have been sent.
"""

import asyncio
import json
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from conftest import free_port
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class Reply(BaseModel):
    """What the server does for one request."""

    content: str = "Here is how that works [1]."
    status: int = 200
    delay_s: float = 0.0
    finish_reason: str = "stop"
    retry_after_s: int | None = None
    malformed: bool = False


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.default = Reply()
        self.bodies: list[dict[str, Any]] = []
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self._complete)
        self.url = ""

    async def _complete(self, request: Request) -> Any:
        body = await request.json()
        self.bodies.append(body)
        reply = self.script.popleft() if self.script else self.default
        await asyncio.sleep(reply.delay_s)
        if reply.status != 200:
            headers = {"retry-after": str(reply.retry_after_s)} if reply.retry_after_s else {}
            return JSONResponse({"error": {"message": "scripted failure"}}, reply.status, headers)
        if reply.malformed:
            return JSONResponse({"choices": "not a list"})
        return JSONResponse(
            {
                "id": f"chatcmpl-{len(self.bodies)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply.content},
                        "finish_reason": reply.finish_reason,
                    }
                ],
                "usage": {"prompt_tokens": len(json.dumps(body)) // 4, "completion_tokens": 12,
                          "total_tokens": len(json.dumps(body)) // 4 + 12},
            }
        )  # fmt: skip


@asynccontextmanager
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(fake.app, host="127.0.0.1", port=port, log_config=None))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
        if task.done():
            task.result()
    fake.url = f"http://127.0.0.1:{port}/v1"
    try:
        yield fake
    finally:
        server.should_exit = True
        await task
