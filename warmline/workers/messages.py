"""What the gateway and a worker process say to each other over their pipe (pickled)."""

from dataclasses import dataclass

from warmline.agent.state import AgentState, TurnInput
from warmline.guardrails.inspection import Inspection
from warmline.guardrails.redaction import PlaceholderEntry
from warmline.retrieval.embedder import QueryEncoding


@dataclass(frozen=True)
class Job:
    """A bot turn to run: the gateway sends one at a time to an idle worker."""

    id: int
    conversation_id: str
    turn: TurnInput
    encoding: QueryEncoding | None = None
    """The query encoding of the turn's words, made in another worker beside their
    inspection (`Encode`), so this one does not call the model for them."""


@dataclass(frozen=True)
class Inspect:
    """A customer's message to inspect before it is stored: cleaned, redacted against the
    conversation's placeholders so far (`entries`), read in its `language`, and (when
    `read_request`) checked for words that ask for a person."""

    id: int
    text: str
    entries: list[PlaceholderEntry]
    language: str | None
    read_request: bool


@dataclass(frozen=True)
class Encode:
    """A customer's message to encode for its query while another worker inspects it: the
    words as cleaned (the same cleaning as the inspection's), encoded once, kept nowhere."""

    id: int
    text: str


@dataclass(frozen=True)
class Ready:
    """The worker has opened its graph and warmed its models."""


@dataclass(frozen=True)
class Delta:
    """A piece of the answer as the LLM writes it, streamed on to the customer."""

    job: int
    text: str


@dataclass(frozen=True)
class Done:
    job: int
    state: AgentState


@dataclass(frozen=True)
class Inspected:
    job: int
    inspection: Inspection


@dataclass(frozen=True)
class Encoded:
    """`text` (the cleaned words) and its query encoding; None for words the cleaning
    refuses (the inspection says why) or a worker that makes none."""

    job: int
    text: str | None
    encoding: QueryEncoding | None


@dataclass(frozen=True)
class Failed:
    """The turn raised; `error` is the exception itself when it pickles, so the gateway
    handles it as it would in-process (an unavailable database leaves the turn pending)."""

    job: int
    error: BaseException
