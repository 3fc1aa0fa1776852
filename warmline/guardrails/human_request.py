"""Detect an explicit request for a person, honouring negations.

"I don't need an agent, just tell me the price" must not escalate, while
"can I talk to a human" must, in whatever words; the request is the one signal a
customer controls directly, so it is treated as evidence, not as a score to tune.
"""

import re

from pydantic import BaseModel

_PERSON = (
    r"(?:a |an |the |your |some |real |live |actual )*"
    r"(?:person|human|agent|representative|rep|operator|someone|somebody|people|staff|"
    r"support team|customer service|manager|supervisor)"
)
_REQUEST_PATTERNS = [
    rf"\b(?:talk|speak|chat)(?:ing)? (?:to|with) {_PERSON}\b",
    rf"\b(?:connect|transfer|put) me (?:to|through to|with) {_PERSON}\b",
    rf"\b(?:get|give|want|need|find) (?:me )?{_PERSON}\b",
    rf"\b{_PERSON} please\b",
    r"\b(?:human|agent|representative|operator)\s*[!.?]*$",
    r"\bescalate (?:this|me|my)\b",
    r"\bcall me back\b",
]
_REQUEST = re.compile("|".join(f"(?:{p})" for p in _REQUEST_PATTERNS), re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:don'?t|do not|doesn'?t|no need|not|never|without|no)\b[^.!?]{0,20}$", re.IGNORECASE
)


class HumanRequest(BaseModel):
    requested: bool
    evidence: str = ""


def detect_human_request(text: str) -> HumanRequest:
    for match in _REQUEST.finditer(text):
        before = text[max(0, match.start() - 24) : match.start()]
        if _NEGATION.search(before):
            continue
        return HumanRequest(requested=True, evidence=match.group(0))
    return HumanRequest(requested=False)
