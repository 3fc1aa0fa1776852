"""Per-message signals for the escalation policy, each with its evidence.

A signal is only useful to a human reviewer if it says why it fired, so every
score carries the words that produced it.
"""

import re
from functools import lru_cache

from pydantic import BaseModel
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from warmline.guardrails.human_request import detect_human_request

_REPEATED_CONTACT = re.compile(
    r"\b(?:(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) time|again and again|"
    r"already (?:told|asked|explained|tried)|still (?:not|no|hasn'?t|haven'?t|doesn'?t)|"
    r"for (?:days|weeks|months)|keep(?:s)? (?:asking|telling|happening))\b",
    re.IGNORECASE,
)
_PROFANITY = re.compile(
    r"\b(?:damn|hell|crap|shit|fuck\w*|bullshit|wtf|ridiculous|useless|pathetic|scam)\b",
    re.IGNORECASE,
)
_SHOUTING_WORD = re.compile(r"\b[A-Z]{3,}\b")
_PUNCTUATION_RUN = re.compile(r"[!?]{2,}")


class Signals(BaseModel):
    sentiment: float
    human_request: bool
    human_request_evidence: str = ""
    frustration: float
    frustration_evidence: list[str] = []


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def _frustration(text: str) -> tuple[float, list[str]]:
    evidence: list[str] = []
    evidence += [m.group(0) for m in _REPEATED_CONTACT.finditer(text)]
    evidence += [m.group(0) for m in _PROFANITY.finditer(text)]
    shouted = [w for w in _SHOUTING_WORD.findall(text) if not w.startswith(("LH", "E"))]
    if len(shouted) >= 2:
        evidence.append(" ".join(shouted[:4]))
    evidence += _PUNCTUATION_RUN.findall(text)
    return min(1.0, 0.34 * len(evidence)), evidence


def compute_signals(text: str) -> Signals:
    request = detect_human_request(text)
    frustration, evidence = _frustration(text)
    return Signals(
        sentiment=_vader().polarity_scores(text)["compound"],
        human_request=request.requested,
        human_request_evidence=request.evidence,
        frustration=frustration,
        frustration_evidence=evidence,
    )
