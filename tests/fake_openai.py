"""A real HTTP server speaking the OpenAI chat-completions API, scriptable per test.

The product's `openai` client talks to it over the wire, so timeouts, status codes,
retries and bodies are exercised for real. Every request body is kept, so a test
can check what the model would have been sent.
"""

import asyncio
import json
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from conftest import free_port
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel


class Reply(BaseModel):
    """What the server does for one request."""

    content: str = "Here is how that works [1]."
    status: int = 200
    delay_s: float = 0.0
    finish_reason: str = "stop"
    retry_after_s: int | None = None
    malformed: bool = False
    token_delay_s: float = 0.0


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.default = Reply()
        # Picks a reply from the request when nothing is scripted: a model playing several
        # roles (customer, judge, answerer) answers each by the schema it is asked for.
        self.responder: Callable[[dict[str, Any]], Reply] | None = None
        self.bodies: list[dict[str, Any]] = []
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self._complete)
        self.url = ""

    async def _complete(self, request: Request) -> Any:
        body = await request.json()
        self.bodies.append(body)
        if self.script:
            reply = self.script.popleft()
        else:
            reply = self.responder(body) if self.responder else self.default
        await asyncio.sleep(reply.delay_s)
        if reply.status != 200:
            headers = {"retry-after": str(reply.retry_after_s)} if reply.retry_after_s else {}
            return JSONResponse({"error": {"message": "scripted failure"}}, reply.status, headers)
        if reply.malformed:
            return JSONResponse({"choices": "not a list"})
        if body.get("stream"):
            return StreamingResponse(self._chunks(body, reply), media_type="text/event-stream")
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

    async def _chunks(self, body: dict[str, Any], reply: Reply) -> AsyncIterator[str]:
        """Server-sent events as OpenAI streams them: one delta per word, then usage, DONE."""
        base = {
            "id": f"chatcmpl-{len(self.bodies)}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
        }
        for piece in re.findall(r"\S+\s*", reply.content):
            await asyncio.sleep(reply.token_delay_s)
            choice = {"index": 0, "delta": {"content": piece}, "finish_reason": None}
            yield f"data: {json.dumps(base | {'choices': [choice]})}\n\n"
        done = {"index": 0, "delta": {}, "finish_reason": reply.finish_reason}
        yield f"data: {json.dumps(base | {'choices': [done]})}\n\n"
        usage = {"prompt_tokens": len(json.dumps(body)) // 4, "completion_tokens": 12}
        usage["total_tokens"] = usage["prompt_tokens"] + 12
        yield f"data: {json.dumps(base | {'choices': [], 'usage': usage})}\n\n"
        yield "data: [DONE]\n\n"


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
