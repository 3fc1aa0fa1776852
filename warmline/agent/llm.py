"""The LLM answerer: any OpenAI-compatible endpoint, grounded, checked, and safe to lose.

The model sees only redacted text. Its answer must cite the excerpts it was given;
an answer that cites an excerpt it was not given, or cites nothing, is rejected
and the embedded extractive responder answers instead. Timeouts, 429s and 5xx are
retried by the client within a deadline; consecutive failures open a circuit
breaker so a broken endpoint costs one timeout, not one per customer.
"""

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

from openai import AsyncOpenAI, omit
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, Field, SecretStr, ValidationError

from warmline.agent.prompts import load
from warmline.agent.state import Answer, Citation, Message
from warmline.retrieval.store import Hit
from warmline.texts import BUTTON, DEFAULT_LANGUAGE, catalogue_language, language_name

log = logging.getLogger("warmline.llm")
_CITATION = re.compile(r"\[(\d{1,2})\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
HISTORY_TURNS = 6


class LlmSettings(BaseModel):
    base_url: str | None = None
    api_key: SecretStr = SecretStr("not-needed")
    answer_model: str = "gpt-4o-mini"
    summary_model: str | None = Field(
        None, description="Model for handoff summaries; unset = answer_model."
    )
    classify_model: str | None = Field(
        None,
        description="Model that reads each message for intent and escalation hints; "
        "unset = no hints (the word detectors alone).",
    )
    prices: dict[str, tuple[float, float]] = Field(
        default_factory=dict,
        description="USD per million prompt and completion tokens, by model, for cost metrics.",
    )
    timeout_s: float = 10.0
    max_retries: int = 2
    deadline_s: float = 15.0
    breaker_failures: int = 3
    breaker_cooldown_s: float = 30.0
    prompt_version: int = 2


Structured = TypeVar("Structured", bound=BaseModel)
Result = TypeVar("Result")


class LlmFailure(Exception):
    """The model could not give a usable answer; the caller falls back."""


Meter = Callable[[str | None, str, int, int, float], Awaitable[None]]


class Usage(BaseModel):
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    failures: int = 0


class LlmAnswerer:
    def __init__(self, settings: LlmSettings, company: str, meter: Meter | None = None) -> None:
        self.settings = settings
        self.meter = meter
        self.company = company
        self.usage = Usage()
        self._client = AsyncOpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key.get_secret_value(),
            timeout=settings.timeout_s,
            max_retries=settings.max_retries,
        )
        self._consecutive_failures = 0
        self._open_until = 0.0

    def _messages(
        self, question: str, history: Sequence[Message], hits: list[Hit], language: str
    ) -> list[dict[str, str]]:
        excerpts = "\n\n".join(
            f"[{i}] {h.chunk.title} › {h.chunk.section}\n{h.chunk.text}"
            for i, h in enumerate(hits, start=1)
        )
        conversation = "\n".join(f"{m['role']}: {m['text']}" for m in history[-HISTORY_TURNS:])
        return [
            {
                "role": "system",
                "content": load("answer", self.settings.prompt_version).format(
                    company=self.company,
                    button=BUTTON[catalogue_language(language)],
                    language=language_name(language, DEFAULT_LANGUAGE),
                ),
            },
            {
                "role": "user",
                "content": f"<knowledge_base>\n{excerpts}\n</knowledge_base>\n"
                f"<conversation>\n{conversation}\n</conversation>\n"
                f"<customer_message>\n{question}\n</customer_message>",
            },
        ]

    async def structured(
        self,
        messages: list[dict[str, str]],
        schema: type[Structured],
        model: str | None = None,
        conversation_id: str | None = None,
    ) -> Structured:
        """A reply constrained to a pydantic schema (JSON-schema structured output), validated.

        Shares the answerer's deadline and circuit breaker: a model that cannot return
        valid JSON fails like one that times out, and the caller keeps its own result.
        """
        response_format = {
            "type": "json_schema",
            "json_schema": {
                "name": schema.__name__,
                "schema": schema.model_json_schema(),
                "strict": True,
            },
        }
        return await self._guarded(
            "structured output",
            lambda: self._valid(messages, schema, conversation_id, model, response_format),
        )

    async def _valid(
        self,
        messages: list[dict[str, str]],
        schema: type[Structured],
        conversation_id: str | None,
        model: str | None,
        response_format: dict[str, Any],
    ) -> Structured:
        """Validate the reply; an invalid one gets one repair attempt with the errors shown."""
        text = await self._complete(messages, conversation_id, model, response_format)
        try:
            return schema.model_validate_json(text)
        except ValidationError as exc:
            repair = [
                *messages,
                {"role": "assistant", "content": text},
                {
                    "role": "user",
                    "content": "That reply does not match the required JSON schema: "
                    f"{exc.errors(include_url=False, include_input=False)}. "
                    "Reply again with only the corrected JSON.",
                },
            ]
            fixed = await self._complete(repair, conversation_id, model, response_format)
            return schema.model_validate_json(fixed)

    async def answer(
        self,
        question: str,
        history: Sequence[Message],
        hits: list[Hit],
        confidence: float,
        language: str,
        on_token: Callable[[str], None] | None = None,
        conversation_id: str | None = None,
    ) -> Answer:
        """The grounded answer; with `on_token`, each piece is handed over as it arrives.

        Streamed pieces are a preview: the checked answer (or the fallback) that this
        returns is what the customer keeps.
        """
        messages = self._messages(question, history, hits, language)

        async def written() -> Answer:
            text = await (
                self._stream(messages, on_token, conversation_id)
                if on_token
                else self._complete(messages, conversation_id)
            )
            return grounded(text, hits, confidence)

        return await self._guarded("answer", written)

    async def _guarded(self, what: str, work: Callable[[], Awaitable[Result]]) -> Result:
        """One model call under the deadline and the circuit breaker.

        Anything the endpoint does wrong (errors, timeouts, bodies the client cannot parse,
        replies that fail their checks) is one failure mode to the caller: go on without
        the model.
        """
        if time.monotonic() < self._open_until:
            raise LlmFailure("circuit open")
        try:
            result = await asyncio.wait_for(work(), self.settings.deadline_s)
        except Exception as exc:
            self._failed()
            log.warning("llm %s failed: %s", what, type(exc).__name__)
            raise LlmFailure(type(exc).__name__) from exc
        self._consecutive_failures = 0
        return result

    async def _complete(
        self,
        messages: list[dict[str, str]],
        conversation_id: str | None,
        model: str | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> str:
        model = model or self.settings.answer_model
        response = await self._client.chat.completions.create(
            model=model,
            messages=messages,  # type: ignore[arg-type]
            temperature=0.2,
            response_format=response_format or omit,  # type: ignore[arg-type]
        )
        if response.usage is not None:
            await self._count(
                conversation_id,
                model,
                response.usage.prompt_tokens,
                response.usage.completion_tokens,
            )
        choice = response.choices[0]
        if choice.finish_reason == "content_filter" or not choice.message.content:
            raise LlmFailure("empty or filtered")
        return choice.message.content

    async def _stream(
        self,
        messages: list[dict[str, str]],
        on_token: Callable[[str], None],
        conversation_id: str | None,
    ) -> str:
        stream = await self._client.chat.completions.create(
            model=self.settings.answer_model,
            messages=cast("list[ChatCompletionMessageParam]", messages),
            temperature=0.2,
            stream=True,
            stream_options={"include_usage": True},
        )
        pieces: list[str] = []
        async for chunk in stream:
            if chunk.usage is not None:
                await self._count(
                    conversation_id,
                    self.settings.answer_model,
                    chunk.usage.prompt_tokens,
                    chunk.usage.completion_tokens,
                )
            if not chunk.choices:
                continue
            choice = chunk.choices[0]
            if choice.finish_reason == "content_filter":
                raise LlmFailure("filtered")
            if choice.delta.content:
                pieces.append(choice.delta.content)
                on_token(choice.delta.content)
        if not pieces:
            raise LlmFailure("empty stream")
        return "".join(pieces)

    async def _count(
        self, conversation_id: str | None, model: str, prompt: int, completion: int
    ) -> None:
        prompt_price, completion_price = self.settings.prices.get(model, (0.0, 0.0))
        cost = (prompt * prompt_price + completion * completion_price) / 1_000_000
        self.usage.requests += 1
        self.usage.prompt_tokens += prompt
        self.usage.completion_tokens += completion
        self.usage.cost_usd += cost
        if self.meter is not None:
            await self.meter(conversation_id, model, prompt, completion, cost)

    def _failed(self) -> None:
        self.usage.failures += 1
        self._consecutive_failures += 1
        if self._consecutive_failures >= self.settings.breaker_failures:
            self._open_until = time.monotonic() + self.settings.breaker_cooldown_s

    async def close(self) -> None:
        await self._client.close()


def grounded(text: str, hits: list[Hit], confidence: float) -> Answer:
    """Check the model's citations against what it was given and map them to articles.

    Citing an excerpt that does not exist rejects the answer; sentences without a
    citation lower its confidence in proportion. Excerpt numbers are rewritten as
    positions in the answer's citation list, so "[2]" links to the second source shown.
    """
    cited = [int(n) for n in _CITATION.findall(text)]
    if not cited or any(not 1 <= n <= len(hits) for n in cited):
        raise LlmFailure("uncited or unsupported citation")
    sentences = [s for s in _SENTENCE.split(text.strip()) if s]
    supported = sum(bool(_CITATION.search(s)) for s in sentences) / len(sentences)
    citations: dict[str, Citation] = {}
    for n in cited:
        chunk = hits[n - 1].chunk
        citations.setdefault(
            chunk.article_id,
            Citation(title=chunk.title, url=chunk.url, article_id=chunk.article_id),
        )
    order = list(citations)

    def renumber(match: re.Match[str]) -> str:
        return f"[{order.index(hits[int(match.group(1)) - 1].chunk.article_id) + 1}]"

    return Answer(
        text=_CITATION.sub(renumber, text).strip(),
        citations=list(citations.values()),
        confidence=confidence * supported,
    )
