"""What the graph reads from the product's settings, declared here as a Protocol.

The agent sits below `handoff` (which owns the escalation policy) and below
`warmline.config` (which composes every package's settings), so it cannot import
either. It states instead the few values it reads; the composed `Settings` satisfies
this shape, and a test can pass anything else that does. The LLM's own settings model
is `llm.LlmSettings`.
"""

from typing import Protocol

from warmline.agent.llm import LlmSettings
from warmline.retrieval.settings import RetrievalSettings


class ConfidenceThresholds(Protocol):
    @property
    def low_confidence(self) -> float:
        """Below this answer confidence the bot does not answer alone."""
        ...


class ThresholdSource(Protocol):
    @property
    def thresholds(self) -> ConfidenceThresholds: ...


class GraphSettings(Protocol):
    @property
    def company_name(self) -> str: ...

    @property
    def llm(self) -> LlmSettings: ...

    @property
    def retrieval(self) -> RetrievalSettings: ...

    @property
    def policy(self) -> ThresholdSource: ...
