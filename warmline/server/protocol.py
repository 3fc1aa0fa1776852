"""The wire protocol: one envelope for every WebSocket frame, both directions.

Logged events carry the conversation's `seq`; control frames (welcome, ack, error,
typing, queue) carry `seq: null` because they are not part of the history a
client resumes from.
"""

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from warmline.storage.conversations import Event

CustomerFrameType = Literal["hello", "message", "request_human", "ping"]
AgentFrameType = Literal["hello", "message", "claim", "handback", "resolve", "reveal", "ping"]


class ClientFrame(BaseModel):
    v: Literal[1] = 1
    type: str
    conversation_id: str | None = Field(default=None, max_length=64)
    client_msg_id: str | None = Field(default=None, min_length=1, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict)


class CustomerFrame(ClientFrame):
    type: CustomerFrameType


class AgentFrame(ClientFrame):
    type: AgentFrameType


class CustomerHello(BaseModel):
    token: str | None = None
    resume_after: int = Field(default=0, ge=0)


class AgentHello(BaseModel):
    token: str


class TextData(BaseModel):
    text: str


class RevealData(BaseModel):
    placeholder: str = Field(pattern=r"^<[A-Z_]+_\d+>$")


class ServerFrame(BaseModel):
    v: Literal[1] = 1
    seq: int | None = None
    type: str
    conversation_id: str | None = None
    ts: datetime = Field(default_factory=lambda: datetime.now(UTC))
    data: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of(cls, event: Event) -> "ServerFrame":
        return cls.model_validate(event.model_dump())


def control(type_: str, conversation_id: str | None = None, **data: Any) -> ServerFrame:
    return ServerFrame(type=type_, conversation_id=conversation_id, data=data)


def error(code: str, message: str, frame: ClientFrame | None = None) -> ServerFrame:
    if frame is None:
        return control("error", code=code, message=message)
    return control(
        "error",
        frame.conversation_id,
        code=code,
        message=message,
        frame_type=frame.type,
        client_msg_id=frame.client_msg_id,
    )
