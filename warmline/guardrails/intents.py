"""Cancellation intent and urgency: not reasons to escalate on their own, but routing facts.

Text is expected to be spelling-folded first (see `spelling.fold`).
"""

import re
from functools import lru_cache

from warmline.guardrails.company import COMPANY, DEFAULT_COMPANY, with_company
from warmline.guardrails.evidence import Signal, compile_all, matches

# Written with `COMPANY` for the company's name ("cancel my Lumen Plus"): compiled per
# name by `_cancellation`.
_CANCELLATION = [
    r"\bcancel+(?:ing|ed)?\b(?! (?:a|the|my)? ?(?:scheduled|automation|routine|timer|alarm|"
    r"scene|schedule))",
    r"\b(?:close|closing|delete|terminate|shut down|end) (?:my|the|our|an) (?:\w+ )?(?:account|"
    r"membership|contract|subscription)\b",
    r"\bunsubscribe\b(?![^.!?]{0,30}\b(?:emails?|newsletters?|marketing|texts?|sms)\b)",
    r"\bstop (?:charging|billing) me\b",
    r"\bstop my (?:" + COMPANY + r" plus |plus )?(?:trial|subscription|plan)\b",
    r"\b(?:turn off|disable) auto-?renew",
    r"\b(?:end|quit|leave|drop) (?:my )?(?:subscription|"
    + COMPANY
    + r" plus|membership|contract)\b",
    r"\b(?:don'?t|do not) want (?:" + COMPANY + r" plus|the subscription|to renew)\b",
]
_NEGATED = re.compile(
    r"(?:\b(?:don'?t|do not|not|instead of|was going to|got|was|been|is)\b\W+(?:\w+\W+){0,2}|"
    r"\b(?:instead of|got|was|been)\s+)$",
    re.IGNORECASE,
)
_URGENCY = compile_all(
    [
        r"\b(?:urgent(?:ly)?|asap|immediately|right now|emergency|as soon as possible)\b",
        r"\b(?:today|tonight) (?:please|!)",
        r"\blocked (?:out|outside)\b",
        r"\bcan'?t (?:get in|open (?:my|the) (?:door|lock))\b",
        r"\b(?:before|by) (?:tomorrow|tonight|friday|monday|the weekend)\b",
    ]
)


@lru_cache(maxsize=8)
def _cancellation(company: str) -> list[re.Pattern[str]]:
    """`_CANCELLATION` compiled for the company's name, once per name, not per message."""
    return compile_all(with_company(p, company) for p in _CANCELLATION)


def detect_cancellation(text: str, company: str = DEFAULT_COMPANY) -> Signal:
    """`company`: the name of the company the bot speaks for."""
    evidence = []
    for pattern in _cancellation(company):
        for match in pattern.finditer(text):
            if not _NEGATED.search(text[max(0, match.start() - 20) : match.start()]):
                evidence.append(match.group(0))
    return Signal(score=1.0 if evidence else 0.0, evidence=list(dict.fromkeys(evidence)))


def detect_urgency(text: str) -> Signal:
    evidence = matches(_URGENCY, text)
    return Signal(score=min(1.0, 0.5 * len(evidence)), evidence=evidence)
