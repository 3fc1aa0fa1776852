"""Per-message signals for the escalation policy, each with its evidence.

A signal is only useful to a human reviewer if it says why it fired, so every
score carries the words that produced it. Detectors are plain functions over the
(already redacted) text, so a new one is a module and a line here.
"""

from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from warmline.guardrails.company import DEFAULT_COMPANY
from warmline.guardrails.evidence import Signal
from warmline.guardrails.frustration import (
    detect_frustration,
    failure_reported,
    replies_after_opening,
    without_swearing,
)
from warmline.guardrails.human_request import detect_human_request
from warmline.guardrails.injection import screen_injection
from warmline.guardrails.intents import detect_cancellation, detect_urgency
from warmline.guardrails.repetition import detect_repetition
from warmline.guardrails.sensitive import SensitiveTopic, detect_sensitive_topic
from warmline.guardrails.spelling import fold


class Signals(BaseModel):
    sentiment: float
    human_request: Signal
    frustration: Signal
    urgency: Signal
    cancellation: Signal
    sensitive: SensitiveTopic
    injection: Signal
    repetition: Signal


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


MAX_EMOJI_RUN = 3
WINDOW_WORDS = 100


def _describe_emoji(text: str) -> str:
    """Emoji replaced by VADER's own descriptions, with runs folded to `MAX_EMOJI_RUN`.

    VADER does this replacement itself, but a message of 4,000 "😀" becomes 8,000
    words, and VADER's cost grows with the square of the word count (it re-lowercases
    every word for each sentiment word it meets): 12 s of CPU for one message. A run of
    the same mood says no more after three, so the rest of the run is dropped; between
    the emoji kept the text is exactly what VADER would have built.
    """
    emojis = _vader().emojis
    out: list[str] = []
    run = 0
    after_space = True
    for char in text:
        description = emojis.get(char)
        if description is None:
            if not char.isspace():
                run = 0
            out.append(char)
            after_space = char == " "
            continue
        run += 1
        if run > MAX_EMOJI_RUN:
            continue
        if not after_space:
            out.append(" ")
        out.append(description)
        after_space = False
    return "".join(out)


def sentiment(text: str) -> float:
    """How negative or positive the message reads about its matter, in [-1, 1]: VADER's
    compound score with swear words left out. Swearing is tone: "hell, where is my damn
    parcel?!" asks where a parcel is, and VADER alone reads it at -0.82."""
    return vader_score(without_swearing(text))


def vader_score(text: str) -> float:
    """VADER compound score in [-1, 1], at a cost linear in the length of the text.

    A message longer than `WINDOW_WORDS` words is scored in windows of that many words
    and the windows' scores averaged (VADER's authors' advice for text longer than a
    sentence), so VADER's quadratic cost applies only within a window. Shorter messages,
    nearly all of them, score exactly as VADER scores them.
    """
    described = _describe_emoji(text)
    words = described.split()
    if len(words) <= WINDOW_WORDS:
        return float(_vader().polarity_scores(described)["compound"])
    scores = [
        _vader().polarity_scores(" ".join(words[start : start + WINDOW_WORDS]))["compound"]
        for start in range(0, len(words), WINDOW_WORDS)
    ]
    return float(sum(scores) / len(scores))


def compute_signals(
    text: str,
    earlier: list[str] | None = None,
    vector: npt.NDArray[np.float32] | None = None,
    company: str = DEFAULT_COMPANY,
) -> Signals:
    """Word detectors read the spelling-folded text; tone and shouting read it as typed.

    `vector` is the message's MiniLM embedding, the one retrieval searches with, when
    the caller has it: the request detector reads it too. `company` is the configured
    company's name, which the detectors read as us ("I'll sue Acme"). Panic in an
    emergency is not frustration with us, so a safety topic silences it.
    """
    folded = fold(text)
    sensitive = detect_sensitive_topic(folded, company)
    # The opening message states the trouble; a failure told in a reply after it was
    # told after an answer.
    failed_before = any(failure_reported(m) for m in replies_after_opening(earlier or []))
    frustration = detect_frustration(text, bool(earlier), company, failed_before)
    if sensitive.topic in {"self_harm", "medical_emergency"}:
        frustration = Signal()
    return Signals(
        sentiment=sentiment(text),
        human_request=detect_human_request(folded, vector, company),
        frustration=frustration,
        urgency=detect_urgency(folded),
        cancellation=detect_cancellation(folded, company),
        sensitive=sensitive,
        injection=screen_injection(text),
        repetition=detect_repetition(folded, earlier or []),
    )
