"""The wire protocol: one envelope for every WebSocket frame, both directions.

Logged events carry the conversation's `seq`; control frames (welcome, ack, error,
typing, queue) carry `seq: null` because they are not part of the history a
client resumes from.
"""

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, field_validator

from warmline.coordination.presence import Status
from warmline.handoff.queue import Disposition
from warmline.handoff.wait import WaitBasis
from warmline.storage.conversations import Event

# Seqs are 64-bit integers in the database; a larger resume point is refused, not sent to it.
MAX_SEQ = 2**63 - 1

LabelKind = Literal["bot_should_have_answered", "escalation_right", "escalation_wrong"]

CustomerFrameType = Literal["hello", "message", "request_human", "leave_contact", "csat", "ping"]
AgentFrameType = Literal[
    "hello",
    "message",
    "claim",
    "claim_next",
    "transfer",
    "note",
    "handback",
    "resolve",
    "reveal",
    "presence",
    "watch",
    "unwatch",
    "label",
    "typing",
    "preview",
    "ping",
]


CLIENT_MSG_ID = r"^[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}$"


class ClientFrame(BaseModel):
    v: Literal[1] = 1
    type: str
    conversation_id: str | None = Field(default=None, max_length=64)
    # A random 128-bit id (UUID, with or without dashes), never text the client chose:
    # it is stored as sent, so a free-form id could carry a card number past redaction.
    client_msg_id: str | None = Field(default=None, pattern=CLIENT_MSG_ID)
    data: dict[str, Any] = Field(default_factory=dict)


class CustomerFrame(ClientFrame):
    type: CustomerFrameType


class AgentFrame(ClientFrame):
    type: AgentFrameType


class CustomerProfileData(BaseModel):
    """What the host page tells about its visitor; the segment only counts when signed."""

    language: str = Field(default="en", pattern=r"^[a-zA-Z]{2}([-_][a-zA-Z0-9]{2,8})?$")
    segment: str = Field(default="standard", pattern=r"^[a-z0-9_-]{1,32}$")

    @field_validator("language")
    @classmethod
    def _primary_subtag(cls, value: str) -> str:
        return value[:2].lower()

    def signed_text(self) -> str:
        """What the host site's HMAC covers: HMAC-SHA256(identity_secret, "segment=<s>")."""
        return f"segment={self.segment}"


class CustomerHello(BaseModel):
    token: str | None = None
    resume_after: int = Field(default=0, ge=0, le=MAX_SEQ)
    profile: dict[str, Any] | None = None
    profile_signature: str | None = Field(default=None, max_length=256)


class CsatData(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


class TransferData(BaseModel):
    note: str = Field(min_length=1, max_length=4000)
    to_agent: str | None = None
    to_skill: str | None = None


class ResolveData(BaseModel):
    disposition: Disposition = "resolved"


class PresenceData(BaseModel):
    status: Status


class LabelData(BaseModel):
    kind: LabelKind
    article_id: str | None = Field(default=None, max_length=200)
    note: str = Field(default="", max_length=2000)


class AgentHello(BaseModel):
    """`view: supervisor` is the supervisors' page: it reads the floor and takes no work,
    so it neither counts as the agent being online nor gets conversations."""

    token: str
    view: Literal["console", "supervisor"] = "console"


class TextData(BaseModel):
    text: str


class RevealData(BaseModel):
    placeholder: str = Field(pattern=r"^<[A-Z_]+_\d+>$")
    reason: str = Field(max_length=500, description="Why the agent needs it; audited.")

    @field_validator("reason")
    @classmethod
    def _said(cls, value: str) -> str:
        if len(value.strip()) < 3:
            raise ValueError("say why you need to see this value")
        return value.strip()


class QueuePositionData(BaseModel):
    """A waiting customer's place in line and roughly how long until a person answers.

    No estimate while no agent is available: nobody could claim the conversation, and
    a figure then would be a promise nobody keeps (the customer is offered a follow-up).
    """

    position: int = Field(ge=1)
    expected_wait_seconds: int | None = None
    wait_basis: WaitBasis | None = None


class ServerFrame(BaseModel):
    v: Literal[1] = 1
    seq: int | None = None
    type: str
    conversation_id: str | None = None
    ts: datetime = Field(default_factory=lambda: datetime.now(UTC))
    data: dict[str, Any] = Field(default_factory=dict)

    _wire: str | None = PrivateAttr(default=None)

    @classmethod
    def of(cls, event: Event) -> "ServerFrame":
        return cls.model_validate(event.model_dump())

    def wire(self) -> str:
        """The frame as JSON, serialised once however many sockets it goes to."""
        if self._wire is None:
            self._wire = self.model_dump_json()
        return self._wire


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
