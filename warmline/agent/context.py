"""What the graph needs from outside, given to each run as LangGraph's runtime context.

The nodes receive it as `runtime.context`; nothing here is read from closures or
from the run's config, so a test can run the graph with a stub search and a stub
policy, and the graph does not import the settings of the packages it calls.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from warmline.agent.decision import EscalationDecision, TurnFacts
from warmline.agent.llm import LlmAnswerer
from warmline.retrieval.store import Hit


@dataclass(frozen=True)
class AgentContext:
    search: Callable[[str], Awaitable[list[Hit]]]
    """Hybrid search of the knowledge base, best hit first."""
    assess: Callable[[TurnFacts], EscalationDecision]
    """The escalation policy: it alone decides whether a person takes over."""
    answerable: Callable[[str, list[Hit]], float]
    """The probability that the hits answer the query (the answer's confidence)."""
    embed_query: Callable[[str], npt.NDArray[np.float32]] | None
    """The message's embedding for the request detector; None reads words only."""
    low_confidence: float
    """Below this confidence the bot says it does not know, and counts a strike."""
    max_answer_chars: int
    company_name: str
    llm: LlmAnswerer | None = None
    classify_model: str | None = None
    """The model that adds intent and escalation hints; None = the detectors alone."""
